"""Pipeline parity with MMDetection 2.28.2: data_eval.pth['pipeline'] (train_0/1, test_0/1) on golden/data."""
import json

import numpy as np
import pytest
import torch

from tests.golden import GOLDEN_DIR, load_golden, require_golden
from workbench.datasets.pipelines import Compose
from workbench.parallel import DataContainer

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')
IMG_PREFIX = 'golden/data/images/'  # file names in the golden metas are relative to the folder holding golden/


def coco_results(idx, test_mode=False):
    """The results dict CocoDataset.pre_pipeline gives transform 0, built straight from annotations.json."""
    ann_file = require_golden('data', 'annotations.json')
    coco = json.loads(ann_file.read_text())
    cat_ids = [c['id'] for c in coco['categories'] if c['name'] in CLASSES]
    cat2label = {cid: i for i, cid in enumerate(cat_ids)}
    img = dict(coco['images'][idx])
    img['filename'] = img['file_name']
    results = dict(img_info=img, img_prefix=IMG_PREFIX, seg_prefix=None, proposal_file=None, bbox_fields=[],
                   mask_fields=[], seg_fields=[])
    if test_mode:
        return results
    bboxes, labels, ignore, masks = [], [], [], []
    for ann in coco['annotations']:
        if ann['image_id'] != img['id']:
            continue
        x1, y1, w, h = ann['bbox']
        if ann['area'] <= 0 or w < 1 or h < 1 or ann['category_id'] not in cat2label:
            continue
        box = [x1, y1, x1 + w, y1 + h]
        if ann.get('iscrowd', False):
            ignore.append(box)
        else:
            bboxes.append(box)
            labels.append(cat2label[ann['category_id']])
            masks.append(ann['segmentation'])
    results['ann_info'] = dict(
        bboxes=np.array(bboxes, dtype=np.float32).reshape(-1, 4), labels=np.array(labels, dtype=np.int64),
        bboxes_ignore=np.array(ignore, dtype=np.float32).reshape(-1, 4), masks=masks,
        seg_map=img['filename'].rsplit('.', 1)[0] + '.png')
    return results


@pytest.fixture(scope='module')
def golden():
    return load_golden('data_eval.pth')


@pytest.fixture
def in_golden_parent(monkeypatch):
    require_golden('data')
    monkeypatch.chdir(GOLDEN_DIR.parent)


def _as_np(x):
    return x.numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def assert_meta_equal(meta, ref):
    assert set(meta) == set(ref)
    for key in ('filename', 'ori_filename', 'flip', 'flip_direction'):
        assert meta[key] == ref[key], key
    for key in ('ori_shape', 'img_shape', 'pad_shape'):
        assert tuple(meta[key]) == tuple(ref[key]), key
    np.testing.assert_allclose(_as_np(meta['scale_factor']), _as_np(ref['scale_factor']), rtol=1e-6)
    assert meta['scale_factor'].dtype == np.float32
    for key in ('mean', 'std'):
        np.testing.assert_allclose(meta['img_norm_cfg'][key], _as_np(ref['img_norm_cfg'][key]), rtol=1e-6)
    assert meta['img_norm_cfg']['to_rgb'] == ref['img_norm_cfg']['to_rgb']


def check_train(out, ref):
    assert set(out) == {'img_metas', 'img', 'gt_bboxes', 'gt_labels', 'gt_masks'}
    assert isinstance(out['img'], DataContainer) and out['img'].stack
    assert out['img_metas'].cpu_only and out['gt_masks'].cpu_only
    img = out['img'].data
    assert img.dtype == torch.float32 and img.shape == ref['img'].shape
    torch.testing.assert_close(img, ref['img'], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out['gt_bboxes'].data, ref['gt_bboxes'], atol=1e-5, rtol=1e-5)
    assert torch.equal(out['gt_labels'].data, ref['gt_labels'])
    masks = out['gt_masks'].data.to_ndarray()
    assert masks.dtype == np.uint8
    np.testing.assert_array_equal(masks, ref['gt_masks'].numpy())
    assert_meta_equal(out['img_metas'].data, ref['img_metas'])


@pytest.mark.parametrize('idx', [0, 1])
def test_train_pipeline_matches_mmdet(golden, in_golden_parent, idx):
    pipeline = Compose(golden['train_pipeline'])
    out = pipeline(coco_results(idx))
    check_train(out, golden['pipeline'][f'train_{idx}'])


@pytest.mark.parametrize('idx', [0, 1])
def test_test_pipeline_matches_mmdet(golden, in_golden_parent, idx):
    pipeline = Compose(golden['test_pipeline'])
    out = pipeline(coco_results(idx, test_mode=True))
    ref = golden['pipeline'][f'test_{idx}']
    assert set(out) == {'img', 'img_metas'}
    assert len(out['img']) == len(ref['imgs']) == 2
    for img, ref_img in zip(out['img'], ref['imgs']):
        assert img.dtype == torch.float32
        torch.testing.assert_close(img, ref_img, atol=1e-5, rtol=1e-5)
    for meta, ref_meta in zip(out['img_metas'], ref['img_metas']):
        assert isinstance(meta, DataContainer) and meta.cpu_only
        assert_meta_equal(meta.data, ref_meta)


def test_train_pipeline_through_coco_dataset(golden, in_golden_parent):
    """The same parity through the project's CocoDataset (integration with workbench.datasets)."""
    coco_mod = pytest.importorskip('workbench.datasets.coco')
    ds = coco_mod.CocoDataset(ann_file='golden/data/annotations.json', pipeline=golden['train_pipeline'],
                              classes=CLASSES, img_prefix=IMG_PREFIX, filter_empty_gt=False)
    for idx in (0, 1):
        check_train(ds[idx], golden['pipeline'][f'train_{idx}'])
    ds = coco_mod.CocoDataset(ann_file='golden/data/annotations.json', pipeline=golden['test_pipeline'],
                              classes=CLASSES, img_prefix=IMG_PREFIX, test_mode=True)
    for idx in (0, 1):
        out, ref = ds[idx], golden['pipeline'][f'test_{idx}']
        for img, ref_img in zip(out['img'], ref['imgs']):
            torch.testing.assert_close(img, ref_img, atol=1e-5, rtol=1e-5)
        for meta, ref_meta in zip(out['img_metas'], ref['img_metas']):
            assert_meta_equal(meta.data, ref_meta)
