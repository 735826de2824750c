"""Matching costs and HungarianAssigner (mmdet 2.x semantics), checked against direct formulas."""
import pytest
import torch

from workbench.core import (BBoxL1Cost, ClassificationCost, DiceCost, FocalLossCost, HungarianAssigner, IoUCost,
                            bbox_overlaps, build_assigner, build_match_cost)
from workbench.core.bbox.match_costs import CrossEntropyLossCost


def test_classification_and_focal_costs():
    logits = torch.tensor([[2., 0., -1.], [0., 3., 0.]])
    labels = torch.tensor([1, 0])
    cost = ClassificationCost(weight=2.)(logits, labels)
    torch.testing.assert_close(cost, -2 * logits.softmax(-1)[:, [1, 0]])
    f = FocalLossCost(alpha=0.25, gamma=2)(logits, labels)
    p = logits.sigmoid()[:, [1, 0]]
    expected = -(p + 1e-12).log() * 0.25 * (1 - p)**2 + (1 - p + 1e-12).log() * 0.75 * p**2
    torch.testing.assert_close(f, expected)
    # a confident correct prediction costs less than a confident wrong one
    assert f[1, 0] < f[1, 1]  # prediction 1 is confident in class 1 = the label of gt 0


def test_box_costs():
    pred = torch.tensor([[0.5, 0.5, 0.2, 0.2]])  # cx, cy, w, h normalised
    gt = torch.tensor([[0.4, 0.4, 0.6, 0.6], [0., 0., 0.2, 0.2]])
    torch.testing.assert_close(BBoxL1Cost()(pred, gt), torch.tensor([[0., 1.6]]))
    torch.testing.assert_close(BBoxL1Cost(box_format='xywh')(pred, gt), torch.tensor([[0., 0.8]]))
    boxes = torch.tensor([[0., 0., 10., 10.]])
    gts = torch.tensor([[0., 0., 10., 10.], [20., 20., 30., 30.]])
    torch.testing.assert_close(IoUCost(iou_mode='iou')(boxes, gts), -bbox_overlaps(boxes, gts))
    torch.testing.assert_close(build_match_cost(dict(type='IoUCost'))(boxes, gts), -bbox_overlaps(boxes, gts, 'giou'))


def test_mask_costs():
    pred = torch.tensor([[[1., 1.], [0., 0.]]])
    gt = torch.tensor([[[1, 1], [0, 0]], [[0, 0], [1, 1]]])
    dice = DiceCost(eps=0.)(pred, gt)
    torch.testing.assert_close(dice, torch.tensor([[0., 1.]]))
    ce = CrossEntropyLossCost()(torch.tensor([[10., 10., -10., -10.]]), gt.flatten(1))
    assert ce[0, 0] < 1e-3 and ce[0, 1] > 5
    fb = FocalLossCost(binary_input=True)(torch.tensor([[10., 10., -10., -10.]]), gt.flatten(1))
    assert fb[0, 0] < fb[0, 1]


def test_hungarian_assigner():
    assigner = build_assigner(dict(type='HungarianAssigner'))
    assert isinstance(assigner, HungarianAssigner)
    img_meta = dict(img_shape=(100, 200, 3))
    gts = torch.tensor([[0., 0., 20., 10.], [100., 50., 200., 100.]])
    labels = torch.tensor([2, 0])
    # predictions 0 and 2 sit exactly on gt 1 and gt 0, prediction 1 is elsewhere
    pred = torch.tensor([[0.75, 0.75, 0.5, 0.5], [0.3, 0.5, 0.1, 0.1], [0.05, 0.05, 0.1, 0.1]])
    cls = torch.tensor([[5., 0., 0.], [0., 0., 0.], [0., 0., 5.]])
    r = assigner.assign(pred, cls, gts, labels, img_meta)
    assert r.gt_inds.tolist() == [2, 0, 1]
    assert r.labels.tolist() == [0, -1, 2]
    r = assigner.assign(pred, cls, torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), img_meta)
    assert r.gt_inds.tolist() == [0, 0, 0] and r.labels.tolist() == [-1, -1, -1]
    with pytest.raises(ValueError, match='gt_bboxes_ignore'):
        assigner.assign(pred, cls, gts, labels, img_meta, gt_bboxes_ignore=gts)
