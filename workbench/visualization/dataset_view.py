"""What a dataset holds and what the model gets: plain functions behind the DatasetBrowser widget."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .image import imshow_det_bboxes


def _unwrap(x):
    """The payload of an mmcv-style DataContainer (or the value itself)."""
    return x.data if type(x).__name__ == 'DataContainer' else x


def polygons_to_bitmap(polygons, height: int, width: int) -> np.ndarray:
    """A COCO polygon list (or RLE dict) to an (h, w) bool mask."""
    from pycocotools import mask as mask_utils

    if isinstance(polygons, dict):
        rle = polygons
        if isinstance(rle.get('counts'), list):
            rle = mask_utils.frPyObjects(rle, height, width)
    else:
        rles = mask_utils.frPyObjects([np.asarray(p, dtype=np.float64).tolist() for p in polygons], height, width)
        rle = mask_utils.merge(rles)
    return mask_utils.decode(rle).astype(bool)


def raw_sample(dataset, index: int) -> dict:
    """The original image (RGB) with its GT boxes, labels and masks (bool arrays, when annotated)."""
    from workbench.widgets.gallery import load_image_rgb

    img = load_image_rgb(dataset, index)
    ann = dataset.get_ann_info(index)
    masks = None
    if ann.get('masks') is not None and len(ann['masks']):
        h, w = img.shape[:2]
        masks = np.stack([polygons_to_bitmap(m, h, w) for m in ann['masks']])
    return dict(img=img, bboxes=np.asarray(ann['bboxes']).reshape(-1, 4), labels=np.asarray(ann['labels']),
                masks=masks, meta=dict(dataset.data_infos[index]))


def pipeline_sample(dataset, index: int) -> dict:
    """Run the dataset's own (training) pipeline on one image and undo the normalisation, so the result shows
    exactly what the model receives: augmented, resized, padded. Each call draws new random augmentations."""
    data = dataset.prepare_train_img(index) if not getattr(dataset, 'test_mode', False) else dataset[index]
    if data is None:
        raise ValueError(f'image {index}: the training pipeline returned None (e.g. no GT left after cropping)')
    img = _unwrap(data['img'])
    if isinstance(img, list):  # test-mode pipelines wrap each augmentation in a list
        img = img[0]
        img = _unwrap(img)
    metas = _unwrap(data.get('img_metas', {}))
    if isinstance(metas, list):
        metas = _unwrap(metas[0])
    arr = img.detach().cpu().numpy() if hasattr(img, 'detach') else np.asarray(img)
    if arr.ndim == 3 and arr.shape[0] in (1, 3):
        arr = arr.transpose(1, 2, 0)
    norm = metas.get('img_norm_cfg') if isinstance(metas, dict) else None
    if norm is not None:
        arr = arr * np.asarray(norm['std'], dtype=np.float32) + np.asarray(norm['mean'], dtype=np.float32)
        if not norm.get('to_rgb', False):
            arr = arr[..., ::-1]  # still BGR
    rgb = np.clip(arr, 0, 255).astype(np.uint8)
    bboxes = _unwrap(data.get('gt_bboxes', np.zeros((0, 4))))
    labels = _unwrap(data.get('gt_labels', np.zeros(0)))
    masks = _unwrap(data.get('gt_masks')) if 'gt_masks' in data else None
    to_np = lambda t: t.detach().cpu().numpy() if hasattr(t, 'detach') else np.asarray(t)  # noqa: E731
    if masks is not None and hasattr(masks, 'to_ndarray'):
        masks = masks.to_ndarray().astype(bool)
    return dict(img=rgb, bboxes=to_np(bboxes).reshape(-1, 4), labels=to_np(labels).astype(np.int64), masks=masks,
                meta=metas if isinstance(metas, dict) else {})


def draw_sample(sample: dict, class_names: Optional[Sequence[str]] = None, show_masks: bool = True, **kwargs):
    """Draw a :func:`raw_sample` / :func:`pipeline_sample` result; returns an RGB array."""
    masks = sample['masks'] if show_masks else None
    if masks is not None and masks.shape[1:] != sample['img'].shape[:2]:
        masks = None
    return imshow_det_bboxes(sample['img'], sample['bboxes'], sample['labels'], segms=masks,
                             class_names=class_names, channel_order='rgb', **kwargs)


def filter_image_indices(box_table, num_images: int, classes: Optional[Sequence[str]] = None,
                         min_objects: int = 0, max_objects: Optional[int] = None, min_box_size: float = 0,
                         max_box_size: Optional[float] = None):
    """Image indices that pass all filters: contains at least one box of ``classes`` (None: any image), has between
    ``min_objects`` and ``max_objects`` boxes, and has at least one box whose sqrt(area) lies in
    [``min_box_size``, ``max_box_size``] (the size filter applies only when a bound is set)."""
    counts = np.bincount(box_table.image_index.values.astype(np.int64), minlength=num_images)
    keep = counts >= min_objects
    if max_objects is not None:
        keep &= counts <= max_objects
    boxes = box_table
    if classes:
        boxes = boxes[boxes.class_name.isin(list(classes))]
        keep &= np.isin(np.arange(num_images), boxes.image_index.values)
    if min_box_size > 0 or max_box_size is not None:
        sized = boxes[(boxes.sqrt_area >= min_box_size) &
                      (boxes.sqrt_area <= (max_box_size if max_box_size is not None else np.inf))]
        keep &= np.isin(np.arange(num_images), sized.image_index.values)
    return np.flatnonzero(keep).tolist()
