from .distributed_sampler import DistributedSampler
from .group_sampler import DistributedGroupSampler, GroupSampler
from .infinite_sampler import InfiniteBatchSampler, InfiniteGroupBatchSampler

__all__ = ['DistributedSampler', 'DistributedGroupSampler', 'GroupSampler', 'InfiniteGroupBatchSampler',
           'InfiniteBatchSampler']
