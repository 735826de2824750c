"""core.utils.misc helpers."""
import numpy as np
import pytest
import torch

from workbench.core import (center_of_mass, filter_scores_and_topk, flip_tensor, multi_apply, reduce_mean,
                            select_single_mlvl, unmap)


def test_multi_apply_transposes_results():
    out = multi_apply(lambda a, b, k=0: (a + b + k, a * b), [1, 2], [3, 4], k=10)
    assert out == ([14, 16], [3, 8])
    assert multi_apply(lambda a: (a, a), []) == ()


def test_unmap():
    inds = torch.tensor([True, False, True, False])
    assert unmap(torch.tensor([5., 6.]), 4, inds, fill=-1).tolist() == [5., -1., 6., -1.]
    assert unmap(torch.ones(2, 2), 4, inds.long()).tolist() == [[1, 1], [0, 0], [1, 1], [0, 0]]


def test_reduce_mean_without_distributed_is_identity():
    t = torch.tensor([3.])
    assert reduce_mean(t) is t


def test_select_single_mlvl():
    lv = [torch.rand(2, 3, requires_grad=True), torch.rand(2, 5, requires_grad=True)]
    out = select_single_mlvl(lv, 1)
    assert [o.shape for o in out] == [(3, ), (5, )] and not out[0].requires_grad
    assert select_single_mlvl(lv, 0, detach=False)[0].requires_grad
    with pytest.raises(TypeError):
        select_single_mlvl(lv[0], 0)


def test_filter_scores_and_topk():
    scores = torch.tensor([[0.1, 0.9], [0.6, 0.2], [0.05, 0.7]])
    boxes = torch.arange(12.).view(3, 4)
    s, labels, keep, res = filter_scores_and_topk(scores, 0.15, 2, dict(bbox=boxes))
    assert s.tolist() == pytest.approx([0.9, 0.7])
    assert labels.tolist() == [1, 1] and keep.tolist() == [0, 2]
    assert torch.equal(res['bbox'], boxes[[0, 2]])
    _, _, _, res = filter_scores_and_topk(scores, 0.15, 10, [boxes])
    assert len(res[0]) == 4
    s, labels, keep, res = filter_scores_and_topk(scores, 0.95, 10, boxes)
    assert s.numel() == 0 and keep.numel() == 0 and res.shape == (0, 4)
    with pytest.raises(NotImplementedError):
        filter_scores_and_topk(scores, 0.1, 1, (boxes, ))


def test_center_of_mass_and_flip():
    mask = torch.zeros(5, 7)
    mask[1:4, 2:5] = 1
    cy, cx = center_of_mass(mask)
    assert (cy.item(), cx.item()) == pytest.approx((2., 3.))
    t = torch.arange(6.).view(1, 1, 2, 3)
    assert flip_tensor(t, 'horizontal')[0, 0].tolist() == [[2., 1., 0.], [5., 4., 3.]]
    assert flip_tensor(t, 'vertical')[0, 0].tolist() == [[3., 4., 5.], [0., 1., 2.]]
    assert flip_tensor(t, 'diagonal')[0, 0].tolist() == [[5., 4., 3.], [2., 1., 0.]]
    with pytest.raises(ValueError):
        flip_tensor(t[0], 'horizontal')


def test_core_exports_mmdet_names():
    import workbench.core as core
    for name in ['AnchorGenerator', 'SSDAnchorGenerator', 'YOLOAnchorGenerator', 'LegacyAnchorGenerator',
                 'MlvlPointGenerator', 'build_prior_generator', 'build_anchor_generator', 'anchor_inside_flags',
                 'calc_region', 'images_to_levels', 'DeltaXYWHBBoxCoder', 'TBLRBBoxCoder', 'DistancePointBBoxCoder',
                 'YOLOBBoxCoder', 'PseudoBBoxCoder', 'build_bbox_coder', 'BboxOverlaps2D', 'bbox_overlaps',
                 'build_iou_calculator', 'AssignResult', 'MaxIoUAssigner', 'ATSSAssigner', 'GridAssigner',
                 'PointAssigner', 'build_assigner', 'BaseSampler', 'SamplingResult', 'RandomSampler',
                 'PseudoSampler', 'OHEMSampler', 'build_sampler', 'bbox2roi', 'roi2bbox', 'bbox2result', 'bbox_flip',
                 'bbox_mapping', 'bbox_mapping_back', 'distance2bbox', 'bbox2distance', 'bbox_rescale',
                 'bbox_cxcywh_to_xyxy', 'bbox_xyxy_to_cxcywh', 'multiclass_nms', 'merge_aug_bboxes',
                 'merge_aug_scores', 'multi_apply', 'unmap', 'reduce_mean', 'select_single_mlvl',
                 'filter_scores_and_topk', 'center_of_mass', 'flip_tensor']:
        assert name in core.__all__ and hasattr(core, name), name
    from workbench.registry import BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, IOU_CALCULATORS, PRIOR_GENERATORS
    assert {'AnchorGenerator', 'SSDAnchorGenerator', 'YOLOAnchorGenerator', 'LegacyAnchorGenerator',
            'MlvlPointGenerator'} <= set(PRIOR_GENERATORS.module_dict)
    assert {'DeltaXYWHBBoxCoder', 'TBLRBBoxCoder', 'DistancePointBBoxCoder', 'YOLOBBoxCoder',
            'PseudoBBoxCoder'} <= set(BBOX_CODERS.module_dict)
    assert {'MaxIoUAssigner', 'ATSSAssigner', 'GridAssigner', 'PointAssigner'} <= set(BBOX_ASSIGNERS.module_dict)
    assert {'RandomSampler', 'PseudoSampler', 'OHEMSampler'} <= set(BBOX_SAMPLERS.module_dict)
    assert 'BboxOverlaps2D' in IOU_CALCULATORS.module_dict
    assert np is not None
