"""A YOLOX-style training pipeline (Mosaic, RandomAffine, MixUp, ...) through the dataset wrapper that feeds
multi-image transforms (MultiImageMixDataset), on the golden images."""
import numpy as np
import pytest
import torch

from tests.golden import GOLDEN_DIR, require_golden

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')


def test_yolox_pipeline_through_multi_image_mix_dataset(monkeypatch):
    require_golden('data', 'annotations.json')
    import workbench.datasets as datasets
    monkeypatch.chdir(GOLDEN_DIR.parent)
    inner = datasets.CocoDataset(
        ann_file='golden/data/annotations.json', classes=CLASSES, img_prefix='golden/data/images/',
        filter_empty_gt=False, pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')])
    mix = datasets.MultiImageMixDataset(inner, pipeline=[
        dict(type='Mosaic', img_scale=(128, 160)),
        dict(type='RandomAffine', border=(-64, -80)),
        dict(type='MixUp', img_scale=(128, 160)),
        dict(type='YOLOXHSVRandomAug'),
        dict(type='RandomFlip', flip_ratio=0.5),
        dict(type='Resize', img_scale=(160, 128), keep_ratio=True),
        dict(type='Pad', pad_to_square=True, pad_val=dict(img=(114.0, 114.0, 114.0))),
        dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
        dict(type='DefaultFormatBundle'),
        dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels'])])
    np.random.seed(0)
    for i in range(3):
        d = mix[i]
        img, boxes, labels = d['img'].data, d['gt_bboxes'].data, d['gt_labels'].data
        assert img.shape == (3, 160, 160) and img.dtype == torch.float32
        h, w = d['img_metas'].data['img_shape'][:2]
        assert len(boxes) == len(labels) > 0
        assert (boxes >= 0).all() and (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
        assert ((boxes[:, 2] - boxes[:, 0]) > 1).all() and ((boxes[:, 3] - boxes[:, 1]) > 1).all()
        assert set(labels.tolist()) <= set(range(len(CLASSES)))
