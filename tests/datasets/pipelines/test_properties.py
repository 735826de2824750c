"""Property tests (hypothesis) of the geometric transforms: boxes stay in the image, flips are involutions,
resizing there and back returns boxes within a pixel."""
import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core.mask import PolygonMasks
from workbench.datasets.pipelines import (Expand, MinIoURandomCrop, Mosaic, Pad, RandomAffine, RandomCrop,
                                          RandomFlip, Resize)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw, min_side=8, max_side=48):
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    n = draw(st.integers(1, 4))
    boxes = []
    for _ in range(n):
        x1 = draw(st.floats(0, w - 2, allow_nan=False))
        y1 = draw(st.floats(0, h - 2, allow_nan=False))
        x2 = draw(st.floats(x1 + 1, w, allow_nan=False))
        y2 = draw(st.floats(y1 + 1, h, allow_nan=False))
        boxes.append([x1, y1, x2, y2])
    boxes = np.array(boxes, np.float32)
    seed = draw(st.integers(0, 2 ** 16))
    img = np.random.RandomState(seed).randint(0, 256, (h, w, 3), dtype=np.uint8)
    polys = PolygonMasks([[np.array([b[0], b[1], b[2], b[1], b[2], b[3], b[0], b[3]], np.float64)]
                          for b in boxes], h, w)
    return dict(img=img, img_shape=img.shape, ori_shape=img.shape, img_fields=['img'], gt_bboxes=boxes,
                gt_labels=np.arange(n), bbox_fields=['gt_bboxes'], gt_masks=polys, mask_fields=['gt_masks'],
                seg_fields=[]), seed


def assert_inside(r):
    h, w = r['img'].shape[:2]
    b = r['gt_bboxes']
    assert r['img_shape'][:2] == (h, w)
    assert (b[:, 0] >= 0).all() and (b[:, 1] >= 0).all(), b
    assert (b[:, 2] <= w + 1e-4).all() and (b[:, 3] <= h + 1e-4).all(), (b, h, w)
    assert (b[:, 2] >= b[:, 0]).all() and (b[:, 3] >= b[:, 1]).all()
    assert len(b) == len(r['gt_labels'])


@SETTINGS
@given(samples(), st.integers(4, 80), st.integers(4, 80), st.booleans())
def test_resize_keeps_boxes_inside(sample, sw, sh, keep_ratio):
    res, _ = sample
    r = Resize(img_scale=(sw, sh), keep_ratio=keep_ratio)(res)
    assert_inside(r)
    assert (r['gt_masks'].height, r['gt_masks'].width) == r['img'].shape[:2]


@SETTINGS
@given(samples(), st.integers(4, 80), st.integers(4, 80), st.booleans())
def test_resize_there_and_back_within_a_pixel(sample, sw, sh, keep_ratio):
    res, _ = sample
    orig = res['gt_bboxes'].copy()
    h, w = res['img'].shape[:2]
    r = Resize(img_scale=(sw, sh), keep_ratio=keep_ratio)(res)
    # a second Resize must draw its own scale: drop what the first one recorded
    again = {k: v for k, v in r.items() if k not in ('scale', 'scale_factor')}
    back = Resize(img_scale=(w, h), keep_ratio=False)(again)
    assert back['img'].shape[:2] == (h, w)
    np.testing.assert_allclose(back['gt_bboxes'], orig, atol=1.0)
    # dividing by the recorded scale factor (what rescaled test results do) is exact up to float error
    np.testing.assert_allclose(r['gt_bboxes'] / r['scale_factor'], orig, atol=1e-3)


@SETTINGS
@given(samples(), st.sampled_from(['horizontal', 'vertical', 'diagonal']))
def test_flip_is_an_involution(sample, direction):
    res, _ = sample
    res['gt_masks'] = res['gt_masks'].to_bitmap()
    orig = copy.deepcopy(res)
    flip = RandomFlip(flip_ratio=1.0, direction=direction)
    once = flip(res)
    assert_inside(once)
    twice = flip({k: v for k, v in once.items() if k not in ('flip', 'flip_direction')})
    np.testing.assert_array_equal(twice['img'], orig['img'])
    np.testing.assert_allclose(twice['gt_bboxes'], orig['gt_bboxes'], atol=1e-4)
    np.testing.assert_array_equal(twice['gt_masks'].masks, orig['gt_masks'].masks)


@SETTINGS
@given(samples(), st.integers(1, 40), st.integers(1, 40))
def test_random_crop_keeps_boxes_inside(sample, ch, cw):
    res, seed = sample
    np.random.seed(seed)
    r = RandomCrop(crop_size=(ch, cw), allow_negative_crop=True)(res)
    assert_inside(r)
    assert (r['gt_bboxes'][:, 2] > r['gt_bboxes'][:, 0]).all()
    assert len(r['gt_masks']) == len(r['gt_bboxes'])


@SETTINGS
@given(samples())
def test_min_iou_crop_expand_pad_keep_boxes_inside(sample):
    res, seed = sample
    np.random.seed(seed)
    r = MinIoURandomCrop()(copy.deepcopy(res))
    assert_inside(r)
    r = Expand(prob=1.0, ratio_range=(1, 3))(copy.deepcopy(res))
    assert_inside(r)
    r = Pad(size_divisor=16)(copy.deepcopy(res))
    assert r['img'].shape[0] % 16 == 0 and r['img'].shape[1] % 16 == 0
    assert_inside(dict(r, img_shape=r['img'].shape))


@SETTINGS
@given(samples(), st.floats(-45, 45), st.floats(0.5, 1.5))
def test_random_affine_keeps_boxes_inside(sample, degree, scale):
    res, seed = sample
    res.pop('gt_masks')
    res['mask_fields'] = []
    np.random.seed(seed)
    r = RandomAffine(max_rotate_degree=abs(degree), scaling_ratio_range=(min(scale, 1.0), max(scale, 1.0)))(res)
    assert_inside(r)


@SETTINGS
@given(samples(), samples(), samples(), samples())
def test_mosaic_keeps_boxes_inside(s0, s1, s2, s3):
    res = s0[0]
    res['mix_results'] = [s[0] for s in (s1, s2, s3)]
    np.random.seed(s0[1])
    r = Mosaic(img_scale=(32, 40))(res)
    assert r['img'].shape == (64, 80, 3)
    b = r['gt_bboxes']
    assert (b >= 0).all() and (b[:, [0, 2]] <= 80).all() and (b[:, [1, 3]] <= 64).all()
