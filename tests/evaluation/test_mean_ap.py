"""eval_map / average_precision / tpfp_* on small hand-checked cases."""
import numpy as np
import pytest

from workbench.evaluation import (average_precision, eval_map, print_map_summary, tpfp_default, tpfp_imagenet,
                                  tpfp_openimages)


def dets(*rows):
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def boxes(*rows):
    return np.array(rows, dtype=np.float32).reshape(-1, 4)


def test_average_precision_area_and_11points():
    rec = np.array([0.5, 0.5, 1.0])
    prec = np.array([1.0, 0.5, 2 / 3], dtype=np.float32)
    # area: precision envelope 1 up to recall 0.5, then 2/3 up to recall 1
    assert average_precision(rec, prec, 'area') == pytest.approx(0.5 + 0.5 * 2 / 3, rel=1e-6)
    # 11 points: 0..0.5 (6 points) -> 1, 0.6..1.0 (5 points) -> 2/3
    assert average_precision(rec, prec, '11points') == pytest.approx((6 + 5 * 2 / 3) / 11, rel=1e-6)
    two = average_precision(np.stack([rec, rec]), np.stack([prec, prec]), 'area')
    assert two.shape == (2,)
    with pytest.raises(ValueError, match='mode'):
        average_precision(rec, prec, 'bogus')


def test_tpfp_default_matching_duplicates_and_ignore():
    gt = boxes([0, 0, 10, 10], [20, 20, 30, 30])
    ign = boxes([50, 50, 60, 60])
    d = dets([0, 0, 10, 10, 0.9],  # tp
             [0, 0, 10, 9, 0.8],  # duplicate of gt 0 -> fp
             [50, 50, 60, 60, 0.7],  # matches an ignored gt -> neither
             [100, 100, 110, 110, 0.6])  # nothing -> fp
    tp, fp = tpfp_default(d, gt, ign, iou_thr=0.5)
    np.testing.assert_array_equal(tp, [[1, 0, 0, 0]])
    np.testing.assert_array_equal(fp, [[0, 1, 0, 1]])
    # no gt at all: everything is a false positive
    tp, fp = tpfp_default(d, boxes(), None)
    assert tp.sum() == 0 and fp.sum() == 4


def test_tpfp_default_area_ranges():
    gt = boxes([0, 0, 10, 10], [0, 0, 40, 40])  # areas 100, 1600
    d = dets([0, 0, 10, 10, 0.9], [0, 0, 40, 40, 0.8], [100, 100, 105, 105, 0.5])  # last: area 25, unmatched
    tp, fp = tpfp_default(d, gt, None, area_ranges=[(0, 32 ** 2), (32 ** 2, 1e10)])
    np.testing.assert_array_equal(tp, [[1, 0, 0], [0, 1, 0]])
    # the unmatched small detection is a fp only in the small range; matches to out-of-range gts count as neither
    np.testing.assert_array_equal(fp, [[0, 0, 1], [0, 0, 0]])


def test_eval_map_perfect_and_scale_ranges():
    ann = [dict(bboxes=boxes([0, 0, 10, 10], [0, 0, 50, 50]), labels=np.array([0, 1]))]
    res = [[dets([0, 0, 10, 10, 0.9]), dets([0, 0, 50, 50, 0.8])]]
    mean_ap, per_class = eval_map(res, ann, nproc=1, logger='silent')
    assert mean_ap == pytest.approx(1.0)
    assert [r['num_gts'] for r in per_class] == [1, 1]
    mean_ap, per_class = eval_map(res, ann, scale_ranges=[(0, 32), (32, 1e5)], nproc=1, logger='silent')
    assert isinstance(mean_ap, list) and len(mean_ap) == 2
    np.testing.assert_array_equal(per_class[0]['num_gts'], [1, 0])
    np.testing.assert_array_equal(per_class[1]['num_gts'], [0, 1])
    assert mean_ap == pytest.approx([1.0, 1.0])


def test_eval_map_half_recall_and_classes_without_gt():
    ann = [dict(bboxes=boxes([0, 0, 10, 10], [20, 20, 30, 30]), labels=np.array([0, 0]))]
    res = [[dets([0, 0, 10, 10, 0.9], [60, 60, 70, 70, 0.95]), dets([0, 0, 5, 5, 0.3])]]
    mean_ap, per_class = eval_map(res, ann, nproc=1, logger='silent')
    # class 0: fp (0.95) then tp (0.9): precision 0, 1/2 at recall 0, 1/2 -> AP = 0.5 * 0.5
    assert per_class[0]['ap'] == pytest.approx(0.25)
    # class 1 has no gt: excluded from the mean
    assert mean_ap == pytest.approx(0.25)
    assert per_class[1]['num_gts'] == 0 and per_class[1]['num_dets'] == 1


def test_eval_map_legacy_coordinates_change_iou():
    ann = [dict(bboxes=boxes([0, 0, 9, 9]), labels=np.array([0]))]
    res = [[dets([0, 0, 9, 4, 0.9])]]  # IoU 36/81 = 0.444 (x2 - x1 widths); legacy 50/100 = 0.5 (+1 widths)
    assert eval_map(res, ann, iou_thr=0.48, nproc=1, logger='silent')[0] == 0.0
    assert eval_map(res, ann, iou_thr=0.48, nproc=1, logger='silent', use_legacy_coordinate=True)[0] == \
        pytest.approx(1.0)


def test_eval_map_labels_ignore():
    ann = [dict(bboxes=boxes([0, 0, 10, 10]), labels=np.array([0]), bboxes_ignore=boxes([30, 30, 40, 40]),
                labels_ignore=np.array([0]))]
    res = [[dets([0, 0, 10, 10, 0.5], [30, 30, 40, 40, 0.9])]]
    mean_ap, per_class = eval_map(res, ann, nproc=1, logger='silent')
    assert mean_ap == pytest.approx(1.0)  # the detection on the ignored box is not a fp


def test_tpfp_imagenet_small_object_threshold():
    gt = boxes([0, 0, 5, 5])  # 5x5: threshold min(25 / 225, 0.5) = 0.111
    # shifted gt (gt - 1) is [-1, -1, 4, 4]; a loose detection around it still counts
    d = dets([-1, -1, 8, 8, 0.9])
    tp, fp = tpfp_imagenet(d, gt, None)
    np.testing.assert_array_equal(tp, [[1]])
    tp, fp = tpfp_default(d, gt, None)  # IoU 25/81 < 0.5 in the VOC protocol
    np.testing.assert_array_equal(fp, [[1]])


def test_tpfp_openimages_group_of_ioa():
    gt = boxes([0, 0, 10, 10], [100, 100, 200, 200], [300, 0, 400, 50])
    group = np.array([False, True, True])
    d = dets([0, 0, 10, 10, 0.9],  # tp on the plain gt
             [110, 110, 130, 130, 0.8],  # inside the first group box (IoA 1) -> absorbed into one group tp
             [150, 150, 170, 170, 0.95],  # also inside -> absorbed, its score becomes the group's
             [300, 300, 310, 310, 0.7])  # fp
    tp, fp, out = tpfp_openimages(d, gt, None, iou_thr=0.5, gt_bboxes_group_of=group, use_group_of=True,
                                  ioa_thr=0.5)
    # rows: the 2 unabsorbed detections, then one per group-of gt (hit -> tp at 0.95, never hit -> fp at 0)
    np.testing.assert_array_equal(tp, [[1, 0, 1, 0]])
    np.testing.assert_array_equal(fp, [[0, 1, 0, 1]])
    np.testing.assert_allclose(out[:, 4], [0.9, 0.7, 0.95, 0.0])
    ann = [dict(bboxes=gt, labels=np.array([0, 0, 0]), gt_is_group_ofs=group)]
    mean_ap, per_class = eval_map([[d]], ann, use_group_of=True, ioa_thr=0.5, nproc=1, logger='silent')
    assert per_class[0]['num_dets'] == 4 and per_class[0]['num_gts'] == 3
    assert mean_ap == pytest.approx(2 / 3)  # both tps rank first; the missed group caps recall at 2/3


def test_input_errors_and_summary(capsys):
    with pytest.raises(ValueError, match='2 detection results but 1 annotations'):
        eval_map([[dets()], [dets()]], [dict(bboxes=boxes(), labels=np.zeros(0))], nproc=1)
    with pytest.raises(KeyError, match="'labels'"):
        eval_map([[dets()]], [dict(bboxes=boxes())], nproc=1)
    ann = [dict(bboxes=boxes([0, 0, 10, 10]), labels=np.array([0]))]
    mean_ap, res = eval_map([[dets([0, 0, 10, 10, 0.9])]], ann, nproc=1, dataset=['thing'])
    out = capsys.readouterr().out
    assert 'thing' in out and 'mAP' in out and '1.000' in out
    print_map_summary(mean_ap, res, logger='silent')
    assert capsys.readouterr().out == ''
