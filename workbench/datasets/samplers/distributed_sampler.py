"""torch's DistributedSampler with a seed shared across ranks (and per-epoch reshuffling)."""
import math

import torch
from torch.utils.data import DistributedSampler as _DistributedSampler

from .dist_utils import get_dist_info, sync_random_seed


class DistributedSampler(_DistributedSampler):

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0):
        _rank, _world = get_dist_info()
        num_replicas = _world if num_replicas is None else num_replicas
        rank = _rank if rank is None else rank
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle)
        self.seed = sync_random_seed(seed)

    def __iter__(self):
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.epoch + self.seed)
            indices = torch.randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        # repeat to make the total evenly divisible by the number of replicas
        indices = (indices * math.ceil(self.total_size / len(indices)))[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])
