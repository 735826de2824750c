"""DetectionResult: the tidy per-image detections and its round trip with mmdet 2.x results."""
import numpy as np
import pytest

from workbench.core.structures import DetectionResult


def _mmdet_result():
    return [np.array([[1, 2, 3, 4, 0.9], [5, 6, 7, 8, 0.2]], dtype=np.float32), np.zeros((0, 5), np.float32),
            np.array([[10, 10, 20, 30, 0.5]], dtype=np.float32)]


def test_round_trip_and_dataframe():
    det = DetectionResult.from_mmdet(_mmdet_result(), ('cat', 'dog', 'fox'))
    assert len(det) == 3
    np.testing.assert_array_equal(det.labels, [0, 0, 2])
    back = det.to_mmdet()
    for a, b in zip(back, _mmdet_result()):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float32
    df = det.to_dataframe()
    assert list(df.columns) == ['x1', 'y1', 'x2', 'y2', 'width', 'height', 'score', 'label', 'class_name']
    assert df['class_name'].tolist() == ['cat', 'cat', 'fox']
    assert df['width'].tolist() == [2.0, 2.0, 10.0]
    assert len(det.filter(0.4)) == 2


def test_masks_and_errors():
    masks = [[np.ones((4, 4), bool), np.zeros((4, 4), bool)], [], [np.eye(4, dtype=bool)]]
    det = DetectionResult.from_mmdet((_mmdet_result(), masks), ('cat', 'dog', 'fox'))
    assert len(det.masks) == 3 and det.masks[2].sum() == 4
    bbox_res, segm_res = det.to_mmdet()
    assert [len(s) for s in segm_res] == [2, 0, 1]
    with pytest.raises(ValueError, match='class_names'):
        DetectionResult.from_mmdet(_mmdet_result(), ('cat', 'dog'))
    with pytest.raises(ValueError, match='scores'):
        DetectionResult(np.zeros((2, 4)), np.zeros(3), np.zeros(2))


def test_empty():
    det = DetectionResult.from_mmdet([np.zeros((0, 5), np.float32)] * 2, ('a', 'b'))
    assert len(det) == 0 and det.to_dataframe().empty
    assert [a.shape for a in det.to_mmdet()] == [(0, 5), (0, 5)]
