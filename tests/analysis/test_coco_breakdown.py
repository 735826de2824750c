import numpy as np
import pytest

from tests.analysis.test_result_analysis import CLASSES, golden_annotations, golden_results
from workbench.analysis.coco_breakdown import BREAKDOWN_TYPES, coco_precision_breakdown, plot_coco_breakdown


def test_breakdown_is_monotone_and_matches_coco_ap():
    results, ev = golden_results()
    table, curves = coco_precision_breakdown(results, golden_annotations(), CLASSES)
    allc = table[(table.class_name == 'all') & (table.area == 'all')].set_index('type').ap
    # C50/C75 are the COCO AP50/AP75 of the same results (mean over classes of interpolated precision)
    assert allc['C50'] == pytest.approx(ev['bbox_classwise']['bbox_mAP_50'], abs=1e-4)
    assert allc['C75'] == pytest.approx(ev['bbox_classwise']['bbox_mAP_75'], abs=1e-4)
    # each relaxation can only raise precision
    values = [allc[t] for t in BREAKDOWN_TYPES]
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:]))
    assert allc['FN'] == pytest.approx(1.0)
    # without supercategories, Sim forgives nothing more than Loc
    assert allc['Sim'] == pytest.approx(allc['Loc'])


def test_class_confusion_is_forgiven_by_oth():
    anns = [dict(bboxes=np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32), labels=np.array([0, 1]))]
    # class 0 predicts the class-1 object with a higher score than its own object
    res = [[np.array([[20, 20, 30, 30, 0.9], [0, 0, 10, 10, 0.5]], np.float32), np.zeros((0, 5), np.float32)]]
    table, _ = coco_precision_breakdown(res, anns, ['a', 'b'], supercategories={'a': 'animal', 'b': 'animal'})
    a = table[(table.class_name == 'a') & (table.area == 'all')].set_index('type').ap
    assert a['C50'] < 1.0
    assert a['Sim'] == pytest.approx(1.0) and a['Oth'] == pytest.approx(1.0)
    table2, _ = coco_precision_breakdown(res, anns, ['a', 'b'])
    a2 = table2[(table2.class_name == 'a') & (table2.area == 'all')].set_index('type').ap
    assert a2['Sim'] < 1.0 and a2['Oth'] == pytest.approx(1.0)


def test_plot_breakdown():
    import matplotlib
    matplotlib.use('Agg')
    results, _ = golden_results()
    _, curves = coco_precision_breakdown(results, golden_annotations(), CLASSES)
    fig = plot_coco_breakdown(curves)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [lbl.split()[-1] for lbl in labels] == list(BREAKDOWN_TYPES)
