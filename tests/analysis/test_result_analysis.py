import json

import numpy as np
import pytest

from tests.golden import load_golden, require_golden
from workbench.analysis.result_analysis import (per_class_ap, plot_pr_curves, pr_curves, score_threshold_sweep,
                                                top_k_images)

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')


def golden_annotations():
    """Ground truth of the golden data in mmdet's middle format (xyxy boxes, contiguous labels)."""
    coco = json.loads(require_golden('data', 'annotations.json').read_text())
    cat2label = {c['id']: i for i, c in enumerate(sorted(coco['categories'], key=lambda c: c['id']))}
    anns = []
    for img in sorted(coco['images'], key=lambda i: i['id']):
        boxes, labels, ignore = [], [], []
        for a in coco['annotations']:
            if a['image_id'] != img['id']:
                continue
            x, y, w, h = a['bbox']
            (ignore if a['iscrowd'] else boxes).append([x, y, x + w, y + h])
            if not a['iscrowd']:
                labels.append(cat2label[a['category_id']])
        anns.append(dict(bboxes=np.array(boxes, np.float32).reshape(-1, 4), labels=np.array(labels, np.int64),
                         bboxes_ignore=np.array(ignore, np.float32).reshape(-1, 4)))
    return anns


def golden_results():
    ev = load_golden('data_eval.pth')['evaluation']
    return [[np.asarray(c, dtype=np.float32) for c in img] for img in ev['results']], ev


def test_per_class_ap_agrees_with_mmdet_coco_evaluation():
    results, ev = golden_results()
    table = per_class_ap(results, golden_annotations(), CLASSES)
    expected = ev['bbox_classwise']
    # mmdet's bbox_mAP is the mean of the per-class APs of the classwise table, rounded to 4 places
    assert round(table.AP.mean(), 4) == pytest.approx(expected['bbox_mAP'], abs=1e-4)
    assert round(table.AP50.mean(), 4) == pytest.approx(expected['bbox_mAP_50'], abs=1e-4)
    assert round(table.AP75.mean(), 4) == pytest.approx(expected['bbox_mAP_75'], abs=1e-4)


def test_pr_curves_mean_equals_ap50():
    results, ev = golden_results()
    curves = pr_curves(results, golden_annotations(), CLASSES, iou_thrs=(0.5,))
    per_class = curves[curves.class_name != 'all'].groupby('class_name').precision.mean()
    assert per_class.mean() == pytest.approx(ev['bbox_classwise']['bbox_mAP_50'], abs=1e-4)
    assert len(curves) == 101 * 5
    # interpolated precision never increases with recall
    for _, df in curves.groupby('class_name'):
        p = df.precision.dropna().values
        assert np.all(np.diff(p) <= 1e-12)
    import matplotlib
    matplotlib.use('Agg')
    fig = plot_pr_curves(curves)
    fig.canvas.draw()
    assert np.asarray(fig.canvas.buffer_rgba()).shape[0] > 100


def test_score_threshold_sweep_hand_made():
    anns = [dict(bboxes=np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32), labels=np.array([0, 0]))]
    res = [[np.array([[0, 0, 10, 10, 0.9], [50, 50, 60, 60, 0.6], [20, 20, 30, 30, 0.3]], np.float32)]]
    sweep = score_threshold_sweep(res, anns, ['a'], thresholds=[0.0, 0.5, 0.95])
    row = sweep[(sweep.class_name == 'a') & (sweep.score_thr == 0.5)].iloc[0]
    assert (row.tp, row.fp, row.fn) == (1, 1, 1)
    assert row.precision == pytest.approx(0.5) and row.recall == pytest.approx(0.5) and row.f1 == pytest.approx(0.5)
    row0 = sweep[(sweep.class_name == 'all') & (sweep.score_thr == 0.0)].iloc[0]
    assert row0.recall == pytest.approx(1.0) and row0.precision == pytest.approx(2 / 3)
    row_hi = sweep[(sweep.class_name == 'a') & (sweep.score_thr == 0.95)].iloc[0]
    assert row_hi.tp == 0 and np.isnan(row_hi.precision) and row_hi.f1 == 0.0


def test_top_k_images_orders_by_map():
    import pandas as pd
    per_image = pd.DataFrame(dict(image_index=[0, 1, 2, 3], mAP=[0.5, 0.9, 0.1, 0.7], n_gt=1, n_det=1))
    best, worst = top_k_images(per_image, k=2)
    assert list(best.image_index) == [1, 3] and list(worst.image_index) == [2, 0]
