import numpy as np
import pytest

from tests.golden import require_golden
from workbench.visualization.dataset_view import filter_image_indices

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')
NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


@pytest.fixture(scope='module')
def golden_dataset():
    from workbench.datasets import CocoDataset
    root = require_golden('data')
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
                dict(type='Resize', img_scale=(160, 120), keep_ratio=True), dict(type='RandomFlip', flip_ratio=0.5),
                dict(type='Normalize', **NORM), dict(type='Pad', size_divisor=32), dict(type='DefaultFormatBundle'),
                dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels', 'gt_masks'])]
    return CocoDataset(str(root / 'annotations.json'), pipeline, img_prefix=str(root / 'images') + '/',
                       classes=CLASSES)


def test_browser_pages_filters_and_pipeline_view(golden_dataset):
    from workbench.widgets import DatasetBrowser
    browser = DatasetBrowser(golden_dataset)
    assert browser.indices == list(range(6))
    first = browser.image.value
    assert browser.current_sample['img'].shape == (240, 320, 3)
    assert browser.current_sample['masks'].shape[0] == len(browser.current_sample['bboxes'])
    browser.step(1)
    assert browser.current_index == 1 and browser.image.value != first

    # class filter: only images holding a 'cross'
    browser.class_filter.value = ('cross',)
    ann_has_cross = [i for i in range(6) if 3 in golden_dataset.get_ann_info(i)['labels']]
    assert browser.indices == ann_has_cross and browser.current_index == ann_has_cross[0]

    # pipeline view: resized (keep ratio to fit 160x120) and padded to a multiple of 32, de-normalised to uint8
    browser.class_filter.value = ()
    browser.pipeline_toggle.value = True
    sample = browser.current_sample
    assert sample['img'].shape == (128, 160, 3) and sample['img'].dtype == np.uint8
    assert sample['meta']['img_shape'] == (120, 160, 3)
    assert len(sample['bboxes']) == len(golden_dataset.get_ann_info(0)['bboxes'])
    # the de-normalised image matches the resized original up to flip and interpolation
    raw = browser.dataset.get_ann_info(0)
    assert sample['bboxes'][:, 2].max() <= 160 and len(raw['bboxes']) > 0
    browser.resample.click()  # draws again without error

    browser.class_filter.value = ('cross',)
    browser.objects_filter.value = (0, 0)  # images with a cross but no objects: none
    assert browser.indices == [] and 'no image' in browser.caption.value


def test_filter_image_indices_by_size():
    import pandas as pd
    table = pd.DataFrame(dict(image_index=[0, 0, 2], class_name=['a', 'b', 'a'], sqrt_area=[5.0, 50.0, 20.0]))
    assert filter_image_indices(table, 3) == [0, 1, 2]
    assert filter_image_indices(table, 3, min_objects=1) == [0, 2]
    assert filter_image_indices(table, 3, classes=['b']) == [0]
    assert filter_image_indices(table, 3, min_box_size=10, max_box_size=30) == [2]
    assert filter_image_indices(table, 3, max_objects=1) == [1, 2]
