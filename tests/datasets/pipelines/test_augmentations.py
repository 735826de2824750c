"""Cropping, expanding, photometric and YOLOX-style multi-image transforms."""
import copy

import numpy as np
import pytest

from workbench.core.mask import BitmapMasks
from workbench.datasets.pipelines import (CutOut, Expand, MinIoURandomCrop, MixUp, Mosaic, PhotoMetricDistortion,
                                          PipelineKeyError, RandomAffine, RandomCrop, YOLOXHSVRandomAug)


def make_results(h=40, w=60, seed=0):
    rng = np.random.RandomState(seed)
    img = rng.randint(0, 256, (h, w, 3), dtype=np.uint8)
    boxes = np.array([[5, 5, 20, 25], [30, 10, 55, 35]], np.float32)
    masks = np.zeros((2, h, w), np.uint8)
    for i, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
        masks[i, y1:y2, x1:x2] = 1
    seg = masks[0] + 2 * masks[1]
    return dict(img=img, img_shape=img.shape, img_fields=['img'], gt_bboxes=boxes, gt_labels=np.array([1, 2]),
                gt_bboxes_ignore=np.zeros((0, 4), np.float32), bbox_fields=['gt_bboxes', 'gt_bboxes_ignore'],
                gt_masks=BitmapMasks(masks, h, w), mask_fields=['gt_masks'], gt_semantic_seg=seg.astype(np.uint8),
                seg_fields=['gt_semantic_seg'])


def assert_consistent(r):
    """Boxes, masks and map describe the same objects; boxes lie inside the image."""
    h, w = r['img'].shape[:2]
    assert r['img_shape'][:2] == (h, w)
    b = r['gt_bboxes']
    assert len(b) == len(r['gt_labels']) == len(r['gt_masks'])
    assert (b[:, 0] >= 0).all() and (b[:, 2] <= w).all() and (b[:, 1] >= 0).all() and (b[:, 3] <= h).all()
    assert r['gt_masks'].masks.shape[1:] == (h, w) and r['gt_semantic_seg'].shape == (h, w)
    np.testing.assert_allclose(r['gt_masks'].get_bboxes(), b)


def test_random_crop_absolute_keeps_fields_consistent():
    np.random.seed(0)
    for _ in range(20):
        r = RandomCrop(crop_size=(30, 30), allow_negative_crop=True)(make_results())
        assert r['img'].shape == (30, 30, 3)
        keep = r['gt_masks'].areas > 0
        r['gt_masks'] = r['gt_masks'][keep]
        assert_consistent(r)


def test_random_crop_types_and_negative_crop():
    np.random.seed(1)
    r = RandomCrop(crop_size=(0.5, 0.5), crop_type='relative', allow_negative_crop=True)(make_results())
    assert r['img'].shape == (20, 30, 3)
    r = RandomCrop(crop_size=(10, 20), crop_type='absolute_range', allow_negative_crop=True)(make_results())
    assert 10 <= r['img'].shape[0] <= 20 and 10 <= r['img'].shape[1] <= 20
    r = RandomCrop(crop_size=(0.5, 0.7), crop_type='relative_range', allow_negative_crop=True)(make_results())
    assert 20 <= r['img'].shape[0] <= 40 and 42 <= r['img'].shape[1] <= 60
    # a crop away from every box is dropped unless allowed
    res = make_results()
    res['gt_bboxes'] = np.array([[0, 0, 2, 2]], np.float32)
    res['gt_labels'] = np.array([0])
    res['gt_masks'] = res['gt_masks'][0]
    outcomes = {RandomCrop(crop_size=(5, 5))(copy.deepcopy(res)) is None for _ in range(30)}
    assert True in outcomes
    with pytest.raises(ValueError):
        RandomCrop(crop_size=(0, 5))
    with pytest.raises(ValueError):
        RandomCrop(crop_size=(2, 5), crop_type='relative')


def test_random_crop_recompute_bbox():
    np.random.seed(2)
    r = RandomCrop(crop_size=(40, 60), recompute_bbox=True)(make_results())
    np.testing.assert_array_equal(r['gt_bboxes'], r['gt_masks'].get_bboxes())


def test_expand():
    np.random.seed(0)
    r = Expand(mean=(1, 2, 3), to_rgb=True, ratio_range=(2, 2), seg_ignore_label=255, prob=1.0)(make_results())
    assert r['img'].shape == (80, 120, 3)
    assert_consistent(r)
    # the fill is the mean in BGR order
    corner_vals = {tuple(r['img'][0, 0]), tuple(r['img'][-1, -1])}
    assert (3, 2, 1) in corner_vals
    assert 255 in r['gt_semantic_seg']
    r = Expand(prob=0.0)(make_results())
    assert r['img'].shape == (40, 60, 3)
    with pytest.raises(ValueError, match='img_fields'):
        Expand(prob=1.0)(dict(make_results(), img_fields=['img', 'img2']))


def test_min_iou_random_crop():
    np.random.seed(3)
    t = MinIoURandomCrop(min_ious=(0.1, 0.3), min_crop_size=0.3)
    cropped = 0
    for _ in range(20):
        r = t(make_results())
        if r['img'].shape != (40, 60, 3):
            cropped += 1
        keep = r['gt_masks'].areas > 0
        assert keep.all()
        assert_consistent(r)
    assert cropped > 0


def test_photometric_distortion():
    np.random.seed(0)
    res = make_results()
    r = PhotoMetricDistortion()(dict(res, img=res['img'].copy()))
    assert r['img'].dtype == np.float32 and r['img'].shape == (40, 60, 3)
    changed = [not np.allclose(PhotoMetricDistortion()(dict(res, img=res['img'].copy()))['img'], res['img'])
               for _ in range(5)]
    assert any(changed)
    # with no ranges everything but the channel swap is the identity (HSV roundtrip within float error)
    t = PhotoMetricDistortion(brightness_delta=0, contrast_range=(1, 1), saturation_range=(1, 1), hue_delta=0)
    out = t(dict(res, img=res['img'].astype(np.float32)))['img']
    assert any(np.allclose(out[..., p], res['img'], atol=1e-2) for p in
               ([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]))
    with pytest.raises(TypeError):
        PhotoMetricDistortion()(dict(img=np.zeros((2, 2, 3), np.float64)))


def test_yolox_hsv_and_cutout():
    np.random.seed(0)
    res = make_results()
    r = YOLOXHSVRandomAug()(dict(res, img=res['img'].copy()))
    assert r['img'].dtype == np.uint8 and r['img'].shape == (40, 60, 3)
    r = YOLOXHSVRandomAug(0, 0, 0)(dict(res, img=res['img'].copy()))
    assert np.abs(r['img'].astype(int) - res['img']).max() <= 8  # HSV roundtrip rounding only
    r = CutOut(n_holes=3, cutout_shape=(5, 5), fill_in=(1, 2, 3))(dict(res, img=res['img'].copy()))
    filled = (r['img'] == [1, 2, 3]).all(-1)
    assert 0 < filled.sum() <= 75
    r = CutOut(n_holes=(1, 2), cutout_ratio=[(0.1, 0.1), (0.2, 0.2)])(dict(res, img=res['img'].copy()))
    assert r['img'].shape == (40, 60, 3)
    with pytest.raises(ValueError):
        CutOut(n_holes=1)


def test_random_affine_identity_and_boxes():
    res = make_results()
    res.pop('gt_masks')
    res['mask_fields'] = []
    t = RandomAffine(max_rotate_degree=0, max_translate_ratio=0, scaling_ratio_range=(1, 1), max_shear_degree=0)
    r = t(copy.deepcopy(res))
    np.testing.assert_array_equal(r['img'], res['img'])
    np.testing.assert_allclose(r['gt_bboxes'], res['gt_bboxes'])
    t = RandomAffine(max_rotate_degree=0, max_translate_ratio=0, scaling_ratio_range=(2, 2), max_shear_degree=0,
                     border=(-10, -15))
    r = t(copy.deepcopy(res))
    assert r['img'].shape == (20, 30, 3)
    # scaled by 2 then clipped to the 30 x 20 output
    np.testing.assert_allclose(r['gt_bboxes'], [[10, 10, 30, 20]])
    assert r['gt_labels'].tolist() == [1]
    np.random.seed(0)
    r = RandomAffine(max_rotate_degree=30, skip_filter=False)(copy.deepcopy(res))
    b = r['gt_bboxes']
    assert (b[:, :2] >= 0).all() and (b[:, 2] <= 60).all() and (b[:, 3] <= 40).all()
    with pytest.raises(NotImplementedError):
        RandomAffine()(make_results())


def mix_sample(seed, h=40, w=60):
    r = make_results(h, w, seed)
    return dict(img=r['img'], gt_bboxes=r['gt_bboxes'], gt_labels=r['gt_labels'] + seed)


def test_mosaic():
    np.random.seed(0)
    res = mix_sample(0)
    res['mix_results'] = [mix_sample(1, 30, 30), mix_sample(2, 50, 20), mix_sample(3)]
    r = Mosaic(img_scale=(40, 60), center_ratio_range=(1.0, 1.0))(res)
    assert r['img'].shape == (80, 120, 3)
    # centre (60, 40): the top-left image (40 x 60 at ratio 1) fills the top-left quadrant exactly
    np.testing.assert_array_equal(r['img'][:40, :60], mix_sample(0)['img'])
    np.testing.assert_allclose(r['gt_bboxes'][:2], mix_sample(0)['gt_bboxes'])
    b = r['gt_bboxes']
    assert (b >= 0).all() and (b[:, [0, 2]] <= 120).all() and (b[:, [1, 3]] <= 80).all()
    assert len(b) == len(r['gt_labels'])
    assert Mosaic().get_indexes(list(range(5))).__len__() == 3
    with pytest.raises(PipelineKeyError, match="Mosaic.*'mix_results'.*MultiImageMixDataset"):
        Mosaic()(mix_sample(0))


def test_mixup():
    np.random.seed(0)
    res = mix_sample(0)
    res['mix_results'] = [mix_sample(1)]
    t = MixUp(img_scale=(40, 60), ratio_range=(1.0, 1.0), flip_ratio=0.0)
    r = t(copy.deepcopy(res))
    # same size, no jitter or flip: a plain 50/50 blend, and the boxes of both images
    expect = (0.5 * mix_sample(0)['img'].astype(np.float32) + 0.5 * mix_sample(1)['img']).astype(np.uint8)
    np.testing.assert_array_equal(r['img'], expect)
    assert len(r['gt_bboxes']) == 4 and r['gt_labels'].tolist() == [1, 2, 2, 3]
    np.testing.assert_allclose(r['gt_bboxes'][2:], mix_sample(1)['gt_bboxes'])
    t = MixUp(img_scale=(40, 60), ratio_range=(1.0, 1.0), flip_ratio=1.0)
    r = t(copy.deepcopy(res))
    flipped = mix_sample(1)['gt_bboxes'].copy()
    flipped[:, [0, 2]] = 60 - flipped[:, [2, 0]]
    np.testing.assert_allclose(r['gt_bboxes'][2:], flipped)
    empty = copy.deepcopy(res)
    empty['mix_results'][0]['gt_bboxes'] = np.zeros((0, 4), np.float32)
    assert MixUp()(empty)['img'] is empty['img']

    class DS:
        def __len__(self):
            return 4

        def get_ann_info(self, i):
            return dict(bboxes=np.zeros((i % 2, 4)))
    assert MixUp().get_indexes(DS()) % 2 == 1


def test_random_center_crop_pad_train_and_test():
    from workbench.datasets.pipelines import RandomCenterCropPad
    h, w = 40, 60
    ys, xs = np.mgrid[0:h, 0:w]
    # channels hold (x + 1, y + 1, 1): every canvas pixel tells where it came from; the mean fill is 0
    img = np.stack([xs + 1, ys + 1, np.ones_like(xs)], -1).astype(np.float32)
    boxes = np.array([[5, 5, 20, 25], [30, 10, 55, 35]], np.float32)
    t = RandomCenterCropPad(crop_size=(32, 32), ratios=(1.0,), border=8, mean=[0, 0, 0], std=[1, 1, 1],
                            to_rgb=True, test_pad_mode=None)
    np.random.seed(0)
    for _ in range(10):
        r = t(dict(img=img.copy(), gt_bboxes=boxes.copy(), gt_labels=np.array([1, 2]), bbox_fields=['gt_bboxes']))
        out = r['img']
        assert out.shape == (32, 32, 3) and r['pad_shape'] == out.shape
        filled = out[..., 2] == 1
        v, u = np.argwhere(filled)[0]
        dx, dy = out[v, u, 0] - 1 - u, out[v, u, 1] - 1 - v  # image x = canvas u + dx
        for b, label in zip(r['gt_bboxes'], r['gt_labels']):
            src = boxes[label - 1]
            np.testing.assert_allclose(b, np.clip(src - [dx, dy, dx, dy], 0, 32))
        assert (r['gt_bboxes'] >= 0).all() and (r['gt_bboxes'] <= 32).all()
    tt = RandomCenterCropPad(crop_size=None, ratios=None, border=None, mean=[0, 0, 0], std=[1, 1, 1], to_rgb=True,
                             test_mode=True, test_pad_mode=('logical_or', 31))
    r = tt(dict(img=img.copy()))
    assert r['img'].shape == (63, 63, 3) and r['img_shape'] == (40, 60, 3)
    top, bottom, left, right = r['border'].astype(int)
    np.testing.assert_array_equal(r['img'][top:bottom, left:right], img)
    tt = RandomCenterCropPad(crop_size=None, ratios=None, border=None, mean=[0, 0, 0], std=[1, 1, 1], to_rgb=True,
                             test_mode=True, test_pad_mode=('size_divisor', 32))
    assert tt(dict(img=img.copy()))['img'].shape == (64, 64, 3)
    with pytest.raises(TypeError, match='float32'):
        t(dict(img=img.astype(np.uint8)))
    with pytest.raises(ValueError):
        RandomCenterCropPad(crop_size=(32, 32), mean=[0, 0, 0], std=[1, 1, 1], to_rgb=True)
