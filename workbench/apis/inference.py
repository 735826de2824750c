"""Inference APIs with MMDetection 2.x names: ``init_detector``, ``inference_detector``, ``show_result_pyplot``."""
from __future__ import annotations

import asyncio
import copy
import os
import warnings
from typing import Optional, Sequence, Union

import numpy as np
import torch

from workbench.config import Config
from workbench.utils.memory_format import set_memory_format


def replace_image_to_tensor(pipelines: list) -> list:
    """Replace ``ImageToTensor`` with ``DefaultFormatBundle`` in test pipelines (inside MultiScaleFlipAug too), so
    images of different sizes can be batched; mmdet's ``replace_ImageToTensor``."""
    pipelines = copy.deepcopy(pipelines)
    for i, step in enumerate(pipelines):
        if step['type'] == 'MultiScaleFlipAug':
            step['transforms'] = replace_image_to_tensor(step['transforms'])
        elif step['type'] == 'ImageToTensor':
            warnings.warn('"ImageToTensor" pipeline is replaced by "DefaultFormatBundle" for batch inference.',
                          UserWarning)
            pipelines[i] = {'type': 'DefaultFormatBundle'}
    return pipelines


replace_ImageToTensor = replace_image_to_tensor  # mmdet's name


def _as_config(config) -> Config:
    if isinstance(config, (str, os.PathLike)):
        return Config.fromfile(os.fspath(config))
    if isinstance(config, Config):
        return copy.deepcopy(config)
    raise TypeError(f'config must be a filename or Config object, but got {type(config).__name__}')


def init_detector(config, checkpoint: Optional[str] = None, device: Union[str, torch.device] = 'cpu',
                  cfg_options: Optional[dict] = None):
    """Build a detector from a config (path or Config) and optionally load a checkpoint.

    The model is in eval mode on ``device``, with ``model.cfg`` set and ``model.CLASSES`` taken from the
    checkpoint's meta when it has them (else from the dataset config, else COCO's classes); its tensors are in the
    config's ``memory_format`` ('channels_last' is faster on CPU) when it sets one.
    """
    from workbench.engine import load_checkpoint
    from workbench.models import build_detector

    config = _as_config(config)
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    model_cfg = config.to_dict()['model']
    if 'pretrained' in model_cfg:
        model_cfg['pretrained'] = None
    elif 'init_cfg' in model_cfg.get('backbone', {}):
        model_cfg['backbone']['init_cfg'] = None
    model_cfg['train_cfg'] = None
    model = build_detector(model_cfg, test_cfg=config.get('test_cfg'))
    classes = None
    if checkpoint is not None:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        classes = (ckpt.get('meta') or {}).get('CLASSES') if isinstance(ckpt, dict) else None
    if classes is None:
        data_cfg = config.get('data', {})
        test_cfg = data_cfg.get('test', {}) if hasattr(data_cfg, 'get') else {}
        classes = test_cfg.get('classes') if hasattr(test_cfg, 'get') else None
    if classes is None:
        from workbench.evaluation.class_names import get_classes
        warnings.warn('Class names are not saved in the checkpoint\'s meta data, use COCO classes by default.')
        classes = tuple(get_classes('coco'))
    model.CLASSES = tuple(classes)
    model.cfg = config
    model.to(device)
    set_memory_format(model, config.get('memory_format'))
    model.eval()
    return model


def _test_pipeline(cfg: Config, from_array: bool):
    from workbench.datasets.pipelines import Compose

    pipeline = copy.deepcopy(cfg.to_dict()['data']['test']['pipeline'])
    if from_array:
        pipeline[0] = dict(pipeline[0], type='LoadImageFromWebcam')
    return Compose(replace_image_to_tensor(pipeline))


def _prepare_batch(model, imgs: Sequence):
    from workbench.parallel import collate, scatter_to

    from_array = isinstance(imgs[0], np.ndarray)
    pipeline = _test_pipeline(model.cfg, from_array)
    samples = []
    for img in imgs:
        data = dict(img=img) if from_array else dict(img_info=dict(filename=os.fspath(img)), img_prefix=None)
        samples.append(pipeline(data))
    batch = collate(samples, samples_per_gpu=len(samples))
    # one test-time augmentation: unwrap the DataContainers as MMDataParallel's scatter does
    batch['img_metas'] = [metas.data[0] for metas in batch['img_metas']]
    batch['img'] = [img.data[0] for img in batch['img']]
    device = next(model.parameters()).device
    return scatter_to(batch, device)


def inference_detector(model, imgs):
    """Run a detector on one image or a list (file paths or BGR ``np.ndarray``), batched.

    Returns mmdet 2.x results: for one image a list per class of (n, 5) arrays (or a (bbox, segm) pair for
    instance segmentation), for a list of images a list of those.
    """
    single = not isinstance(imgs, (list, tuple))
    imgs = [imgs] if single else list(imgs)
    if not imgs:
        return []
    for img in imgs:
        if isinstance(img, (str, os.PathLike)) and not os.path.isfile(img):
            raise FileNotFoundError(f'image file not found: {img}')
    data = _prepare_batch(model, imgs)
    with torch.no_grad():
        results = model(return_loss=False, rescale=True, **data)
    return results[0] if single else results


async def async_inference_detector(model, imgs):
    """``inference_detector`` without blocking the event loop (the work runs in a thread executor)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, inference_detector, model, imgs)


def show_result_pyplot(model, img, result, score_thr: float = 0.3, title: str = 'result', wait_time: float = 0,
                       palette=None, out_file: Optional[str] = None, ax=None):
    """Draw ``result`` on ``img`` with matplotlib and show it inline (notebooks); returns the Figure. Never opens an
    OpenCV window."""
    import matplotlib.pyplot as plt

    from workbench.visualization import imshow_det_bboxes

    bbox_result, segm_result = (result if isinstance(result, tuple) else (result, None))
    bboxes = np.vstack([np.asarray(b).reshape(-1, 5) for b in bbox_result]) if len(bbox_result) else np.zeros((0, 5))
    labels = np.concatenate([np.full(len(b), i, dtype=np.int64) for i, b in enumerate(bbox_result)])
    segms = None
    if segm_result is not None and len(labels):
        segm = segm_result[0] if isinstance(segm_result, tuple) else segm_result
        segms = np.stack([np.asarray(m) for per_class in segm for m in per_class]) if any(len(s) for s in segm) \
            else None
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 6))
    else:
        fig = ax.figure
    ax.axis('off')
    imshow_det_bboxes(img, bboxes, labels, segms, class_names=getattr(model, 'CLASSES', None),
                      score_thr=score_thr, bbox_color=palette, ax=ax, return_figure=True)
    ax.set_title(title)
    if out_file is not None:
        fig.savefig(out_file, bbox_inches='tight')
    return fig
