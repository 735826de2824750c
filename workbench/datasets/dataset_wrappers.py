"""Dataset wrappers: concatenation, repetition, class-balanced oversampling, multi-image mixing."""
import bisect
import collections.abc
import copy
import math
from collections import defaultdict

import numpy as np
from torch.utils.data.dataset import ConcatDataset as _ConcatDataset

from ..evaluation.logging_utils import print_log
from ..registry import DATASETS, PIPELINES, build_from_cfg


def _is_coco(ds):
    from .coco import CocoDataset
    return isinstance(ds, CocoDataset)


@DATASETS.register_module()
class ConcatDataset(_ConcatDataset):
    """Several datasets as one; ``flag`` concatenated for GroupSampler.

    separate_eval=True evaluates each dataset on its slice of the results (keys prefixed '0_', '1_', ...);
    False evaluates all as one dataset of the first one's type (not for COCO datasets, whose evaluation does not
    use ``data_infos``).
    """

    def __init__(self, datasets, separate_eval=True):
        super().__init__(datasets)
        self.CLASSES = datasets[0].CLASSES
        self.PALETTE = getattr(datasets[0], 'PALETTE', None)
        self.separate_eval = separate_eval
        if not separate_eval:
            if any(_is_coco(ds) for ds in datasets):
                raise NotImplementedError('Evaluating concatenated CocoDataset as a whole is not supported; '
                                          'set separate_eval=True')
            if len({type(ds) for ds in datasets}) != 1:
                raise NotImplementedError('separate_eval=False needs datasets of one type, got '
                                          f'{sorted({type(ds).__name__ for ds in datasets})}')
        if all(hasattr(ds, 'flag') for ds in datasets):
            self.flag = np.concatenate([ds.flag for ds in datasets])

    def _locate(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise IndexError(f'index {idx} out of range for a dataset of length {len(self)}')
            idx = len(self) + idx
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        return d, idx if d == 0 else idx - self.cumulative_sizes[d - 1]

    def get_cat_ids(self, idx):
        d, i = self._locate(idx)
        return self.datasets[d].get_cat_ids(i)

    def get_ann_info(self, idx):
        d, i = self._locate(idx)
        return self.datasets[d].get_ann_info(i)

    def evaluate(self, results, logger=None, **kwargs):
        if len(results) != self.cumulative_sizes[-1]:
            raise ValueError(f'{len(results)} results for a ConcatDataset of {self.cumulative_sizes[-1]} images')
        for ds in self.datasets:
            if not hasattr(ds, 'evaluate'):
                raise TypeError(f'{type(ds).__name__} does not implement evaluate')
        if self.separate_eval:
            total = {}
            start = 0
            for k, (end, ds) in enumerate(zip(self.cumulative_sizes, self.datasets)):
                part = results[start:end]
                print_log(f'\nEvaluating {getattr(ds, "ann_file", type(ds).__name__)} with {len(part)} images now',
                          logger=logger)
                for key, val in ds.evaluate(part, logger=logger, **kwargs).items():
                    total[f'{k}_{key}'] = val
                start = end
            return total
        first = self.datasets[0]
        original = first.data_infos
        first.data_infos = sum([ds.data_infos for ds in self.datasets], [])
        try:
            return first.evaluate(results, logger=logger, **kwargs)
        finally:
            first.data_infos = original


@DATASETS.register_module()
class RepeatDataset:
    """The dataset repeated ``times`` times (cheaper epochs for small datasets)."""

    def __init__(self, dataset, times):
        self.dataset = dataset
        self.times = int(times)
        self.CLASSES = dataset.CLASSES
        self.PALETTE = getattr(dataset, 'PALETTE', None)
        if hasattr(dataset, 'flag'):
            self.flag = np.tile(dataset.flag, self.times)
        self._ori_len = len(dataset)

    def __getitem__(self, idx):
        return self.dataset[idx % self._ori_len]

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(idx % self._ori_len)

    def get_ann_info(self, idx):
        return self.dataset.get_ann_info(idx % self._ori_len)

    def __len__(self):
        return self.times * self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset:
    """Repeat-factor sampling (LVIS paper): image I is repeated ceil(r(I)) times, r(I) = max over its categories c
    of max(1, sqrt(oversample_thr / f(c))), f(c) the fraction of images containing c. With filter_empty_gt=False,
    images without objects count as a pseudo-category."""

    def __init__(self, dataset, oversample_thr, filter_empty_gt=True):
        self.dataset = dataset
        self.oversample_thr = oversample_thr
        self.filter_empty_gt = filter_empty_gt
        self.CLASSES = dataset.CLASSES
        self.PALETTE = getattr(dataset, 'PALETTE', None)
        self.repeat_factors = self._get_repeat_factors(dataset, oversample_thr)
        self.repeat_indices = [i for i, r in enumerate(self.repeat_factors) for _ in range(math.ceil(r))]
        if hasattr(dataset, 'flag'):
            self.flag = np.asarray([f for f, r in zip(dataset.flag, self.repeat_factors)
                                    for _ in range(math.ceil(r))], dtype=np.uint8)

    def _cats_of(self, dataset, idx):
        cats = set(dataset.get_cat_ids(idx))
        if not cats and not self.filter_empty_gt:
            cats = {len(self.CLASSES)}
        return cats

    def _get_repeat_factors(self, dataset, repeat_thr):
        n = len(dataset)
        per_image = [self._cats_of(dataset, i) for i in range(n)]
        freq = defaultdict(int)
        for cats in per_image:
            for c in cats:
                freq[c] += 1
        cat_repeat = {c: max(1.0, math.sqrt(repeat_thr / (v / n))) for c, v in freq.items()}
        return [max(cat_repeat[c] for c in cats) if cats else 1 for cats in per_image]

    def __getitem__(self, idx):
        return self.dataset[self.repeat_indices[idx]]

    def get_ann_info(self, idx):
        return self.dataset.get_ann_info(self.repeat_indices[idx])

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(self.repeat_indices[idx])

    def __len__(self):
        return len(self.repeat_indices)


@DATASETS.register_module()
class MultiImageMixDataset:
    """Runs a mixing pipeline (Mosaic, MixUp, ...) over the items of ``dataset``.

    The wrapped dataset loads image and annotations only. A transform with ``get_indexes(dataset)`` gets the extra
    items as ``results['mix_results']``. Items or transforms returning None are retried up to ``max_refetch`` times.
    ``skip_type_keys`` names transform types to skip (e.g. switched off for the last epochs by a hook).
    """

    def __init__(self, dataset, pipeline, dynamic_scale=None, skip_type_keys=None, max_refetch=15):
        if dynamic_scale is not None:
            raise RuntimeError('dynamic_scale is deprecated in MultiImageMixDataset; set the scale in the '
                               'transforms (e.g. a Resize in the pipeline)')
        if not isinstance(pipeline, collections.abc.Sequence):
            raise TypeError(f'pipeline must be a list of transform configs, got {type(pipeline).__name__}')
        if skip_type_keys is not None and not all(isinstance(k, str) for k in skip_type_keys):
            raise TypeError('skip_type_keys must be a list of transform type names')
        self._skip_type_keys = skip_type_keys
        self.pipeline, self.pipeline_types = [], []
        for t in pipeline:
            if not isinstance(t, dict):
                raise TypeError(f'MultiImageMixDataset pipeline entries must be config dicts, got {type(t).__name__}')
            self.pipeline_types.append(t['type'])
            self.pipeline.append(build_from_cfg(t, PIPELINES))
        self.dataset = dataset
        self.CLASSES = dataset.CLASSES
        self.PALETTE = getattr(dataset, 'PALETTE', None)
        if hasattr(dataset, 'flag'):
            self.flag = dataset.flag
        self.num_samples = len(dataset)
        self.max_refetch = max_refetch

    def __len__(self):
        return self.num_samples

    def get_ann_info(self, idx):
        return self.dataset.get_ann_info(idx)

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(idx)

    def __getitem__(self, idx):
        results = copy.deepcopy(self.dataset[idx])
        for transform, ttype in zip(self.pipeline, self.pipeline_types):
            if self._skip_type_keys is not None and ttype in self._skip_type_keys:
                continue
            if hasattr(transform, 'get_indexes'):
                for _ in range(self.max_refetch):
                    indexes = transform.get_indexes(self.dataset)
                    if not isinstance(indexes, collections.abc.Sequence):
                        indexes = [indexes]
                    mix = [copy.deepcopy(self.dataset[i]) for i in indexes]
                    if None not in mix:
                        results['mix_results'] = mix
                        break
                else:
                    raise RuntimeError(f'{ttype}: the loading pipeline of the wrapped dataset returned None '
                                       f'{self.max_refetch} times; check the dataset and its pipeline')
            for _ in range(self.max_refetch):
                updated = transform(copy.deepcopy(results))
                if updated is not None:
                    results = updated
                    break
            else:
                raise RuntimeError(f'{ttype} returned None {self.max_refetch} times in a row; check the pipeline')
            results.pop('mix_results', None)
        return results

    def update_skip_type_keys(self, skip_type_keys):
        if not all(isinstance(k, str) for k in skip_type_keys):
            raise TypeError('skip_type_keys must be a list of transform type names')
        self._skip_type_keys = skip_type_keys
