import numpy as np
import pytest

from workbench.analysis.confusion_matrix import confusion_matrix, plot_confusion_matrix

CLASSES = ('cat', 'dog')


def det(*rows):
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def empty():
    return np.zeros((0, 5), dtype=np.float32)


def gt(boxes, labels):
    return dict(bboxes=np.array(boxes, dtype=np.float32).reshape(-1, 4), labels=np.array(labels, dtype=np.int64))


def test_counts_and_background_semantics():
    anns = [gt([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]], [0, 1, 1])]
    results = [[
        det([0, 0, 10, 10, 0.9],      # TP cat
            [60, 60, 70, 70, 0.8]),   # background FP predicted cat
        det([20, 20, 30, 31, 0.7],    # TP dog (IoU 10/11)
            [0, 0, 10, 9, 0.6]),      # confusion: GT cat predicted dog
    ]]                                # GT dog #2 missed
    cm = confusion_matrix(results, anns, CLASSES, score_thr=0.3, tp_iou_thr=0.5)
    expected = np.array([[1, 1, 0],
                         [0, 1, 1],
                         [1, 0, 0]])
    np.testing.assert_array_equal(cm.counts, expected)
    assert cm.labels == ['cat', 'dog', 'background']
    # the background row can never have a diagonal: its last cell is always zero
    assert cm.counts[-1, -1] == 0
    fp = cm.instances('background', 'cat')
    assert list(fp.image_index) == [0] and list(fp.det_index) == [1] and fp.gt_index.isna().all()
    missed = cm.instances('dog', 'background')
    assert list(missed.gt_index) == [2]
    confused = cm.instances(0, 1)
    assert confused.iloc[0].det_index == 1 and confused.iloc[0].iou == pytest.approx(0.9)


def test_row_normalisation_and_empty_rows():
    anns = [gt([[0, 0, 10, 10]], [0])]
    results = [[det([0, 0, 10, 10, 0.9], [0, 0, 10, 10, 0.8]), empty()]]
    cm = confusion_matrix(results, anns, CLASSES)
    # a duplicate detection on the same GT is counted again in the TP cell (mmdet semantics)
    assert cm.counts[0, 0] == 2
    norm = cm.normalized()
    np.testing.assert_allclose(norm[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(norm[1], 0.0)  # no dog GT and no dog-row entries: stays zero, no NaN
    df = cm.to_dataframe(normalize=True)
    assert df.index.name == 'ground truth' and df.columns.name == 'prediction'


def test_score_threshold_and_nms():
    anns = [gt([[0, 0, 10, 10]], [0])]
    results = [[det([0, 0, 10, 10, 0.9], [0, 0, 10, 10.5, 0.85], [0, 0, 10, 10, 0.1]), empty()]]
    cm = confusion_matrix(results, anns, CLASSES, score_thr=0.3)
    assert cm.counts[0, 0] == 2
    cm = confusion_matrix(results, anns, CLASSES, score_thr=0.3, nms_iou_thr=0.5)
    assert cm.counts[0, 0] == 1
    assert cm.counts.sum() == 1


def test_per_class_summary_and_errors():
    anns = [gt([[0, 0, 10, 10]], [1])]
    results = [[empty(), empty()]]
    cm = confusion_matrix(results, anns, CLASSES)
    summary = cm.per_class_summary()
    assert summary.set_index('class_name').loc['dog', 'missed'] == 1
    with pytest.raises(ValueError, match='results for 2 images but ground truth for 1'):
        confusion_matrix(results * 2, anns, CLASSES)
    with pytest.raises(ValueError, match='GT label out of range'):
        confusion_matrix(results, [gt([[0, 0, 1, 1]], [5])], CLASSES)


def test_plot_renders_without_display():
    import matplotlib
    matplotlib.use('Agg')
    anns = [gt([[0, 0, 10, 10]], [0])]
    cm = confusion_matrix([[det([0, 0, 10, 10, 0.9]), empty()]], anns, CLASSES)
    fig = plot_confusion_matrix(cm, normalize=True)
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())
    assert rgb.ndim == 3 and rgb.shape[2] == 4 and rgb.shape[0] > 100
    assert 'missed' in fig.axes[0].get_xlabel() and 'false positive' in fig.axes[0].get_ylabel()
