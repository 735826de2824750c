"""Endless batch samplers for iteration-based training (IterBasedRunner): no epoch boundary, so workers never
restart and no batch is cut short."""
import itertools

import numpy as np
import torch
from torch.utils.data.sampler import Sampler

from .dist_utils import get_dist_info, sync_random_seed


class InfiniteBatchSampler(Sampler):
    """Yields batches (lists of indices) forever from an endless (shuffled) index stream split across ranks."""

    def __init__(self, dataset, batch_size=1, world_size=None, rank=None, seed=0, shuffle=True):
        _rank, _world = get_dist_info()
        self.rank = _rank if rank is None else rank
        self.world_size = _world if world_size is None else world_size
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed = sync_random_seed(seed)
        self.shuffle = shuffle
        self.size = len(dataset)
        self.indices = self._indices_of_rank()

    def _infinite_indices(self):
        g = torch.Generator()
        g.manual_seed(self.seed)
        while True:
            if self.shuffle:
                yield from torch.randperm(self.size, generator=g).tolist()
            else:
                yield from range(self.size)

    def _indices_of_rank(self):
        yield from itertools.islice(self._infinite_indices(), self.rank, None, self.world_size)

    def __iter__(self):
        batch = []
        for idx in self.indices:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []

    def __len__(self):
        return self.size

    def set_epoch(self, epoch):
        raise NotImplementedError('an infinite sampler has no epochs (used with IterBasedRunner only)')


class InfiniteGroupBatchSampler(InfiniteBatchSampler):
    """As InfiniteBatchSampler, but a batch only holds images of one aspect-ratio group (``dataset.flag``)."""

    def __init__(self, dataset, batch_size=1, world_size=None, rank=None, seed=0, shuffle=True):
        super().__init__(dataset, batch_size, world_size, rank, seed, shuffle)
        if not hasattr(dataset, 'flag'):
            raise AttributeError(f'{type(dataset).__name__} has no aspect-ratio `flag` for InfiniteGroupBatchSampler')
        self.flag = np.asarray(dataset.flag)
        self.group_sizes = np.bincount(self.flag.astype(np.int64))
        self.buffer_per_group = {k: [] for k in range(len(self.group_sizes))}

    def __iter__(self):
        for idx in self.indices:
            buf = self.buffer_per_group[int(self.flag[idx])]
            buf.append(idx)
            if len(buf) == self.batch_size:
                yield buf[:]
                del buf[:]
