"""Loading transforms and FilterAnnotations: results-dict keys and error messages."""
import cv2
import numpy as np
import pytest

from workbench.core.mask import BitmapMasks, PolygonMasks
from workbench.datasets.pipelines import (Compose, FilterAnnotations, LoadAnnotations, LoadImageFromFile,
                                          LoadImageFromWebcam, LoadMultiChannelImageFromFiles, LoadProposals,
                                          PipelineKeyError)
from workbench.registry import PIPELINES


@pytest.fixture
def img_dir(tmp_path):
    img = np.random.RandomState(0).randint(0, 256, (12, 16, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'a.png'), img)
    seg = np.zeros((12, 16), np.uint8)
    seg[2:5, 3:9] = 3
    cv2.imwrite(str(tmp_path / 'a_seg.png'), seg)
    cv2.imwrite(str(tmp_path / 'c0.png'), img[..., 0])
    cv2.imwrite(str(tmp_path / 'c1.png'), img[..., 1])
    return tmp_path, img, seg


def base_results(prefix, filename='a.png'):
    return dict(img_info=dict(filename=filename, height=12, width=16), img_prefix=str(prefix), bbox_fields=[],
                mask_fields=[], seg_fields=[])


def test_load_image_keys(img_dir):
    prefix, img, _ = img_dir
    r = LoadImageFromFile()(base_results(prefix))
    np.testing.assert_array_equal(r['img'], img)
    assert r['img_shape'] == r['ori_shape'] == (12, 16, 3)
    assert r['filename'] == str(prefix / 'a.png') and r['ori_filename'] == 'a.png'
    assert r['img_fields'] == ['img']
    r = LoadImageFromFile(to_float32=True, channel_order='rgb')(base_results(prefix))
    assert r['img'].dtype == np.float32
    np.testing.assert_array_equal(r['img'], img[..., ::-1])
    r = LoadImageFromFile(color_type='grayscale')(base_results(prefix))
    assert r['img'].shape == (12, 16)
    # no prefix: the file name is used as is
    r = LoadImageFromFile()(dict(img_info=dict(filename=str(prefix / 'a.png')), img_prefix=None))
    assert r['filename'] == str(prefix / 'a.png')
    assert 'LoadImageFromFile' in repr(LoadImageFromFile())


def test_load_image_errors_name_file_and_transform(img_dir):
    prefix, _, _ = img_dir
    with pytest.raises(FileNotFoundError, match='missing.png'):
        LoadImageFromFile()(base_results(prefix, 'missing.png'))
    (prefix / 'bad.png').write_bytes(b'garbage')
    with pytest.raises(ValueError, match='bad.png'):
        LoadImageFromFile()(base_results(prefix, 'bad.png'))
    with pytest.raises(PipelineKeyError, match="LoadImageFromFile.*'img_info'"):
        LoadImageFromFile()({})
    with pytest.raises(NotImplementedError, match='petrel'):
        LoadImageFromFile(file_client_args=dict(backend='petrel'))


def test_webcam_and_multichannel(img_dir):
    prefix, img, _ = img_dir
    r = LoadImageFromWebcam()(dict(img=img))
    assert r['filename'] is None and r['img_shape'] == img.shape
    r = LoadMultiChannelImageFromFiles()(dict(img_info=dict(filename=['c0.png', 'c1.png']), img_prefix=str(prefix)))
    assert r['img'].shape == (12, 16, 2)
    np.testing.assert_array_equal(r['img'][..., 1], img[..., 1])
    assert r['img_norm_cfg']['mean'].shape == (2,) and r['scale_factor'] == 1.0


def ann_results(prefix):
    r = base_results(prefix)
    r['ann_info'] = dict(
        bboxes=np.array([[1, 2, 8, 9], [3, 3, 4, 3.5]], np.float32), labels=np.array([0, 2]),
        bboxes_ignore=np.array([[0, 0, 2, 2]], np.float32),
        masks=[[[1, 2, 8, 2, 8, 9, 1, 9]], [[3, 3, 4, 3, 4, 3.5, 3, 3.5], [1, 1]]], seg_map='a_seg.png')
    r['seg_prefix'] = str(prefix)
    return r


def test_load_annotations_bitmap_polygon_seg(img_dir):
    prefix, _, seg = img_dir
    r = LoadAnnotations(with_mask=True, with_seg=True)(ann_results(prefix))
    assert r['bbox_fields'] == ['gt_bboxes_ignore', 'gt_bboxes']
    assert r['mask_fields'] == ['gt_masks'] and r['seg_fields'] == ['gt_semantic_seg']
    assert r['gt_bboxes'].dtype == np.float32 and r['gt_labels'].tolist() == [0, 2]
    assert isinstance(r['gt_masks'], BitmapMasks) and r['gt_masks'].masks.shape == (2, 12, 16)
    assert r['gt_masks'].masks[0].sum() == 7 * 7
    np.testing.assert_array_equal(r['gt_semantic_seg'], seg)
    r = LoadAnnotations(with_mask=True, poly2mask=False)(ann_results(prefix))
    assert isinstance(r['gt_masks'], PolygonMasks)
    # the 2-coordinate "polygon" is dropped, valid ones kept as float arrays
    assert [len(p) for p in r['gt_masks'].masks[1]] == [8]


def test_load_annotations_rle_and_denorm(img_dir):
    import pycocotools.mask as mask_utils
    prefix, _, _ = img_dir
    m = np.zeros((12, 16), np.uint8, order='F')
    m[4:6, 5:9] = 1
    r = ann_results(prefix)
    r['ann_info']['masks'] = [mask_utils.encode(np.asfortranarray(m)), r['ann_info']['masks'][1]]
    out = LoadAnnotations(with_mask=True)(r)
    np.testing.assert_array_equal(out['gt_masks'].masks[0], m)
    r = ann_results(prefix)
    r['img_shape'] = (12, 16, 3)
    r['ann_info']['bboxes'] = np.array([[0.5, 0.5, 1.0, 1.0]], np.float32)
    out = LoadAnnotations(denorm_bbox=True)(r)
    np.testing.assert_array_equal(out['gt_bboxes'], [[8, 6, 16, 12]])
    with pytest.raises(PipelineKeyError, match="LoadAnnotations.*'ann_info'"):
        LoadAnnotations()(base_results(prefix))


def test_load_proposals():
    r = LoadProposals(num_max_proposals=2)(dict(proposals=np.array([[0, 0, 4, 4, .9], [1, 1, 5, 5, .8],
                                                                     [2, 2, 3, 3, .1]], np.float32)))
    assert r['proposals'].shape == (2, 4) and r['bbox_fields'] == ['proposals']
    r = LoadProposals()(dict(proposals=np.zeros((0, 4), np.float32)))
    assert r['proposals'].shape == (1, 4)
    with pytest.raises(ValueError, match='proposals'):
        LoadProposals()(dict(proposals=np.zeros((3, 6))))


def test_filter_annotations():
    r = dict(gt_bboxes=np.array([[0, 0, 10, 10], [0, 0, 0.5, 10], [0, 0, 3, 3]], np.float32),
             gt_labels=np.array([1, 2, 3]),
             gt_masks=BitmapMasks(np.stack([np.ones((12, 12)), np.ones((12, 12)), np.zeros((12, 12))]).astype(
                 np.uint8), 12, 12))
    out = FilterAnnotations(min_gt_bbox_wh=(1, 1), by_mask=True)(dict(r))
    assert out['gt_labels'].tolist() == [1] and len(out['gt_masks']) == 1
    out = FilterAnnotations(min_gt_bbox_wh=(5, 5))(dict(r))
    assert out['gt_labels'].tolist() == [1]
    assert FilterAnnotations(min_gt_bbox_wh=(50, 50))(dict(r)) is None
    kept = FilterAnnotations(min_gt_bbox_wh=(50, 50), keep_empty=False)(dict(r))
    assert kept['gt_bboxes'].shape == (0, 4)


def test_registry_and_compose_errors(img_dir):
    prefix, _, _ = img_dir
    for name in ('LoadImageFromFile', 'LoadAnnotations', 'Resize', 'RandomFlip', 'Normalize', 'Pad',
                 'DefaultFormatBundle', 'Collect', 'MultiScaleFlipAug', 'Mosaic', 'MixUp', 'RandomAffine',
                 'MinIoURandomCrop', 'Expand', 'RandomCrop', 'PhotoMetricDistortion', 'YOLOXHSVRandomAug',
                 'CutOut', 'SegRescale', 'ImageToTensor', 'ToTensor', 'Transpose', 'ToDataContainer',
                 'FilterAnnotations', 'LoadProposals', 'LoadImageFromWebcam', 'LoadMultiChannelImageFromFiles'):
        assert PIPELINES.get(name) is not None, name
    pipe = Compose([dict(type='LoadImageFromFile'), dict(type='Normalize', mean=[0, 0, 0], std=[1, 1, 1]),
                    dict(type='Collect', keys=['img', 'gt_bboxes'])])
    assert 'Normalize' in repr(pipe)
    # the default meta keys need pad_shape (set by Resize/Pad/DefaultFormatBundle): named with a hint
    with pytest.raises(PipelineKeyError, match="Collect.*'pad_shape'.*Resize or Pad"):
        pipe(base_results(prefix))
    pipe = Compose([dict(type='LoadImageFromFile'), dict(type='Collect', keys=['img', 'gt_bboxes'],
                                                         meta_keys=['filename'])])
    with pytest.raises(PipelineKeyError, match="Collect.*'gt_bboxes'"):
        pipe(base_results(prefix))
    # a plain KeyError inside a custom transform is reported with the transform's name

    class NeedsFoo:
        def __call__(self, results):
            return results['foo']
    with pytest.raises(PipelineKeyError, match="NeedsFoo.*'foo'"):
        Compose([NeedsFoo()])({})
    with pytest.raises(TypeError):
        Compose([3])
    assert Compose([lambda r: None, NeedsFoo()])({}) is None
