import numpy as np
import pandas as pd
import pytest

from workbench.evaluation import (coco_classes, coco_eval_to_dataframe, coco_evaluate, eval_map_dataframe,
                                  get_classes, get_coco_api, map_results_to_dataframe, voc_classes)


def _coco_gt():
    return dict(images=[dict(id=1, file_name='a.png', width=100, height=100)],
                annotations=[dict(id=1, image_id=1, category_id=7, bbox=[10, 10, 40, 40], area=1600, iscrowd=0),
                             dict(id=2, image_id=1, category_id=9, bbox=[60, 60, 30, 30], area=900, iscrowd=0)],
                categories=[dict(id=7, name='a'), dict(id=9, name='b')])


def test_coco_eval_dataframe_and_backends():
    gt = _coco_gt()
    preds = [dict(image_id=1, category_id=7, bbox=[10, 10, 40, 40], score=0.9),
             dict(image_id=1, category_id=9, bbox=[0, 0, 10, 10], score=0.8)]
    ev = coco_evaluate(gt, preds, 'bbox', logger='silent')
    df = coco_eval_to_dataframe(ev)
    assert list(df['class']) == ['a', 'b']
    assert {'AP', 'AP50', 'AP75', 'n_gt', 'n_det', 'recall'} <= set(df.columns)
    assert df.loc[0, 'AP'] == pytest.approx(1.0) and df.loc[1, 'AP'] == pytest.approx(0.0)
    assert df['n_gt'].tolist() == [1, 1] and df['n_det'].tolist() == [1, 1]
    assert df.loc[0, 'recall'] == pytest.approx(1.0)
    pytest.importorskip('faster_coco_eval')
    fast = coco_evaluate(gt, preds, 'bbox', backend='faster_coco_eval', logger='silent')
    np.testing.assert_allclose(fast.stats, ev.stats)
    pd.testing.assert_frame_equal(coco_eval_to_dataframe(fast), df)


def test_coco_evaluate_errors():
    with pytest.raises(ValueError, match='empty'):
        coco_evaluate(_coco_gt(), [], 'bbox')
    with pytest.raises(ValueError, match='iou_type'):
        coco_evaluate(_coco_gt(), [dict(image_id=1, category_id=7, bbox=[0, 0, 1, 1], score=1.0)], 'keypoints')
    with pytest.raises(ValueError, match='unknown COCO evaluation backend'):
        get_coco_api('detectron')


def test_map_dataframes():
    ann = [dict(bboxes=np.array([[0, 0, 10, 10]], np.float32), labels=np.array([0]))]
    res = [[np.array([[0, 0, 10, 10, 0.9], [0, 0, 10, 6, 0.5]], np.float32), np.zeros((0, 5), np.float32)]]
    df = eval_map_dataframe(res, ann, class_names=['x', 'y'])
    assert list(df.columns) == ['class', 'AP', 'AP50', 'AP75', 'n_gt', 'n_det', 'recall']
    assert df.loc[0, 'AP50'] == pytest.approx(1.0) and df.loc[0, 'n_det'] == 2 and df.loc[1, 'n_gt'] == 0
    from workbench.evaluation import eval_map
    _, per_class = eval_map(res, ann, nproc=1, logger='silent', scale_ranges=[(0, 5), (5, 100)])
    tidy = map_results_to_dataframe(per_class, ['x', 'y'], scale_ranges=[(0, 5), (5, 100)])
    assert len(tidy) == 4 and 'scale_range' in tidy.columns


def test_class_names():
    assert len(coco_classes()) == 80 and coco_classes()[0] == 'person'
    assert len(voc_classes()) == 20
    assert get_classes('voc07') == voc_classes()
    assert get_classes('shapes') == ['rect', 'ellipse', 'triangle', 'cross']
    with pytest.raises(ValueError, match='unknown dataset'):
        get_classes('imagenet-22k')
