"""Samplers: counts, fractions, gt proposals, determinism, empty cases and OHEM against mmdet's head interface."""
import pytest
import torch
from torch import nn

from workbench.core import (AssignResult, MaxIoUAssigner, OHEMSampler, PseudoSampler, RandomSampler,
                            SamplingResult, build_sampler)


def _assign(num_pos, num_neg, num_ign=0, num_gts=3):
    """An assignment with the given numbers of positive/negative/ignored priors and random boxes."""
    gt_inds = torch.cat([torch.arange(num_pos) % num_gts + 1, torch.zeros(num_neg, dtype=torch.long),
                         torch.full((num_ign, ), -1)])
    labels = torch.where(gt_inds > 0, gt_inds + 10, torch.full_like(gt_inds, -1))
    n = len(gt_inds)
    result = AssignResult(num_gts, gt_inds, torch.rand(n), labels)
    xy = torch.rand(n, 2) * 50
    bboxes = torch.cat([xy, xy + 10], 1)
    gts = torch.tensor([[0., 0., 10., 10.], [5., 5., 20., 20.], [30., 30., 40., 40.]])[:num_gts]
    gt_labels = torch.arange(num_gts) + 11
    return result, bboxes, gts, gt_labels


def test_random_sampler_counts_and_fraction():
    sampler = RandomSampler(num=32, pos_fraction=0.25, add_gt_as_proposals=False)
    result, bboxes, gts, labels = _assign(num_pos=20, num_neg=100, num_ign=5)
    s = sampler.sample(result, bboxes, gts, labels)
    assert len(s.pos_inds) == 8 and len(s.neg_inds) == 24
    assert (result.gt_inds[s.pos_inds] > 0).all() and (result.gt_inds[s.neg_inds] == 0).all()
    assert len(set(s.pos_inds.tolist())) == 8
    assert s.bboxes.shape == (32, 4)
    torch.testing.assert_close(s.pos_gt_bboxes, gts[result.gt_inds[s.pos_inds] - 1])
    assert torch.equal(s.pos_gt_labels, result.labels[s.pos_inds])
    assert not s.pos_is_gt.any()


def test_random_sampler_few_positives_fills_with_negatives():
    sampler = RandomSampler(num=32, pos_fraction=0.25, add_gt_as_proposals=False)
    result, bboxes, gts, labels = _assign(num_pos=3, num_neg=100)
    s = sampler.sample(result, bboxes, gts, labels)
    assert len(s.pos_inds) == 3 and len(s.neg_inds) == 29


def test_random_sampler_neg_pos_ub():
    sampler = RandomSampler(num=64, pos_fraction=0.5, neg_pos_ub=3, add_gt_as_proposals=False)
    result, bboxes, gts, labels = _assign(num_pos=4, num_neg=100)
    s = sampler.sample(result, bboxes, gts, labels)
    assert len(s.pos_inds) == 4 and len(s.neg_inds) == 12
    result, bboxes, gts, labels = _assign(num_pos=0, num_neg=100)
    s = sampler.sample(result, bboxes, gts, labels)
    assert len(s.pos_inds) == 0 and len(s.neg_inds) == 3


def test_random_sampler_add_gt_as_proposals():
    sampler = RandomSampler(num=512, pos_fraction=0.25, add_gt_as_proposals=True)
    result, bboxes, gts, labels = _assign(num_pos=5, num_neg=10)
    s = sampler.sample(result, bboxes, gts, labels)
    # every gt becomes a positive proposal of itself, at the front
    assert s.pos_inds[:3].tolist() == [0, 1, 2]
    assert s.pos_is_gt.tolist() == [1, 1, 1] + [0] * 5
    torch.testing.assert_close(s.pos_bboxes[:3], gts)
    assert s.pos_assigned_gt_inds[:3].tolist() == [0, 1, 2]
    assert s.pos_gt_labels[:3].tolist() == labels.tolist()
    assert len(s.neg_inds) == 10 and (s.neg_inds >= 3).all()
    with pytest.raises(ValueError, match='gt_labels'):
        sampler.sample(_assign(2, 2)[0], bboxes, gts, None)


def test_random_sampler_is_seeded_by_torch():
    sampler = build_sampler(dict(type='RandomSampler', num=16, pos_fraction=0.5, add_gt_as_proposals=False))
    picks = []
    for _ in range(2):
        torch.manual_seed(7)
        result, bboxes, gts, labels = _assign(num_pos=30, num_neg=60)
        torch.manual_seed(3)
        s = sampler.sample(result, bboxes, gts, labels)
        picks.append((s.pos_inds.tolist(), s.neg_inds.tolist()))
    assert picks[0] == picks[1]
    assert picks[0][0] == sorted(picks[0][0])


def test_random_choice_on_lists():
    sampler = RandomSampler(num=4, pos_fraction=0.5)
    out = sampler.random_choice(list(range(10)), 4)
    assert len(out) == 4 and len(set(out.tolist())) == 4
    with pytest.raises(ValueError, match='cannot sample'):
        sampler.random_choice(torch.arange(3), 4)


def test_empty_gt_and_empty_bboxes():
    sampler = RandomSampler(num=8, pos_fraction=0.25, add_gt_as_proposals=True)
    assigner = MaxIoUAssigner(0.5, 0.5)
    bboxes = torch.tensor([[0., 0., 10., 10.], [5., 5., 15., 15.]])
    gts = torch.zeros(0, 4)
    labels = torch.zeros(0, dtype=torch.long)
    s = sampler.sample(assigner.assign(bboxes, gts, gt_labels=labels), bboxes, gts, labels)
    assert len(s.pos_inds) == 0 and s.neg_inds.tolist() == [0, 1]
    assert s.pos_gt_bboxes.shape == (0, 4) and s.num_gts == 0
    # no proposals at all, gts present: the gts themselves are the only samples
    gts = torch.tensor([[0., 0., 10., 10.]])
    labels = torch.tensor([2])
    empty = torch.zeros(0, 4)
    s = sampler.sample(assigner.assign(empty, gts, gt_labels=labels), empty, gts, labels)
    assert s.pos_inds.tolist() == [0] and len(s.neg_inds) == 0
    assert s.pos_gt_labels.tolist() == [2]
    # nothing at all
    s = sampler.sample(assigner.assign(empty, torch.zeros(0, 4)), empty, torch.zeros(0, 4))
    assert s.bboxes.shape == (0, 4)


def test_pseudo_sampler():
    result, bboxes, gts, labels = _assign(num_pos=4, num_neg=6, num_ign=2)
    s = PseudoSampler().sample(result, bboxes, gts)
    assert s.pos_inds.tolist() == [0, 1, 2, 3]
    assert s.neg_inds.tolist() == list(range(4, 10))
    assert s.pos_is_gt.sum() == 0
    s = PseudoSampler().sample(AssignResult(0, torch.zeros(0, dtype=torch.long), torch.zeros(0)), torch.zeros(0, 4),
                               torch.zeros(0, 4))
    assert s.pos_inds.numel() == 0 and s.neg_inds.numel() == 0
    assert isinstance(s, SamplingResult)


class _TinyBBoxHead(nn.Module):
    """Implements the part of mmdet's BBoxHead interface that OHEM uses: ``num_classes`` and ``loss``."""

    num_classes = 3

    def loss(self, cls_score, bbox_pred, rois, labels, label_weights, bbox_targets, bbox_weights,
             reduction_override=None):
        assert reduction_override == 'none'
        return {'loss_cls': nn.functional.cross_entropy(cls_score, labels, reduction='none') * label_weights}


class _TinyRoIHead:
    """The RoI-head side of the interface: ``bbox_head`` and ``_bbox_forward(feats, rois)``."""

    def __init__(self):
        self.bbox_head = _TinyBBoxHead()

    def _bbox_forward(self, feats, rois):
        # score each roi by its x1 coordinate so the hardest (highest-loss) examples are known
        x1 = rois[:, 1:2]
        return {'cls_score': torch.cat([x1, -x1, -x1, x1 * 0], dim=1)}


def test_ohem_sampler_picks_highest_loss():
    ctx = _TinyRoIHead()
    sampler = build_sampler(dict(type='OHEMSampler', num=4, pos_fraction=0.5, add_gt_as_proposals=False),
                            context=ctx)
    assert isinstance(sampler, OHEMSampler) and sampler.bbox_head is ctx.bbox_head
    x1 = torch.arange(10, dtype=torch.float32)
    bboxes = torch.stack([x1, x1, x1 + 5, x1 + 5], 1)
    gt_inds = torch.tensor([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    labels = torch.tensor([0, 0, 0, 0, -1, -1, -1, -1, -1, -1])
    result = AssignResult(1, gt_inds, torch.rand(10), labels)
    s = sampler.sample(result, bboxes, torch.tensor([[0., 0., 5., 5.]]), torch.tensor([0]), feats=None)
    # positives (label 0, logit x1): loss falls with x1, so the hardest are the smallest x1
    assert s.pos_inds.tolist() == [0, 1]
    # negatives (label 3 = background, logit 0 vs x1): loss grows with x1
    assert s.neg_inds.tolist() == [8, 9]


def test_ohem_with_cascade_context():
    class Cascade(_TinyRoIHead):
        num_stages = 2
        current_stage = 1

        def __init__(self):
            self.bbox_head = [None, _TinyBBoxHead()]

        def _bbox_forward(self, stage, feats, rois):
            assert stage == 1
            return super()._bbox_forward(feats, rois)

    ctx = Cascade()
    sampler = OHEMSampler(num=2, pos_fraction=0.5, context=ctx, add_gt_as_proposals=False)
    assert sampler.bbox_head is ctx.bbox_head[1]
    x1 = torch.arange(6, dtype=torch.float32)
    bboxes = torch.stack([x1, x1, x1 + 5, x1 + 5], 1)
    result = AssignResult(1, torch.tensor([1, 1, 0, 0, 0, 0]), torch.rand(6), torch.tensor([0, 0, -1, -1, -1, -1]))
    s = sampler.sample(result, bboxes, torch.tensor([[0., 0., 5., 5.]]), torch.tensor([0]))
    assert s.pos_inds.tolist() == [0] and s.neg_inds.tolist() == [5]


def test_sampling_result_to():
    result, bboxes, gts, labels = _assign(num_pos=2, num_neg=2)
    s = PseudoSampler().sample(result, bboxes, gts)
    assert s.to('cpu') is s
    assert 'pos_inds' in repr(s)
