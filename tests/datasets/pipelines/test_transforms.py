"""Resize, RandomFlip, Pad, Normalize, SegRescale, formatting and MultiScaleFlipAug."""
import numpy as np
import pytest
import torch

from workbench.core.mask import BitmapMasks, PolygonMasks
from workbench.datasets.pipelines import (Collect, Compose, DefaultFormatBundle, ImageToTensor, MultiScaleFlipAug,
                                          Normalize, Pad, PipelineKeyError, RandomFlip, Resize, SegRescale,
                                          ToDataContainer, ToTensor, Transpose, to_tensor)
from workbench.parallel import DataContainer


def make_results(h=20, w=30, seed=0):
    rng = np.random.RandomState(seed)
    img = rng.randint(0, 256, (h, w, 3), dtype=np.uint8)
    masks = np.zeros((2, h, w), np.uint8)
    masks[0, 2:8, 3:12] = 1
    masks[1, 10:18, 20:28] = 1
    seg = np.zeros((h, w), np.uint8)
    seg[2:8, 3:12] = 1
    return dict(img=img, img_shape=img.shape, ori_shape=img.shape, img_fields=['img'],
                gt_bboxes=np.array([[3, 2, 12, 8], [20, 10, 28, 18]], np.float32), gt_labels=np.array([0, 1]),
                gt_bboxes_ignore=np.zeros((0, 4), np.float32), bbox_fields=['gt_bboxes', 'gt_bboxes_ignore'],
                gt_masks=BitmapMasks(masks, h, w), mask_fields=['gt_masks'], gt_semantic_seg=seg,
                seg_fields=['gt_semantic_seg'], filename='x.png', ori_filename='x.png')


def test_resize_keep_ratio_all_fields():
    r = Resize(img_scale=(60, 45), keep_ratio=True)(make_results())
    # factor = min(60/30, 45/20) = 2
    assert r['img'].shape == (40, 60, 3) and r['img_shape'] == r['pad_shape'] == (40, 60, 3)
    np.testing.assert_array_equal(r['scale_factor'], np.float32([2, 2, 2, 2]))
    assert r['scale'] == (60, 45) and r['scale_idx'] == 0 and r['keep_ratio'] is True
    np.testing.assert_array_equal(r['gt_bboxes'], [[6, 4, 24, 16], [40, 20, 56, 36]])
    assert r['gt_masks'].masks.shape == (2, 40, 60) and r['gt_semantic_seg'].shape == (40, 60)
    np.testing.assert_array_equal(r['gt_masks'].masks[0], np.repeat(np.repeat(make_results()['gt_masks']
                                                                              .masks[0], 2, 0), 2, 1))
    assert set(np.unique(r['gt_semantic_seg'])) == {0, 1}  # nearest keeps labels


def test_resize_no_keep_ratio_and_clip():
    res = make_results()
    res['gt_bboxes'][1] = [20, 10, 31, 19]  # beyond the right border (w=30)
    r = Resize(img_scale=(15, 40), keep_ratio=False)(res)
    assert r['img'].shape == (40, 15, 3)
    np.testing.assert_array_equal(r['scale_factor'], np.float32([0.5, 2, 0.5, 2]))
    assert r['gt_bboxes'][1, 2] == 15  # clipped to the new width
    assert r['gt_masks'].masks.shape == (2, 40, 15)
    res = make_results()
    res['gt_bboxes'][1] = [20, 10, 31, 19]
    r = Resize(img_scale=(15, 40), keep_ratio=False, bbox_clip_border=False)(res)
    assert r['gt_bboxes'][1, 2] == 15.5


def test_resize_multiscale_modes():
    np.random.seed(0)
    for _ in range(10):
        r = Resize(img_scale=[(60, 20), (90, 40)], multiscale_mode='range')(make_results())
        long, short = r['scale']
        assert 60 <= long <= 90 and 20 <= short <= 40 and r['scale_idx'] is None
        r = Resize(img_scale=[(60, 20), (90, 40)], multiscale_mode='value')(make_results())
        assert r['scale'] == [(60, 20), (90, 40)][r['scale_idx']]
        r = Resize(img_scale=(100, 50), ratio_range=(0.5, 1.5))(make_results())
        assert 50 <= r['scale'][0] <= 150 and 25 <= r['scale'][1] <= 75


def test_resize_scale_factor_and_override():
    res = make_results()
    res['scale_factor'] = 0.5
    r = Resize(img_scale=None)(res)
    assert r['img'].shape == (10, 15, 3)
    res = make_results()
    res['scale'] = (60, 40)
    res['scale_factor'] = 2.0
    with pytest.raises(ValueError, match='both set'):
        Resize(img_scale=(30, 20))(res)
    r = Resize(img_scale=(15, 10), override=True)(res)
    assert r['img'].shape == (10, 15, 3)
    with pytest.raises(ValueError, match='img_scale is None'):
        Resize()(make_results())
    with pytest.raises(TypeError):
        Resize(img_scale=[[30, 20], 5])
    with pytest.raises(ValueError):
        Resize(img_scale=[(1, 2), (3, 4)], ratio_range=(0.5, 1))
    with pytest.raises(PipelineKeyError, match="Resize.*'img'"):
        Resize(img_scale=(3, 3))({})


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_random_flip_all_fields(direction):
    base = make_results()
    r = RandomFlip(flip_ratio=1.0, direction=direction)(make_results())
    assert r['flip'] is True and r['flip_direction'] == direction
    axes = {'horizontal': (1,), 'vertical': (0,), 'diagonal': (0, 1)}[direction]
    np.testing.assert_array_equal(r['img'], np.flip(base['img'], axes))
    np.testing.assert_array_equal(r['gt_semantic_seg'], np.flip(base['gt_semantic_seg'], axes))
    np.testing.assert_array_equal(r['gt_masks'].masks, np.flip(base['gt_masks'].masks, [a + 1 for a in axes]))
    # flipped boxes are the tight boxes of the flipped masks
    np.testing.assert_array_equal(r['gt_bboxes'], r['gt_masks'].get_bboxes())


def test_random_flip_probabilities_and_presets():
    r = RandomFlip(flip_ratio=0.0)(make_results())
    assert r['flip'] is False and r['flip_direction'] is None
    np.random.seed(1)
    dirs = [RandomFlip(flip_ratio=[0.3, 0.5], direction=['horizontal', 'vertical'])(make_results())['flip_direction']
            for _ in range(300)]
    counts = {d: dirs.count(d) for d in ('horizontal', 'vertical', None)}
    assert 60 < counts['horizontal'] < 120 and 120 < counts['vertical'] < 180 and 30 < counts[None] < 90
    # flip_ratio split evenly over a direction list
    dirs = [RandomFlip(flip_ratio=1.0, direction=['horizontal', 'vertical'])(make_results())['flip_direction']
            for _ in range(200)]
    assert None not in dirs and 60 < dirs.count('vertical') < 140
    res = make_results()
    res.update(flip=True, flip_direction='vertical')
    r = RandomFlip()(res)
    np.testing.assert_array_equal(r['img'], make_results()['img'][::-1])
    with pytest.raises(ValueError):
        RandomFlip(flip_ratio=1.5)
    with pytest.raises(ValueError):
        RandomFlip(flip_ratio=[0.5, 0.6], direction=['horizontal', 'vertical'])
    with pytest.raises(ValueError):
        RandomFlip(flip_ratio=0.5, direction='sideways')
    with pytest.raises(ValueError, match='flip_ratio is None'):
        RandomFlip()(make_results())


def test_pad_variants():
    r = Pad(size_divisor=16)(make_results())
    assert r['img'].shape == (32, 32, 3) and r['pad_shape'] == (32, 32, 3)
    assert r['pad_size_divisor'] == 16 and r['pad_fixed_size'] is None
    assert r['gt_masks'].masks.shape == (2, 32, 32) and r['gt_semantic_seg'].shape == (32, 32)
    assert (r['gt_semantic_seg'][20:] == 255).all() and r['gt_masks'].masks[:, 20:].sum() == 0
    assert r['img_shape'] == (20, 30, 3)  # the unpadded size stays
    r = Pad(size=(25, 40), pad_val=dict(img=7, masks=0, seg=9))(make_results())
    assert r['img'].shape == (25, 40, 3) and (r['img'][20:] == 7).all() and r['pad_fixed_size'] == (25, 40)
    assert (r['gt_semantic_seg'][20:] == 9).all()
    r = Pad(pad_to_square=True)(make_results())
    assert r['img'].shape == (30, 30, 3)
    with pytest.warns(UserWarning):
        Pad(size_divisor=8, pad_val=3)
    with pytest.raises(ValueError):
        Pad()
    with pytest.raises(ValueError):
        Pad(size=(4, 4), size_divisor=8)


def test_normalize_and_seg_rescale():
    r = Normalize(mean=[1, 2, 3], std=[2, 2, 2], to_rgb=False)(make_results())
    base = make_results()['img'].astype(np.float32)
    np.testing.assert_allclose(r['img'], (base - [1, 2, 3]) / 2, rtol=1e-6)
    assert r['img_norm_cfg']['to_rgb'] is False and r['img_norm_cfg']['mean'].dtype == np.float32
    with pytest.raises(ValueError):
        Normalize(mean=[0, 0, 0], std=[1, 0, 1])
    r = SegRescale(scale_factor=0.5)(make_results())
    assert r['gt_semantic_seg'].shape == (10, 15)


def test_formatting_bundle_and_collect():
    res = make_results()
    view = res['img'][:, ::-1]  # a negative-stride view as left by a flip
    res['img'] = view
    r = DefaultFormatBundle()(res)
    assert isinstance(r['img'], DataContainer) and r['img'].stack and r['img'].padding_value == 0
    assert r['img'].data.shape == (3, 20, 30) and r['img'].data.dtype == torch.float32
    assert torch.equal(r['img'].data[0], torch.from_numpy(np.ascontiguousarray(view[..., 0])).float())
    assert r['gt_bboxes'].data.dtype == torch.float32 and r['gt_labels'].data.dtype == torch.int64
    assert r['gt_masks'].cpu_only and isinstance(r['gt_masks'].data, BitmapMasks)
    assert r['gt_semantic_seg'].data.shape == (1, 20, 30) and r['gt_semantic_seg'].padding_value == 255
    # defaults for keys no transform set
    assert r['pad_shape'] == (20, 30, 3) and r['scale_factor'] == 1.0 and r['img_norm_cfg']['to_rgb'] is False
    res = dict(r, flip=False, flip_direction=None)
    out = Collect(keys=['img', 'gt_bboxes'])(res)
    assert set(out) == {'img_metas', 'img', 'gt_bboxes'}
    assert set(out['img_metas'].data) == {'filename', 'ori_filename', 'ori_shape', 'img_shape', 'pad_shape',
                                          'scale_factor', 'flip', 'flip_direction', 'img_norm_cfg'}
    assert out['img_metas'].cpu_only
    gray = DefaultFormatBundle()(dict(img=np.zeros((4, 5), np.uint8)))
    assert gray['img'].data.shape == (1, 4, 5) and gray['img_norm_cfg']['mean'].shape == (1,)


def test_tensor_conversions():
    assert torch.equal(to_tensor([1, 2]), torch.tensor([1, 2]))
    assert to_tensor(3).dtype == torch.int64 and to_tensor(2.5).dtype == torch.float32
    with pytest.raises(TypeError):
        to_tensor('abc')
    r = ImageToTensor(keys=['img'])(dict(img=np.zeros((4, 5, 3), np.uint8)))
    assert r['img'].shape == (3, 4, 5)
    r = ToTensor(keys=['a'])(dict(a=np.arange(3)))
    assert torch.is_tensor(r['a'])
    r = Transpose(keys=['a'], order=(2, 0, 1))(dict(a=np.zeros((4, 5, 3))))
    assert r['a'].shape == (3, 4, 5)
    r = ToDataContainer(fields=(dict(key='a', stack=True), dict(key='b', cpu_only=True)))(dict(a=1, b=2))
    assert r['a'].stack and r['b'].cpu_only


def test_multi_scale_flip_aug():
    tta = MultiScaleFlipAug(transforms=[dict(type='Resize', keep_ratio=True), dict(type='RandomFlip'),
                                        dict(type='ImageToTensor', keys=['img']),
                                        dict(type='Collect', keys=['img'], meta_keys=['scale', 'flip',
                                                                                      'flip_direction'])],
                            img_scale=[(60, 40), (15, 10)], flip=True, flip_direction=['horizontal', 'vertical'])
    res = make_results()
    out = tta(res)
    assert len(out['img']) == 6
    metas = [m.data for m in out['img_metas']]
    assert [(m['scale'], m['flip'], m['flip_direction']) for m in metas] == [
        ((60, 40), False, None), ((60, 40), True, 'horizontal'), ((60, 40), True, 'vertical'),
        ((15, 10), False, None), ((15, 10), True, 'horizontal'), ((15, 10), True, 'vertical')]
    assert out['img'][0].shape == (3, 40, 60) and out['img'][3].shape == (3, 10, 15)
    assert torch.equal(out['img'][1], out['img'][0].flip(-1))
    assert 'scale' not in res  # the input dict is not modified
    tta = MultiScaleFlipAug(transforms=[dict(type='Resize', keep_ratio=False), dict(type='Collect', keys=['img'],
                                                                                  meta_keys=[])],
                            scale_factor=[0.5, 2.0])
    out = tta(make_results())
    assert [i.shape[:2] for i in out['img']] == [(10, 15), (40, 60)]
    with pytest.raises(ValueError):
        MultiScaleFlipAug(transforms=[], img_scale=(1, 1), scale_factor=1.0)
    with pytest.warns(UserWarning):
        MultiScaleFlipAug(transforms=[], img_scale=(1, 1), flip=True)


def test_polygon_masks_through_pipeline():
    res = make_results()
    res['gt_masks'] = PolygonMasks([[np.array([3., 2, 12, 2, 12, 8, 3, 8])],
                                    [np.array([20., 10, 28, 10, 28, 18, 20, 18])]], 20, 30)
    pipe = Compose([dict(type='Resize', img_scale=(60, 45)), dict(type='RandomFlip', flip_ratio=1.0),
                    dict(type='Pad', size_divisor=32)])
    r = pipe(res)
    assert isinstance(r['gt_masks'], PolygonMasks) and (r['gt_masks'].height, r['gt_masks'].width) == (64, 64)
    np.testing.assert_allclose(r['gt_masks'].get_bboxes(), r['gt_bboxes'])


def test_tutorial3_key_contract(tmp_path):
    """The keys each transform adds or updates, as listed in Tutorial 3 (seed 003, §9.1)."""
    import cv2
    cv2.imwrite(str(tmp_path / 'a.png'), make_results()['img'])
    res = dict(img_info=dict(filename='a.png', height=20, width=30), img_prefix=str(tmp_path), bbox_fields=[],
               mask_fields=[], seg_fields=[],
               ann_info=dict(bboxes=np.array([[3, 2, 12, 8]], np.float32), labels=np.array([0]),
                             bboxes_ignore=np.zeros((0, 4), np.float32), masks=[[[3, 2, 12, 2, 12, 8, 3, 8]]]))
    steps = [
        (dict(type='LoadImageFromFile'), {'img', 'img_shape', 'ori_shape'}),
        (dict(type='LoadAnnotations', with_mask=True), {'gt_bboxes', 'gt_bboxes_ignore', 'gt_labels', 'gt_masks'}),
        (dict(type='Resize', img_scale=(60, 40)), {'scale', 'scale_idx', 'pad_shape', 'scale_factor', 'keep_ratio'}),
        (dict(type='RandomFlip', flip_ratio=0.5), {'flip', 'flip_direction'}),
        (dict(type='Normalize', mean=[0, 0, 0], std=[1, 1, 1]), {'img_norm_cfg'}),
        (dict(type='Pad', size_divisor=32), {'pad_fixed_size', 'pad_size_divisor'}),
    ]
    for cfg, added in steps:
        before = set(res)
        res = Compose([cfg])(res)
        assert added <= set(res) - before, (cfg['type'], set(res) - before)
    assert res['bbox_fields'] == ['gt_bboxes_ignore', 'gt_bboxes'] and res['mask_fields'] == ['gt_masks']
    np.random.seed(0)
    from workbench.datasets.pipelines import RandomCrop
    cropped = RandomCrop(crop_size=(20, 20), allow_negative_crop=True)(res)
    assert cropped['pad_shape'] == cropped['img_shape'] == (20, 20, 3)
    out = Compose([dict(type='DefaultFormatBundle'), dict(type='Collect', keys=['img', 'gt_bboxes'])])(cropped)
    assert set(out) == {'img', 'gt_bboxes', 'img_metas'}
