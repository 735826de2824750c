import itertools

import numpy as np
import pytest

from tests.golden import load_golden, require_golden
from workbench.datasets import (CocoDataset, DistributedGroupSampler, DistributedSampler, GroupSampler,
                                InfiniteBatchSampler, InfiniteGroupBatchSampler, build_dataloader)


class Flags:
    def __init__(self, flag):
        self.flag = np.array(flag, np.uint8)

    def __len__(self):
        return len(self.flag)

    def __getitem__(self, i):
        return i


def test_group_sampler_batches_one_group():
    ds = Flags([0, 1, 1, 0, 1, 1, 1])  # 2 portrait, 5 landscape
    np.random.seed(0)
    s = GroupSampler(ds, samples_per_gpu=2)
    assert len(s) == 2 + 6
    idx = list(s)
    assert len(idx) == 8 and set(idx) == set(range(7))
    for k in range(0, 8, 2):
        assert len({int(ds.flag[i]) for i in idx[k:k + 2]}) == 1
    with pytest.raises(AttributeError, match='flag'):
        GroupSampler([1, 2, 3])


def test_distributed_group_sampler_splits_ranks():
    ds = Flags([0, 1, 1, 0, 1, 1, 1])
    parts = [list(DistributedGroupSampler(ds, 2, num_replicas=2, rank=r, seed=3)) for r in range(2)]
    assert len(parts[0]) == len(parts[1]) == 6  # groups padded to 4 and 8, shared over 2 ranks
    assert set(parts[0]) | set(parts[1]) == set(range(7))
    for p in parts:
        for k in range(0, len(p), 2):
            assert len({int(ds.flag[i]) for i in p[k:k + 2]}) == 1
    again = list(DistributedGroupSampler(ds, 2, num_replicas=2, rank=0, seed=3))
    assert again == parts[0]
    big = Flags([i % 3 == 0 for i in range(60)])
    s = DistributedGroupSampler(big, 2, num_replicas=2, rank=0, seed=3)
    first = list(s)
    s.set_epoch(1)
    assert list(s) != first  # a new epoch reshuffles


def test_distributed_sampler():
    ds = Flags([0] * 5)
    a = list(DistributedSampler(ds, num_replicas=2, rank=0, shuffle=False))
    b = list(DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False))
    assert a == [0, 2, 4] and b == [1, 3, 0]
    shuffled = list(DistributedSampler(ds, num_replicas=1, rank=0, shuffle=True, seed=1))
    assert sorted(shuffled) == list(range(5))


def test_infinite_samplers():
    ds = Flags([0, 1, 1, 0, 1])
    batches = list(itertools.islice(iter(InfiniteGroupBatchSampler(ds, batch_size=2, world_size=1, rank=0, seed=0)),
                                    10))
    for b in batches:
        assert len(b) == 2 and len({int(ds.flag[i]) for i in b}) == 1
    plain = InfiniteBatchSampler(ds, batch_size=3, world_size=1, rank=0, shuffle=False)
    assert list(itertools.islice(iter(plain), 3)) == [[0, 1, 2], [3, 4, 0], [1, 2, 3]]
    with pytest.raises(NotImplementedError):
        plain.set_epoch(1)


@pytest.fixture(scope='module')
def golden_train_set():
    data = load_golden('data_eval.pth')
    ann = require_golden('data', 'annotations.json')
    return CocoDataset(ann_file=str(ann), pipeline=data['train_pipeline'], classes=data['classes'],
                       img_prefix=str(ann.parent / 'images') + '/')


def test_build_dataloader_pads_and_groups(golden_train_set):
    loader = build_dataloader(golden_train_set, samples_per_gpu=2, workers_per_gpu=0, seed=0)
    assert isinstance(loader.sampler, GroupSampler)
    seen = 0
    for batch in loader:
        imgs = batch['img'].data[0]
        metas = batch['img_metas'].data[0]
        assert imgs.shape[0] == 2 and len(metas) == 2
        # one aspect group per batch: both landscape (256x320 padded) or both portrait (320x256)
        assert {m['ori_shape'][1] > m['ori_shape'][0] for m in metas} in ({True}, {False})
        assert tuple(imgs.shape[2:]) == max(tuple(m['pad_shape'][:2]) for m in metas)
        assert isinstance(batch['gt_bboxes'].data[0], list) and len(batch['gt_bboxes'].data[0]) == 2
        seen += 2
    assert seen == len(loader.sampler) == 8  # 3 landscape + 3 portrait, each group padded to a multiple of 2


def test_build_dataloader_variants(golden_train_set):
    ordered = build_dataloader(golden_train_set, 3, 0, shuffle=False)
    assert ordered.sampler.__class__.__name__ == 'SequentialSampler'
    batch = next(iter(ordered))
    # mixed orientations in one batch: padded to the largest height and width
    assert tuple(batch['img'].data[0].shape) == (3, 3, 320, 320)
    imgs = batch['img'].data[0]
    assert imgs[0, :, 256:, :].abs().sum() == 0 and imgs[0, :, :256, :].abs().sum() > 0  # landscape 256x320
    assert imgs[1, :, :, 256:].abs().sum() == 0  # portrait 320x256
    it = build_dataloader(golden_train_set, 2, 0, runner_type='IterBasedRunner', seed=0)
    assert isinstance(it.batch_sampler, InfiniteGroupBatchSampler)
    b = next(iter(it))
    assert b['img'].data[0].shape[0] == 2
    dist = build_dataloader(golden_train_set, 2, 0, dist=True, seed=0)
    assert isinstance(dist.sampler, DistributedGroupSampler)
    workers = build_dataloader(golden_train_set, 2, 1, seed=0, persistent_workers=True)
    assert workers.persistent_workers and workers.worker_init_fn is not None
    b1 = next(iter(workers))
    assert b1['img'].data[0].shape[0] == 2
