"""Box transforms: known values, round trips and empty inputs."""
import numpy as np
import pytest
import torch

from workbench.core import (bbox2distance, bbox2result, bbox2roi, bbox_cxcywh_to_xyxy, bbox_flip, bbox_mapping,
                            bbox_mapping_back, bbox_rescale, bbox_xyxy_to_cxcywh, distance2bbox, find_inside_bboxes,
                            roi2bbox)


def test_bbox_flip_directions():
    b = torch.tensor([[10., 20., 30., 60.]])
    assert bbox_flip(b, (100, 200), 'horizontal').tolist() == [[170., 20., 190., 60.]]
    assert bbox_flip(b, (100, 200), 'vertical').tolist() == [[10., 40., 30., 80.]]
    assert bbox_flip(b, (100, 200), 'diagonal').tolist() == [[170., 40., 190., 80.]]
    two = torch.cat([b, b], 1)
    assert bbox_flip(two, (100, 200)).tolist() == [[170., 20., 190., 60.] * 2]
    with pytest.raises(ValueError, match='direction'):
        bbox_flip(b, (100, 200), 'sideways')
    with pytest.raises(ValueError, match='multiple of 4'):
        bbox_flip(torch.zeros(1, 5), (10, 10))


def test_mapping_roundtrip():
    b = torch.tensor([[10., 20., 30., 60.], [0., 0., 5., 5.]])
    sf = np.array([1.5, 2., 1.5, 2.], dtype=np.float32)
    for flip, direction in [(False, 'horizontal'), (True, 'horizontal'), (True, 'vertical'), (True, 'diagonal')]:
        m = bbox_mapping(b, (300, 400), sf, flip, direction)
        torch.testing.assert_close(bbox_mapping_back(m, (300, 400), sf, flip, direction), b)
    assert bbox_mapping(b, (300, 400), 2., False)[0].tolist() == [20., 40., 60., 120.]


def test_bbox2roi_roi2bbox():
    a = torch.tensor([[0., 0., 1., 1., 0.9], [1., 1., 2., 2., 0.8]])
    b = torch.zeros(0, 5)
    c = torch.tensor([[3., 3., 4., 4., 0.7]])
    rois = bbox2roi([a, b, c])
    assert rois.tolist() == [[0., 0., 0., 1., 1.], [0., 1., 1., 2., 2.], [2., 3., 3., 4., 4.]]
    back = roi2bbox(rois)
    assert len(back) == 2  # images without RoIs do not appear, as in mmdet
    torch.testing.assert_close(back[0], a[:, :4])
    assert bbox2roi([torch.zeros(0, 4)]).shape == (0, 5)


def test_bbox2result():
    dets = torch.tensor([[0., 0., 1., 1., 0.9], [1., 1., 2., 2., 0.8], [2., 2., 3., 3., 0.7]])
    labels = torch.tensor([2, 0, 2])
    res = bbox2result(dets, labels, 3)
    assert [r.shape for r in res] == [(1, 5), (0, 5), (2, 5)]
    assert all(r.dtype == np.float32 for r in res)
    empty = bbox2result(torch.zeros(0, 5), torch.zeros(0, dtype=torch.long), 4)
    assert len(empty) == 4 and all(r.shape == (0, 5) and r.dtype == np.float32 for r in empty)


def test_distance_roundtrip_and_batched_clip():
    pts = torch.tensor([[5., 5.], [50., 40.]])
    gts = torch.tensor([[0., 0., 10., 12.], [30., 30., 80., 45.]])
    d = bbox2distance(pts, gts)
    torch.testing.assert_close(distance2bbox(pts, d), gts)
    assert bbox2distance(pts, gts, max_dis=10).max() == pytest.approx(9.9)
    clipped = distance2bbox(pts, d, max_shape=(40, 60))
    assert clipped.tolist() == [[0., 0., 10., 12.], [30., 30., 60., 40.]]
    batched = distance2bbox(torch.stack([pts, pts]), torch.stack([d, d]), max_shape=[(40, 60), (100, 100)])
    assert batched[0].tolist() == clipped.tolist() and batched[1].tolist() == gts.tolist()
    assert distance2bbox(torch.zeros(0, 2), torch.zeros(0, 4), max_shape=(4, 4)).shape == (0, 4)


def test_rescale_and_formats():
    b = torch.tensor([[10., 10., 20., 30.]])
    assert bbox_rescale(b, 2.).tolist() == [[5., 0., 25., 40.]]
    r = torch.tensor([[1., 10., 10., 20., 30.]])
    assert bbox_rescale(r, 2.).tolist() == [[1., 5., 0., 25., 40.]]
    c = bbox_xyxy_to_cxcywh(b)
    assert c.tolist() == [[15., 20., 10., 20.]]
    torch.testing.assert_close(bbox_cxcywh_to_xyxy(c), b)
    assert find_inside_bboxes(torch.tensor([[-5., -5., -1., -1.], [-5., -5., 1., 1.]]), 10, 10).tolist() == [False,
                                                                                                          True]
