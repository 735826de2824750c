import numpy as np
import pytest

from tests.widgets.helpers import InMemoryDataset, results
from workbench.widgets.prediction_viewer import PredictionViewer, filter_result_classes, render_prediction


def test_viewer_state_follows_controls():
    view = PredictionViewer(results(), InMemoryDataset(), score_thr=0.3)
    assert view.panel.shape == (60, 80, 3)
    assert 'image #0: 2 GT, 3 detections' in view.caption.value
    view.score_slider.value = 0.5
    assert '2 detections' in view.caption.value
    view.mode.value = 'side by side'
    assert view.panel.shape == (60, 160, 3)
    view.classes.value = ('cat',)
    assert '1 detections' in view.caption.value
    view.mode.value = 'TP/FP/FN'
    view.slider.value = 2
    assert 'image #2: 0 GT, 0 detections' in view.caption.value  # dog FP filtered out by the class filter


def test_render_and_filter_functions():
    r = results()[0]
    f = filter_result_classes(r, [1])
    assert len(f[0]) == 0 and len(f[1]) == 2
    img = np.zeros((60, 80, 3), np.uint8)
    ann = InMemoryDataset().get_ann_info(0)
    assert render_prediction(img, ann, r, ['cat', 'dog'], mode='TP/FP/FN').shape == (60, 80, 3)
    with pytest.raises(ValueError, match='mode must be one of'):
        render_prediction(img, ann, r, ['cat', 'dog'], mode='nope')
    with pytest.raises(ValueError, match='2 results for a dataset of 3'):
        PredictionViewer(results()[:2], InMemoryDataset())
