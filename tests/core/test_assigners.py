"""Assigners against MMDetection 2.28.2 (components.pth, exact) and the empty cases."""
import pytest
import torch

from tests.core._golden import components
from workbench.core import (AssignResult, ATSSAssigner, GridAssigner, MaxIoUAssigner, PointAssigner,
                            build_assigner)


@pytest.mark.parametrize('name', ['maxiou_retina', 'maxiou_rpn', 'maxiou_rcnn', 'maxiou_ignore'])
def test_max_iou_assigner_matches_golden(name):
    case = components(f'assign/{name}')
    assigner = build_assigner(dict(case['cfg']))
    result = assigner.assign(case['bboxes'], case['gt_bboxes'], case['gt_bboxes_ignore'], case['gt_labels'])
    assert torch.equal(result.gt_inds, case['gt_inds'])
    assert torch.equal(result.labels, case['labels'])
    torch.testing.assert_close(result.max_overlaps, case['max_overlaps'], atol=1e-5, rtol=1e-5)
    assert result.num_gts == len(case['gt_bboxes'])


def test_atss_assigner_matches_golden():
    case = components('assign/atss')
    assigner = build_assigner(dict(case['cfg']))
    result = assigner.assign(case['bboxes'], case['num_level_bboxes'], case['gt_bboxes'], None, case['gt_labels'])
    assert torch.equal(result.gt_inds, case['gt_inds'])
    assert torch.equal(result.labels, case['labels'])
    torch.testing.assert_close(result.max_overlaps, case['max_overlaps'], atol=1e-5, rtol=1e-5)


def test_max_iou_options():
    case = components('assign/maxiou_rpn')
    bboxes, gts, labels = case['bboxes'], case['gt_bboxes'], case['gt_labels']
    base = MaxIoUAssigner(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3, match_low_quality=False)
    r = base.assign(bboxes, gts, gt_labels=labels)
    assert ((r.gt_inds > 0) == (r.max_overlaps >= 0.7)).all()
    assert ((r.gt_inds == 0) == (r.max_overlaps < 0.3)).all()
    # tuple negative range: only [0.1, 0.3) become negative
    r = MaxIoUAssigner(pos_iou_thr=0.7, neg_iou_thr=(0.1, 0.3), match_low_quality=False).assign(bboxes, gts)
    neg = r.gt_inds == 0
    assert ((r.max_overlaps[neg] >= 0.1) & (r.max_overlaps[neg] < 0.3)).all()
    assert (r.gt_inds[r.max_overlaps < 0.1] == -1).all()
    assert r.labels is None
    # gt_max_assign_all=False gives each qualifying gt exactly its argmax prior
    r1 = MaxIoUAssigner(0.99, 0.3, min_pos_iou=0.0, gt_max_assign_all=False).assign(bboxes, gts)
    from workbench.core import bbox_overlaps
    ov = bbox_overlaps(gts, bboxes)
    expected = set((ov.argmax(1) ).tolist())
    assert set((r1.gt_inds > 0).nonzero().flatten().tolist()) == expected


def test_gpu_assign_thr_and_ignore_wrt_gt():
    case = components('assign/maxiou_ignore')
    cfg = dict(case['cfg'])
    ref = build_assigner(dict(cfg, gpu_assign_thr=1)).assign(case['bboxes'], case['gt_bboxes'],
                                                              case['gt_bboxes_ignore'], case['gt_labels'])
    assert torch.equal(ref.gt_inds, case['gt_inds'])
    r = build_assigner(dict(cfg, ignore_wrt_candidates=False)).assign(
        case['bboxes'], case['gt_bboxes'], case['gt_bboxes_ignore'], case['gt_labels'])
    assert r.gt_inds.shape == case['gt_inds'].shape
    assert (r.gt_inds == -1).any()


@pytest.mark.parametrize('num_gts,num_bboxes', [(0, 10), (3, 0), (0, 0)])
def test_max_iou_empty(num_gts, num_bboxes):
    assigner = MaxIoUAssigner(0.5, 0.4)
    bboxes = torch.rand(num_bboxes, 4) * 10
    bboxes[:, 2:] += bboxes[:, :2]
    gts = torch.tensor([[0., 0., 5., 5.]] * num_gts).view(-1, 4)
    r = assigner.assign(bboxes, gts, gt_labels=torch.zeros(num_gts, dtype=torch.long))
    assert r.gt_inds.shape == (num_bboxes, ) and r.gt_inds.dtype == torch.long
    assert (r.gt_inds == (0 if num_gts == 0 else -1)).all()
    assert r.max_overlaps.shape == (num_bboxes, ) and (r.max_overlaps == 0).all()
    assert r.labels.shape == (num_bboxes, ) and (r.labels == -1).all()


def test_atss_empty_and_ignore():
    a = ATSSAssigner(topk=3)
    bboxes = torch.tensor([[0., 0., 10., 10.], [5., 5., 15., 15.], [20., 20., 30., 30.]])
    r = a.assign(bboxes, [3], torch.zeros(0, 4), gt_labels=torch.zeros(0, dtype=torch.long))
    assert r.gt_inds.tolist() == [0, 0, 0] and r.labels.tolist() == [-1, -1, -1]
    r = a.assign(torch.zeros(0, 4), [0], torch.tensor([[0., 0., 10., 10.]]))
    assert r.gt_inds.shape == (0, )
    a = ATSSAssigner(topk=3, ignore_iof_thr=0.5)
    r = a.assign(bboxes, [3], torch.tensor([[0., 0., 12., 12.]]), gt_bboxes_ignore=torch.tensor([[18., 18., 32.,
                                                                                                   32.]]))
    assert r.gt_inds[2] == -1
    with pytest.raises(ValueError, match='num_level_bboxes'):
        a.assign(bboxes, [2], torch.tensor([[0., 0., 12., 12.]]))


def test_grid_assigner():
    gts = torch.tensor([[0., 0., 10., 10.], [20., 20., 40., 40.]])
    bboxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 40., 40.], [50., 50., 60., 60.]])
    flags = torch.tensor([1, 0, 1, 1], dtype=torch.uint8)
    r = GridAssigner(pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0).assign(bboxes, flags, gts,
                                                                           torch.tensor([3, 1]))
    # prior 1 overlaps gt 0 well but is not responsible, so it is ignored (-1), not positive
    assert r.gt_inds.tolist() == [1, -1, 2, 0]
    assert r.labels.tolist() == [3, -1, 1, -1]
    r = GridAssigner(0.5, 0.5).assign(bboxes, flags, torch.zeros(0, 4), torch.zeros(0, dtype=torch.long))
    assert r.gt_inds.tolist() == [0, 0, 0, 0]


def test_point_assigner():
    # points (x, y, stride); gt of size 32 with scale 4 -> level log2(32 / 4) = 3 (stride 8)
    pts = torch.tensor([[4., 4., 8.], [12., 4., 8.], [4., 12., 8.], [12., 12., 8.], [8., 8., 16.]])
    gts = torch.tensor([[-8., -8., 24., 24.]])
    r = PointAssigner(scale=4, pos_num=1).assign(pts, gts, gt_labels=torch.tensor([2]))
    assert r.gt_inds.tolist().count(1) == 1 and r.gt_inds[4] == 0
    assert r.max_overlaps is None
    r = PointAssigner().assign(pts, torch.zeros(0, 4))
    assert r.gt_inds.tolist() == [0] * 5


def test_assign_result_add_gt_and_properties():
    r = AssignResult(2, torch.tensor([0, 2, -1]), torch.tensor([0.1, 0.8, 0.3]), torch.tensor([-1, 5, -1]))
    r.add_gt_(torch.tensor([4, 5]))
    assert r.gt_inds.tolist() == [1, 2, 0, 2, -1]
    assert r.max_overlaps.tolist()[:2] == [1.0, 1.0]
    assert r.labels.tolist() == [4, 5, -1, 5, -1]
    assert r.num_preds == 5
    r.set_extra_property('foo', 1)
    assert r.get_extra_property('foo') == 1 and r.info['foo'] == 1
    with pytest.raises(KeyError):
        r.set_extra_property('gt_inds', 1)
    assert 'num_gts=2' in repr(r)


def test_center_region_assigner_doc_example():
    from workbench.core import CenterRegionAssigner
    r = CenterRegionAssigner(0.2, 0.2).assign(torch.tensor([[0., 0., 10., 10.], [10., 10., 20., 20.]]),
                                              torch.tensor([[0., 0., 10., 10.]]))
    assert r.gt_inds.tolist() == [1, 0]
    assert r.get_extra_property('shadowed_labels') is None


def _center_region_case(labels, foreground_dominate=False, ignore=None):
    from workbench.core import CenterRegionAssigner
    # gt 0 is large, gt 1 small and centred inside it; prior 0 lies in both cores, prior 1 only in gt 0's shadow
    gts = torch.tensor([[0., 0., 100., 100.], [40., 40., 60., 60.]])
    priors = torch.tensor([[48., 48., 52., 52.], [30., 30., 34., 34.], [90., 90., 94., 94.], [200., 200., 204.,
                                                                                               204.]])
    assigner = build_assigner(dict(type='CenterRegionAssigner', pos_scale=0.2, neg_scale=0.5,
                                   foreground_dominate=foreground_dominate))
    assert isinstance(assigner, CenterRegionAssigner)
    return assigner.assign(priors, gts, gt_bboxes_ignore=ignore, gt_labels=torch.tensor(labels))


def test_center_region_assigner_priorities_and_shadows():
    r = _center_region_case([0, 1])
    # the smaller gt wins the shared core; the loser pair joins the shadow list after the plain shadow pairs
    assert r.gt_inds.tolist() == [2, 0, 0, 0]
    assert r.labels.tolist() == [1, -1, -1, -1]
    assert r.get_extra_property('shadowed_labels').tolist() == [[1, 0], [0, 0]]
    # same class: a positive shadowed by its own class becomes background, unless the foreground dominates
    r = _center_region_case([1, 1])
    assert r.gt_inds.tolist() == [0, 0, 0, 0] and r.labels.tolist() == [-1, -1, -1, -1]
    r = _center_region_case([1, 1], foreground_dominate=True)
    assert r.gt_inds.tolist() == [2, 0, 0, 0]
    assert r.get_extra_property('shadowed_labels').tolist() == [[1, 1]]
    # ignored regions (scaled by ignore_gt_scale=0.5) mark priors -1
    r = _center_region_case([0, 1], ignore=torch.tensor([[150., 150., 250., 250.]]))
    assert r.gt_inds.tolist() == [2, 0, 0, -1]


def test_center_region_assigner_empty():
    from workbench.core import CenterRegionAssigner
    r = CenterRegionAssigner(0.2, 0.5).assign(torch.tensor([[0., 0., 10., 10.]]), torch.zeros(0, 4),
                                              gt_labels=torch.zeros(0, dtype=torch.long))
    assert r.gt_inds.tolist() == [0] and r.labels.tolist() == [-1]
    assert r.get_extra_property('shadowed_labels').shape == (0, 2)
    r = CenterRegionAssigner(0.2, 0.5).assign(torch.zeros(0, 4), torch.tensor([[0., 0., 10., 10.]]))
    assert r.gt_inds.shape == (0, )
