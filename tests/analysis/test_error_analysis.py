import numpy as np
import pytest

from workbench.analysis.error_analysis import ERROR_TYPES, error_analysis

CLASSES = ('cat', 'dog')


def det(*rows):
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def empty():
    return np.zeros((0, 5), dtype=np.float32)


def gt(boxes, labels, ignore=None):
    d = dict(bboxes=np.array(boxes, dtype=np.float32).reshape(-1, 4), labels=np.array(labels, dtype=np.int64))
    if ignore is not None:
        d['bboxes_ignore'] = np.array(ignore, dtype=np.float32).reshape(-1, 4)
    return d


ANNS = [gt([[0, 0, 10, 10], [20, 20, 40, 40]], [0, 1]), gt([[5, 5, 25, 25]], [0])]


def perfect():
    return [[det([0, 0, 10, 10, 0.9]), det([20, 20, 40, 40, 0.8])], [det([5, 5, 25, 25, 0.7]), empty()]]


def test_perfect_predictions_have_no_errors():
    ea = error_analysis(perfect(), ANNS, CLASSES)
    assert ea.map == pytest.approx(100.0)
    assert len(ea.instances) == 0
    assert (ea.counts['total'] == 0).all()
    np.testing.assert_allclose(ea.delta_ap['overall'].values, 0.0)


def test_each_error_type_on_hand_made_cases():
    res = perfect()
    # shifted box of the right class: IoU 0.33 -> localization
    res[1][0] = det([10, 10, 30, 30, 0.7])
    ea = error_analysis(res, ANNS, CLASSES)
    row = ea.instances.iloc[0]
    assert list(ea.instances.error_type) == ['localization']
    assert row.image_index == 1 and row.gt_index == 0 and row.iou == pytest.approx(225 / 575)
    assert ea.delta_ap.loc['localization', 'overall'] > 0
    assert ea.counts.loc['missed', 'total'] == 0  # the object was found, just badly: not also a miss

    # right box, wrong class -> classification
    res = perfect()
    res[1] = [empty(), det([5, 5, 25, 25, 0.7])]
    ea = error_analysis(res, ANNS, CLASSES)
    assert list(ea.instances.error_type) == ['classification']
    assert ea.delta_ap.loc['classification', 'overall'] > 0

    # wrong class and loose box -> both
    res = perfect()
    res[1] = [empty(), det([10, 10, 30, 30, 0.7])]
    ea = error_analysis(res, ANNS, CLASSES)
    assert list(ea.instances.error_type) == ['both']

    # second detection on an already matched GT -> duplicate
    res = perfect()
    res[0][0] = det([0, 0, 10, 10, 0.9], [0, 0, 10, 11, 0.8])  # ranks above the TP of image 1
    ea = error_analysis(res, ANNS, CLASSES)
    assert list(ea.instances.error_type) == ['duplicate']
    assert ea.delta_ap.loc['duplicate', 'cat'] > 0 and ea.delta_ap.loc['duplicate', 'dog'] == 0

    # detection far from everything -> background
    res = perfect()
    res[0][1] = det([20, 20, 40, 40, 0.8], [100, 100, 120, 120, 0.95])
    ea = error_analysis(res, ANNS, CLASSES)
    assert list(ea.instances.error_type) == ['background']
    assert ea.delta_ap.loc['background', 'overall'] > 0

    # no detection at all for a GT -> missed; fixing it (dropping the GT) restores AP 100
    res = perfect()
    res[1][0] = empty()
    ea = error_analysis(res, ANNS, CLASSES)
    assert list(ea.instances.error_type) == ['missed']
    assert ea.per_class_ap['cat'] == pytest.approx(100 * 51 / 101)  # COCO 101-point: recall 0..0.5
    assert ea.map + ea.delta_ap.loc['missed', 'overall'] == pytest.approx(100.0)


def test_ignore_regions_are_not_errors():
    anns = [gt([[0, 0, 10, 10]], [0], ignore=[[50, 50, 80, 80]])]
    res = [[det([0, 0, 10, 10, 0.9], [55, 55, 75, 75, 0.95]), empty()]]
    ea = error_analysis(res, anns, CLASSES)
    assert len(ea.instances) == 0 and ea.map == pytest.approx(100.0)


def test_error_types_are_complete_and_ordered():
    ea = error_analysis(perfect(), ANNS, CLASSES)
    assert tuple(ea.delta_ap.index) == ERROR_TYPES
    assert list(ea.summary().index)[0] in ERROR_TYPES
