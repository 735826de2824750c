"""``train_detector``: data loaders, optimizer, runner and hooks from a config, as MMDetection 2.x wires them."""
from __future__ import annotations

import copy
import os
from typing import Optional

import torch

from workbench.engine import (DistSamplerSeedHook, EpochBasedRunner, EvalHook, DistEvalHook, Fp16OptimizerHook,
                              OptimizerHook, build_optimizer, build_runner, find_latest_checkpoint, get_root_logger,
                              init_random_seed, set_random_seed)
from workbench.utils.memory_format import set_memory_format

__all__ = ['train_detector', 'set_random_seed', 'init_random_seed', 'auto_scale_lr', 'loader_args']


def loader_args(cfg, split: str, defaults: dict) -> dict:
    """Data-loader arguments: ``defaults``, then the legacy ``data.samples_per_gpu``/``workers_per_gpu``/
    ``persistent_workers`` keys (train split only), then ``data.<split>_dataloader``."""
    args = dict(defaults)
    data = cfg.data
    if split == 'train':
        for key in ('samples_per_gpu', 'workers_per_gpu', 'persistent_workers'):
            if key in data:
                args[key] = data[key]
    elif 'workers_per_gpu' in data:
        args['workers_per_gpu'] = data['workers_per_gpu']
    args.update(data.get(f'{split}_dataloader', {}) or {})
    return args


def auto_scale_lr(cfg, distributed: bool, logger=None) -> None:
    """Linear LR scaling (``auto_scale_lr = dict(enable=True, base_batch_size=16)``): lr *= batch / base."""
    scale = cfg.get('auto_scale_lr')
    if not scale or not scale.get('enable', False):
        return
    world = torch.distributed.get_world_size() if distributed else 1
    batch = world * loader_args(cfg, 'train', dict(samples_per_gpu=2))['samples_per_gpu']
    ratio = batch / scale['base_batch_size']
    cfg.optimizer['lr'] = cfg.optimizer['lr'] * ratio
    if logger is not None:
        logger.info(f'LR scaled by {ratio:.4g} to {cfg.optimizer["lr"]} (batch {batch}, base '
                    f'{scale["base_batch_size"]})')


def train_detector(model, dataset, cfg, distributed: bool = False, validate: bool = False,
                   timestamp: Optional[str] = None, meta: Optional[dict] = None, extra_hooks=()):
    """Train ``model`` on ``dataset`` (or a list of datasets, one per workflow phase) as ``cfg`` says.

    ``extra_hooks``: (hook, priority) pairs registered after the config's hooks (e.g. a notebook monitor).
    Returns the runner.
    """
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.parallel import MMDataParallel, MMDistributedDataParallel

    from .inference import replace_image_to_tensor

    cfg = copy.deepcopy(cfg)
    logger = get_root_logger(log_level=cfg.get('log_level', 'INFO'))
    datasets = dataset if isinstance(dataset, (list, tuple)) else [dataset]
    runner_cfg = cfg.get('runner') or dict(type='EpochBasedRunner', max_epochs=cfg.get('total_epochs', 12))
    runner_type = runner_cfg['type']
    train_args = loader_args(cfg, 'train', dict(samples_per_gpu=2, workers_per_gpu=2, num_gpus=1,
                                                dist=distributed, seed=cfg.get('seed'), runner_type=runner_type,
                                                persistent_workers=False))
    data_loaders = [build_dataloader(ds, **train_args) for ds in datasets]

    device = cfg.get('device', 'cuda' if torch.cuda.is_available() else 'cpu')
    set_memory_format(model, cfg.get('memory_format'))  # before the optimizer takes the parameters
    if distributed:
        model = model.to(device)
        ids = [torch.cuda.current_device()] if device == 'cuda' else None
        model = MMDistributedDataParallel(model, device_ids=ids, broadcast_buffers=False,
                                          find_unused_parameters=cfg.get('find_unused_parameters', False))
    else:
        model = MMDataParallel(model.to(device), device_ids=[0] if device == 'cuda' else None)

    auto_scale_lr(cfg, distributed, logger)
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = build_runner(runner_cfg, default_args=dict(model=model, optimizer=optimizer, work_dir=cfg.work_dir,
                                                        logger=logger, meta=meta))
    runner.timestamp = timestamp

    fp16_cfg = cfg.get('fp16')
    optimizer_config = cfg.get('optimizer_config', {}) or {}
    if fp16_cfg is not None:
        optimizer_config = Fp16OptimizerHook(**optimizer_config, **fp16_cfg, distributed=distributed)
    elif distributed and 'type' not in optimizer_config:
        optimizer_config = OptimizerHook(**optimizer_config)
    runner.register_training_hooks(cfg.lr_config, optimizer_config, cfg.get('checkpoint_config'),
                                   cfg.get('log_config'), cfg.get('momentum_config'),
                                   custom_hooks_config=cfg.get('custom_hooks'))
    if distributed and isinstance(runner, EpochBasedRunner):
        runner.register_hook(DistSamplerSeedHook())

    if validate:
        val_args = loader_args(cfg, 'val', dict(samples_per_gpu=1, workers_per_gpu=2, dist=distributed,
                                                shuffle=False, persistent_workers=False))
        val_cfg = copy.deepcopy(cfg.data.val)
        if val_args['samples_per_gpu'] > 1:
            val_cfg['pipeline'] = replace_image_to_tensor(val_cfg['pipeline'])
        val_dataset = build_dataset(val_cfg, dict(test_mode=True))
        val_loader = build_dataloader(val_dataset, **val_args)
        eval_cfg = dict(cfg.get('evaluation', {}) or {})
        eval_cfg['by_epoch'] = runner_type != 'IterBasedRunner'
        hook_cls = DistEvalHook if distributed else EvalHook
        runner.register_hook(hook_cls(val_loader, **eval_cfg), priority='LOW')

    for hook, priority in extra_hooks:
        runner.register_hook(hook, priority=priority)

    resume_from = cfg.get('resume_from')
    if resume_from is None and cfg.get('auto_resume'):
        resume_from = find_latest_checkpoint(cfg.work_dir)
    if resume_from:
        runner.resume(resume_from)
    elif cfg.get('load_from'):
        runner.load_checkpoint(cfg.load_from)
    runner.run(data_loaders, cfg.get('workflow', [('train', 1)]))
    return runner
