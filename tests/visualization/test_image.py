import numpy as np
import pytest

from workbench.visualization import (draw_tp_fp_fn, get_palette, imshow_det_bboxes, imshow_gt_det_bboxes)


def blank(h=120, w=160):
    return np.full((h, w, 3), 30, dtype=np.uint8)


def test_imshow_det_bboxes_returns_rgb_of_image_size(tmp_path):
    boxes = np.array([[10, 10, 60, 60, 0.9], [70, 20, 150, 100, 0.2]], dtype=np.float32)
    out = imshow_det_bboxes(blank(), boxes, np.array([0, 1]), class_names=['a', 'b'], score_thr=0.5,
                            out_file=str(tmp_path / 'vis.png'))
    assert out.shape == (120, 160, 3) and out.dtype == np.uint8
    assert (tmp_path / 'vis.png').is_file()
    # the kept box was drawn (pixels changed along its edge); the low-score box was not
    assert (out[35, 8:14] != 30).any()
    assert (out[60, 148:152] == 30).all()


def test_masks_are_drawn():
    mask = np.zeros((1, 120, 160), dtype=bool)
    mask[0, 40:80, 40:80] = True
    out = imshow_det_bboxes(blank(), np.array([[40, 40, 80, 80]]), np.array([0]), segms=mask, class_names=['a'])
    assert (out[60, 60] != 30).any()


def test_gt_det_overlay_and_side_by_side():
    ann = dict(gt_bboxes=np.array([[10, 10, 50, 50]], np.float32), gt_labels=np.array([0]))
    result = [np.array([[12, 12, 52, 52, 0.8]], np.float32), np.zeros((0, 5), np.float32)]
    assert imshow_gt_det_bboxes(blank(), ann, result, ['a', 'b']).shape == (120, 160, 3)
    assert imshow_gt_det_bboxes(blank(), ann, result, ['a', 'b'], overlay=False).shape == (120, 320, 3)


def test_tp_fp_fn_colouring_counts():
    ann = dict(bboxes=np.array([[10, 10, 50, 50], [100, 10, 140, 50]], np.float32), labels=np.array([0, 0]))
    result = [np.array([[11, 11, 50, 50, 0.9], [60, 60, 90, 90, 0.8]], np.float32)]
    fig = draw_tp_fp_fn(blank(), ann, result, ['a'])
    assert fig.tp_fp_fn == dict(tp=1, fp=1, fn=1)


def test_palette_errors():
    assert get_palette('red', 2) == [(255, 0, 0)] * 2
    assert len(get_palette('random', 5)) == 5 and get_palette('random', 5) == get_palette('random', 5)
    with pytest.raises(ValueError, match='unknown palette'):
        get_palette('redd', 2)
    with pytest.raises(ValueError, match='2 colours for 3 classes'):
        get_palette([(1, 2, 3), (4, 5, 6)], 3)
