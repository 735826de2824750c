import numpy as np
import pytest

from tests.golden import load_golden
from workbench.evaluation import bbox_overlaps


def test_matches_golden_iou_and_iof():
    iou = load_golden('components.pth')['iou']
    b1, b2 = iou['bboxes1'].numpy(), iou['bboxes2'].numpy()
    np.testing.assert_allclose(bbox_overlaps(b1, b2), iou['iou'].numpy(), atol=1e-5)
    np.testing.assert_allclose(bbox_overlaps(b1, b2, mode='iof'), iou['iof'].numpy(), atol=1e-5)


def test_hand_values_legacy_and_empty():
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30]], np.float32)
    np.testing.assert_allclose(bbox_overlaps(a, b), [[50 / 150, 0]], rtol=1e-6)
    np.testing.assert_allclose(bbox_overlaps(a, b, mode='iof'), [[0.5, 0]], rtol=1e-6)
    # legacy: widths are +1 -> 11x11 boxes overlapping 6x11
    np.testing.assert_allclose(bbox_overlaps(a, b, use_legacy_coordinate=True)[0, 0], 66 / (121 + 121 - 66), rtol=1e-6)
    # iof is always relative to the first argument, also when it has more rows
    big = np.array([[0, 0, 10, 10], [0, 0, 20, 20], [0, 0, 4, 4]], np.float32)
    np.testing.assert_allclose(bbox_overlaps(big, a, mode='iof')[:, 0], [1, 0.25, 1], rtol=1e-6)
    assert bbox_overlaps(np.zeros((0, 4)), b).shape == (0, 2)
    assert bbox_overlaps(a, b).dtype == np.float32
    with pytest.raises(ValueError, match='mode'):
        bbox_overlaps(a, b, mode='giou')
