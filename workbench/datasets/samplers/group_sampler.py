"""Samplers that build batches from images of one aspect-ratio group (``dataset.flag``), so padding a batch to
a common size wastes little."""
import math

import numpy as np
import torch
from torch.utils.data import Sampler

from .dist_utils import get_dist_info, sync_random_seed


def _flags(dataset):
    if not hasattr(dataset, 'flag'):
        raise AttributeError(f'{type(dataset).__name__} has no aspect-ratio `flag`; group samplers need one '
                             '(CustomDataset sets it)')
    return np.asarray(dataset.flag).astype(np.int64)


class GroupSampler(Sampler):
    """Single-process group sampler: shuffles each group, pads it to a multiple of ``samples_per_gpu`` by
    repeating random members, then shuffles the order of the per-batch chunks (numpy global RNG)."""

    def __init__(self, dataset, samples_per_gpu=1):
        self.dataset = dataset
        self.samples_per_gpu = samples_per_gpu
        self.flag = _flags(dataset)
        self.group_sizes = np.bincount(self.flag)
        self.num_samples = sum(int(np.ceil(s / samples_per_gpu)) * samples_per_gpu for s in self.group_sizes)

    def __iter__(self):
        chunks = []
        for g, size in enumerate(self.group_sizes):
            if size == 0:
                continue
            members = np.where(self.flag == g)[0]
            np.random.shuffle(members)
            extra = int(np.ceil(size / self.samples_per_gpu)) * self.samples_per_gpu - len(members)
            chunks.append(np.concatenate([members, np.random.choice(members, extra)]))
        indices = np.concatenate(chunks)
        n = self.samples_per_gpu
        order = np.random.permutation(range(len(indices) // n))
        indices = np.concatenate([indices[i * n:(i + 1) * n] for i in order]).astype(np.int64).tolist()
        assert len(indices) == self.num_samples
        return iter(indices)

    def __len__(self):
        return self.num_samples


class DistributedGroupSampler(Sampler):
    """Group sampler for distributed training: every rank draws the same permutation (seed + epoch) and takes its
    contiguous share; groups are padded so each rank gets whole batches of one group."""

    def __init__(self, dataset, samples_per_gpu=1, num_replicas=None, rank=None, seed=0):
        _rank, _world = get_dist_info()
        self.num_replicas = _world if num_replicas is None else num_replicas
        self.rank = _rank if rank is None else rank
        self.dataset = dataset
        self.samples_per_gpu = samples_per_gpu
        self.epoch = 0
        self.seed = sync_random_seed(seed)
        self.flag = _flags(dataset)
        self.group_sizes = np.bincount(self.flag)
        self.num_samples = sum(int(math.ceil(s * 1.0 / samples_per_gpu / self.num_replicas)) * samples_per_gpu
                               for s in self.group_sizes)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        g = torch.Generator()
        g.manual_seed(self.epoch + self.seed)
        n = self.samples_per_gpu
        indices = []
        for grp, size in enumerate(self.group_sizes):
            if size == 0:
                continue
            members = np.where(self.flag == grp)[0]
            members = members[torch.randperm(int(size), generator=g).numpy()].tolist()
            extra = int(math.ceil(size * 1.0 / n / self.num_replicas)) * n * self.num_replicas - len(members)
            base = list(members)
            for _ in range(extra // size):
                members.extend(base)
            members.extend(base[:extra % size])
            indices.extend(members)
        assert len(indices) == self.total_size
        indices = [indices[j] for i in torch.randperm(len(indices) // n, generator=g).tolist()
                   for j in range(i * n, (i + 1) * n)]
        offset = self.num_samples * self.rank
        return iter(indices[offset:offset + self.num_samples])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch
