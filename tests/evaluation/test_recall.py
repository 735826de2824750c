import numpy as np
import pytest

from workbench.evaluation import eval_recalls, print_recall_summary


def test_eval_recalls_hand_case(capsys):
    gts = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32), np.array([[0, 0, 10, 10]], np.float32)]
    props = [np.array([[0, 0, 10, 10, 0.9], [20, 20, 30, 26, 0.8], [50, 50, 60, 60, 0.95]], np.float32),
             np.array([[0, 0, 10, 7, 0.5]], np.float32)]
    rec = eval_recalls(gts, props, proposal_nums=[1, 3], iou_thrs=[0.5, 0.65], logger='silent')
    assert rec.shape == (2, 2)
    # top-1 (by score) of image 0 is the far box; image 1's box has IoU 0.7
    np.testing.assert_allclose(rec[0], [1 / 3, 1 / 3])
    # all proposals: IoUs 1.0, 0.6, 0.7 -> 3/3 at 0.5, 2/3 at 0.65
    np.testing.assert_allclose(rec[1], [1.0, 2 / 3])
    print_recall_summary(rec, [1, 3], [0.5, 0.65])
    assert '0.667' in capsys.readouterr().out


def test_eval_recalls_one_proposal_per_gt_and_empty_images():
    gts = [np.array([[0, 0, 10, 10], [0, 0, 10, 10]], np.float32), np.zeros((0, 4), np.float32)]
    props = [np.array([[0, 0, 10, 10]], np.float32), np.array([[0, 0, 5, 5]], np.float32)]
    rec = eval_recalls(gts, props, proposal_nums=10, iou_thrs=0.5, logger='silent')
    assert rec.shape == (1, 1)
    assert rec[0, 0] == pytest.approx(0.5)  # one proposal can only cover one of the two gts
    with pytest.raises(ValueError, match='2 images of gts but 1'):
        eval_recalls(gts, props[:1])
