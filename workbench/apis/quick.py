"""A small trained detector on the synthetic shapes dataset, trained once and cached, for notebooks and demos.

``quick_model()`` generates the shapes data, trains the packaged RetinaNet config
(``workbench::shapes/retinanet_r18_fpn_shapes.py``) with smaller data sizes and fewer epochs, and keeps the result
in a cache folder: the resolved config as a ``.py`` file, the checkpoint, the data. A second call with the same
settings returns the cached files without training; concurrent calls (two notebooks at once) wait for each other
through a file lock instead of training twice.

Only data sizes and the epoch count are changed; the LR schedule's step epochs and warmup are scaled with the
epoch count so a short run keeps the recipe's shape.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

SHAPES_CONFIG = 'workbench::shapes/retinanet_r18_fpn_shapes.py'

# Settings for a tutorial run on a laptop CPU, and for CI (the CI environment variable set to anything other than
# '', '0', 'false', 'no'): a smaller dataset, smaller images and fewer epochs.
FULL_SETTINGS = dict(num_train=160, num_val=40, img_size=(256, 192), img_scale=(256, 192), epochs=8)
CI_SETTINGS = dict(num_train=64, num_val=16, img_size=(160, 120), img_scale=(160, 120), epochs=8)


def is_ci() -> bool:
    """Whether the ``CI`` environment variable asks for the small settings."""
    return os.environ.get('CI', '').strip().lower() not in ('', '0', 'false', 'no')


def quick_settings(ci: Optional[bool] = None) -> dict:
    """The default quick-model settings: :data:`CI_SETTINGS` under CI, else :data:`FULL_SETTINGS`."""
    return dict(CI_SETTINGS if (is_ci() if ci is None else ci) else FULL_SETTINGS)


def default_cache_dir() -> str:
    """``$WORKBENCH_CACHE`` if set, else ``notebooks/_cache`` of the repository holding this package when there is
    one (an editable install), else ``~/.cache/workbench``."""
    env = os.environ.get('WORKBENCH_CACHE')
    if env:
        return env
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    if osp.isdir(osp.join(repo, 'notebooks')):
        return osp.join(repo, 'notebooks', '_cache')
    return osp.join(osp.expanduser('~'), '.cache', 'workbench')


def set_img_scale(pipeline: list, img_scale: Tuple[int, int]) -> None:
    """Set every ``img_scale`` in a pipeline (list of step dicts, in place), inside ``MultiScaleFlipAug`` too."""
    for step in pipeline:
        if 'img_scale' in step:
            step['img_scale'] = tuple(img_scale)
        if 'transforms' in step:
            set_img_scale(step['transforms'], img_scale)


def shapes_config(data: dict, img_scale: Tuple[int, int] = (256, 192), epochs: int = 12,
                  config: str = SHAPES_CONFIG, work_dir: Optional[str] = None, seed: int = 0,
                  samples_per_gpu: Optional[int] = None):
    """The shapes config pointed at the dataset ``data`` (the dict :func:`workbench.datasets.make_shapes` returns),
    with ``img_scale`` and ``epochs`` changed, data loading in the main process (``workers_per_gpu=0``: nothing to
    fork from a notebook kernel) and the LR steps/warmup scaled to the epoch count. Returns a Config."""
    from workbench.config import Config

    if epochs < 1:
        raise ValueError(f'epochs must be >= 1, got {epochs}')
    cfg = Config.fromfile(config)
    base_epochs = cfg.runner.get('max_epochs', 12)
    for split, ann, img_dir in (('train', 'train_ann', 'train_img_dir'), ('val', 'val_ann', 'val_img_dir'),
                                ('test', 'val_ann', 'val_img_dir')):
        cfg.data[split].ann_file = data[ann]
        cfg.data[split].img_prefix = data[img_dir].rstrip('/') + '/'
        set_img_scale(cfg.data[split].pipeline, img_scale)
    cfg.data.workers_per_gpu = 0
    if samples_per_gpu is not None:
        cfg.data.samples_per_gpu = samples_per_gpu
    cfg.runner.max_epochs = epochs
    if cfg.lr_config.get('step') is not None and epochs != base_epochs:
        steps = cfg.lr_config.step if isinstance(cfg.lr_config.step, (list, tuple)) else [cfg.lr_config.step]
        cfg.lr_config.step = sorted({max(1, round(s * epochs / base_epochs)) for s in steps})
    iters_per_epoch = -(-len(_image_ids(data['train_ann'])) // cfg.data.samples_per_gpu)
    if cfg.lr_config.get('warmup_iters'):
        # a warmup longer than a quarter of a short run would leave no training at the full rate
        cfg.lr_config.warmup_iters = max(1, min(cfg.lr_config.warmup_iters, (iters_per_epoch * epochs) // 4))
    cfg.checkpoint_config.interval = epochs
    cfg.evaluation.interval = epochs
    cfg.log_config.interval = max(1, min(cfg.log_config.interval, iters_per_epoch // 2 or 1))
    cfg.seed = seed
    cfg.work_dir = work_dir or osp.abspath('work_dirs/shapes')
    return cfg


def _image_ids(ann_file: str) -> list:
    with open(ann_file) as f:
        return [im['id'] for im in json.load(f)['images']]


@dataclass
class QuickModel:
    """Where a quick model's files are. ``config``: the resolved config file (loads with ``Config.fromfile`` and
    ``init_detector``); ``checkpoint``: the weights; ``data``: the shapes dataset paths; ``settings``: what it was
    trained with."""
    config: str
    checkpoint: str
    work_dir: str
    data: dict
    settings: dict = field(default_factory=dict)

    def init(self, device: str = 'cpu'):
        """The trained detector, ready for ``inference_detector``."""
        from .inference import init_detector
        return init_detector(self.config, self.checkpoint, device=device)

    def test(self, model=None, split: str = 'val'):
        """``(dataset, results)``: the model (this one unless given) run over the ``split`` set."""
        from workbench.config import Config
        return predict_dataset(model if model is not None else self.init(), Config.fromfile(self.config), split)


@contextlib.contextmanager
def _file_lock(path: str):
    import fcntl
    with open(path, 'a+') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def quick_model(cache_dir: Optional[str] = None, num_train: Optional[int] = None, num_val: Optional[int] = None,
                img_size: Optional[Tuple[int, int]] = None, img_scale: Optional[Tuple[int, int]] = None,
                epochs: Optional[int] = None, seed: int = 0, config: str = SHAPES_CONFIG, device: Optional[str] = None,
                force: bool = False, log: Optional[Callable[[str], None]] = print) -> QuickModel:
    """Return a small RetinaNet trained on the shapes dataset, training it first if it is not in ``cache_dir``.

    Settings left as None come from :func:`quick_settings` (small ones when the ``CI`` environment variable is
    set). The cache key is every setting plus the config's resolved text, so editing the packaged config retrains.
    """
    from workbench.config import Config
    from workbench.datasets import make_shapes

    s = quick_settings()
    given = dict(num_train=num_train, num_val=num_val, img_size=img_size, img_scale=img_scale, epochs=epochs)
    s.update({k: v for k, v in given.items() if v is not None})
    s['img_size'], s['img_scale'] = tuple(s['img_size']), tuple(s['img_scale'])
    s['seed'] = seed
    cache_dir = osp.abspath(cache_dir or default_cache_dir())
    os.makedirs(cache_dir, exist_ok=True)
    data_dir = osp.join(cache_dir, 'shapes_{}_{}_{}x{}_s{}'.format(s['num_train'], s['num_val'], *s['img_size'],
                                                                   seed))
    config_text = Config.fromfile(config).pretty_text
    key = hashlib.sha1(json.dumps([s, config, config_text], sort_keys=True, default=str).encode()).hexdigest()[:10]
    work_dir = osp.join(cache_dir, f'quick_{key}')
    cfg_path, ckpt_path = osp.join(work_dir, 'config.py'), osp.join(work_dir, 'model.pth')
    os.makedirs(work_dir, exist_ok=True)
    with _file_lock(osp.join(cache_dir, '.quick_model.lock')):
        data = make_shapes(data_dir, num_train=s['num_train'], num_val=s['num_val'], img_size=s['img_size'],
                           seed=seed)
        if force or not (osp.isfile(cfg_path) and osp.isfile(ckpt_path)):
            if log:
                log(f'training the quick model ({s}) into {work_dir} ...')
            _train(data, s, config, work_dir, cfg_path, ckpt_path, device)
        elif log:
            log(f'using the cached quick model in {work_dir}')
    return QuickModel(config=cfg_path, checkpoint=ckpt_path, work_dir=work_dir, data=data, settings=s)


def _train(data, s, config, work_dir, cfg_path, ckpt_path, device):
    import shutil

    import torch

    from workbench.config.inspect import save_config
    from workbench.datasets import build_dataset
    from workbench.models import build_detector

    from .train import set_random_seed, train_detector

    cfg = shapes_config(data, img_scale=s['img_scale'], epochs=s['epochs'], config=config, work_dir=work_dir,
                        seed=s['seed'])
    cfg.device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    set_random_seed(s['seed'], deterministic=False)
    dataset = build_dataset(cfg.data.train)
    model = build_detector(cfg.model)
    model.init_weights()
    model.CLASSES = dataset.CLASSES
    train_detector(model, dataset, cfg, validate=False, meta=dict(CLASSES=dataset.CLASSES, seed=s['seed']))
    latest = osp.join(work_dir, f'epoch_{s["epochs"]}.pth')
    if not osp.isfile(latest):
        raise FileNotFoundError(f'training finished but wrote no checkpoint {latest}')
    tmp = ckpt_path + '.tmp'
    shutil.copyfile(latest, tmp)
    os.replace(tmp, ckpt_path)  # the checkpoint appears whole or not at all
    out = copy.deepcopy(cfg)
    out.pop('device', None)
    save_config(out, cfg_path)


def predict_dataset(model, cfg, split: str = 'test', samples_per_gpu: int = 4):
    """Build ``cfg.data.<split>`` in test mode and run ``model`` over it (``single_gpu_test``). Returns
    ``(dataset, results)`` with mmdet-format results in dataset order."""
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.engine import single_gpu_test
    from workbench.parallel import MMDataParallel

    from .inference import replace_image_to_tensor

    data_cfg = copy.deepcopy(cfg.data[split])
    if samples_per_gpu > 1:
        data_cfg['pipeline'] = replace_image_to_tensor(data_cfg['pipeline'])
    dataset = build_dataset(data_cfg, dict(test_mode=True))
    loader = build_dataloader(dataset, samples_per_gpu=samples_per_gpu, workers_per_gpu=0, dist=False,
                              shuffle=False)
    results = single_gpu_test(MMDataParallel(model), loader, progress=False)
    return dataset, results
