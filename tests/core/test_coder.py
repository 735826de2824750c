"""Box coders against MMDetection 2.28.2 (components.pth)."""
import pytest
import torch

from tests.core._golden import components
from workbench.core import (DeltaXYWHBBoxCoder, DistancePointBBoxCoder, PseudoBBoxCoder, TBLRBBoxCoder,
                            YOLOBBoxCoder, build_bbox_coder)
from workbench.core.bbox.coder import bbox2delta, delta2bbox

MAX_SHAPE = (120, 150)


def _close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('name', ['delta_default', 'delta_rcnn', 'delta_ctrclamp', 'tblr'])
def test_coders_match_golden(name):
    case = components(f'coder/{name}')
    coder = build_bbox_coder(dict(case['cfg']))
    _close(coder.encode(case['bboxes'], case['gt_bboxes']), case['encoded'])
    _close(coder.decode(case['bboxes'], case['deltas']), case['decoded'])
    _close(coder.decode(case['bboxes'], case['deltas'], max_shape=MAX_SHAPE), case['decoded_maxshape'])


def test_yolo_coder_matches_golden():
    case = components('coder/yolo')
    coder = build_bbox_coder(dict(case['cfg']))
    _close(coder.encode(case['bboxes'], case['gt_bboxes'], case['stride']), case['encoded'])
    # heads pass the strides as (N, 1); a plain (N,) per-box stride is accepted too
    _close(coder.decode(case['bboxes'], case['deltas'], case['stride'][:, None]), case['decoded'])
    _close(coder.decode(case['bboxes'], case['deltas'], case['stride']), case['decoded'])


def test_distance_point_coder_matches_golden():
    case = components('coder/distance_point')
    coder = DistancePointBBoxCoder()
    # the fixture encodes with max_dis=100 (the FCOS-family clamp) and decodes with max_shape=(120, 150)
    _close(coder.encode(case['points'], case['gt_bboxes'], max_dis=100), case['encoded'])
    _close(coder.decode(case['points'], case['distances'], max_shape=MAX_SHAPE), case['decoded'])
    unclipped = coder.decode(case['points'], case['distances'])
    assert (unclipped > 150).any() or (unclipped < 0).any()
    no_clip = DistancePointBBoxCoder(clip_border=False)
    _close(no_clip.decode(case['points'], case['distances'], max_shape=MAX_SHAPE), unclipped)


def test_delta_roundtrip_and_class_specific_decode():
    case = components('coder/delta_rcnn')
    coder = build_bbox_coder(dict(case['cfg']))
    _close(coder.decode(case['bboxes'], coder.encode(case['bboxes'], case['gt_bboxes'])), case['gt_bboxes'])
    # class-specific deltas (N, 4 * C): each 4-column block decodes like the single-class case
    deltas = torch.cat([case['deltas'], case['deltas'] * 0.5], dim=1)
    out = coder.decode(case['bboxes'], deltas, max_shape=MAX_SHAPE)
    assert out.shape == (50, 8)
    _close(out[:, :4], case['decoded_maxshape'])
    _close(out[:, 4:], coder.decode(case['bboxes'], case['deltas'] * 0.5, max_shape=MAX_SHAPE))


def test_delta_batched_decode_equals_per_image():
    case = components('coder/delta_default')
    coder = DeltaXYWHBBoxCoder()
    rois = torch.stack([case['bboxes'], case['bboxes'] + 3])
    deltas = torch.stack([case['deltas'], case['deltas'] * 0.3])
    out = coder.decode(rois, deltas, max_shape=[(120, 150), (100, 90)])
    _close(out[0], coder.decode(rois[0], deltas[0], max_shape=(120, 150)))
    _close(out[1], coder.decode(rois[1], deltas[1], max_shape=(100, 90)))
    out = coder.decode(rois, deltas)
    _close(out[1], coder.decode(rois[1], deltas[1]))


def test_wh_ratio_clip_and_empty():
    rois = torch.tensor([[0., 0., 10., 10.]])
    huge = torch.tensor([[0., 0., 100., -100.]])
    out = delta2bbox(rois, huge, wh_ratio_clip=16 / 1000)
    w = out[0, 2] - out[0, 0]
    h = out[0, 3] - out[0, 1]
    torch.testing.assert_close(w, torch.tensor(10 * 1000 / 16), rtol=1e-5, atol=1e-3)
    torch.testing.assert_close(h, torch.tensor(10 * 16 / 1000), rtol=1e-5, atol=1e-5)
    empty = DeltaXYWHBBoxCoder().decode(torch.zeros(0, 4), torch.zeros(0, 4))
    assert empty.shape == (0, 4)
    assert DeltaXYWHBBoxCoder().encode(torch.zeros(0, 4), torch.zeros(0, 4)).shape == (0, 4)
    assert bbox2delta(torch.zeros(0, 4), torch.zeros(0, 4)).shape == (0, 4)


def test_tblr_per_side_normalizer_and_pseudo():
    case = components('coder/tblr')
    coder = TBLRBBoxCoder(normalizer=[4.0, 4.0, 4.0, 4.0])
    _close(coder.encode(case['bboxes'], case['gt_bboxes']), case['encoded'])
    _close(coder.decode(case['bboxes'], case['deltas'], max_shape=MAX_SHAPE), case['decoded_maxshape'])
    pseudo = PseudoBBoxCoder()
    assert pseudo.encode(case['bboxes'], case['gt_bboxes']) is case['gt_bboxes']
    assert pseudo.decode(case['bboxes'], case['deltas']) is case['deltas']


def test_coder_shape_errors():
    with pytest.raises(ValueError, match='50 boxes but 3'):
        DeltaXYWHBBoxCoder().encode(torch.zeros(50, 4), torch.zeros(3, 4))
    with pytest.raises(ValueError, match='YOLOBBoxCoder'):
        YOLOBBoxCoder().encode(torch.zeros(5, 4), torch.zeros(6, 4), 8)
    with pytest.raises(KeyError, match='DeltaXYWHBBoxCoder'):
        build_bbox_coder(dict(type='DeltaXYWHBoxCoder'))
