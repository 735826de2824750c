"""``build_dataset`` (configs -> datasets, wrappers included) and ``build_dataloader`` (mmdet 2.x semantics)."""
import copy
import random
from functools import partial

import numpy as np
import torch
from torch.utils.data import DataLoader

from ..registry import DATASETS, build_from_cfg
from .samplers import (DistributedGroupSampler, DistributedSampler, GroupSampler, InfiniteBatchSampler,
                       InfiniteGroupBatchSampler)
from .samplers.dist_utils import get_dist_info


def _concat_dataset(cfg, default_args=None):
    """One dataset per entry of a list-valued ``ann_file`` (img/seg prefixes and proposal files may be lists)."""
    from .dataset_wrappers import ConcatDataset
    ann_files = cfg['ann_file']
    per_item = {k: cfg.get(k) for k in ('img_prefix', 'seg_prefix', 'proposal_file')}
    datasets = []
    for i, ann_file in enumerate(ann_files):
        c = copy.deepcopy(cfg)
        c.pop('separate_eval', None)  # a ConcatDataset option, not a dataset argument
        c['ann_file'] = ann_file
        for k, v in per_item.items():
            if isinstance(v, (list, tuple)):
                if len(v) != len(ann_files):
                    raise ValueError(f'{k} has {len(v)} entries but ann_file has {len(ann_files)}')
                c[k] = v[i]
        datasets.append(build_dataset(c, default_args))
    return ConcatDataset(datasets, cfg.get('separate_eval', True))


def build_dataset(cfg, default_args=None):
    """Build a dataset from a config dict (or a list of them -> ConcatDataset).

    Handles the wrapper types ConcatDataset, RepeatDataset, ClassBalancedDataset, MultiImageMixDataset and a list of
    ``ann_file`` (-> ConcatDataset with ``separate_eval``).
    """
    from .dataset_wrappers import ClassBalancedDataset, ConcatDataset, MultiImageMixDataset, RepeatDataset
    if isinstance(cfg, (list, tuple)):
        return ConcatDataset([build_dataset(c, default_args) for c in cfg])
    if not isinstance(cfg, dict) and not hasattr(cfg, 'get'):
        raise TypeError(f'dataset config must be a dict or a list of dicts, got {type(cfg).__name__}')
    if 'type' not in cfg:
        raise KeyError(f'dataset config has no "type": {dict(cfg)}')
    kind = cfg['type']
    if kind == 'ConcatDataset':
        return ConcatDataset([build_dataset(c, default_args) for c in cfg['datasets']],
                             cfg.get('separate_eval', True))
    if kind == 'RepeatDataset':
        return RepeatDataset(build_dataset(cfg['dataset'], default_args), cfg['times'])
    if kind == 'ClassBalancedDataset':
        return ClassBalancedDataset(build_dataset(cfg['dataset'], default_args), cfg['oversample_thr'],
                                    cfg.get('filter_empty_gt', True))
    if kind == 'MultiImageMixDataset':
        c = copy.deepcopy(dict(cfg))
        c.pop('type')
        c['dataset'] = build_dataset(c['dataset'])
        return MultiImageMixDataset(**c)
    if isinstance(cfg.get('ann_file'), (list, tuple)):
        return _concat_dataset(cfg, default_args)
    return build_from_cfg(cfg, DATASETS, default_args)


def worker_init_fn(worker_id, num_workers, rank, seed):
    """Distinct but reproducible seeds per worker and rank for numpy, random and torch."""
    worker_seed = num_workers * rank + worker_id + seed
    np.random.seed(worker_seed)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)


def build_dataloader(dataset, samples_per_gpu, workers_per_gpu, num_gpus=1, dist=False, shuffle=True, seed=None,
                     runner_type='EpochBasedRunner', persistent_workers=False, **kwargs):
    """A DataLoader that batches with ``collate`` (padding images to a common size).

    Samplers: GroupSampler (shuffle, non-distributed), DistributedGroupSampler / DistributedSampler (dist),
    InfiniteGroupBatchSampler / InfiniteBatchSampler (runner_type='IterBasedRunner'); no sampler when not
    shuffling. ``seed`` seeds workers (and the distributed / infinite samplers). Extra kwargs go to DataLoader.
    """
    from ..parallel.collate import collate
    rank, world_size = get_dist_info()
    if dist:
        batch_size, num_workers = samples_per_gpu, workers_per_gpu
    else:
        batch_size, num_workers = num_gpus * samples_per_gpu, num_gpus * workers_per_gpu
    if runner_type == 'IterBasedRunner':
        if shuffle:
            batch_sampler = InfiniteGroupBatchSampler(dataset, batch_size, world_size, rank, seed=seed)
        else:
            batch_sampler = InfiniteBatchSampler(dataset, batch_size, world_size, rank, seed=seed, shuffle=False)
        batch_size, sampler = 1, None
    else:
        if dist:
            sampler = (DistributedGroupSampler(dataset, samples_per_gpu, world_size, rank, seed=seed) if shuffle
                       else DistributedSampler(dataset, world_size, rank, shuffle=False, seed=seed))
        else:
            sampler = GroupSampler(dataset, samples_per_gpu) if shuffle else None
        batch_sampler = None
    init_fn = partial(worker_init_fn, num_workers=num_workers, rank=rank, seed=seed) if seed is not None else None
    if num_workers > 0:
        kwargs['persistent_workers'] = persistent_workers  # torch refuses the option without workers
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      batch_sampler=batch_sampler, collate_fn=partial(collate, samples_per_gpu=samples_per_gpu),
                      pin_memory=kwargs.pop('pin_memory', False), worker_init_fn=init_fn, **kwargs)
