"""`workbench optimize-anchors CONFIG`: k-means and differential evolution anchors with their mean IoU."""
import json

import numpy as np
import pandas as pd
import pytest

from tests.cli.conftest import run_main


@pytest.mark.parametrize('algorithm,extra', [('k-means', []), ('differential_evolution', ['--iters', '5'])])
def test_optimize_anchors(tiny_config, tmp_path, algorithm, extra):
    code, out, err = run_main(['optimize-anchors', tiny_config, '--algorithm', algorithm, '--input-shape', '96', '72',
                               '--num-anchors', '3', '--output-dir', tmp_path] + extra)
    assert code == 0, err
    result = json.load(open(tmp_path / 'anchor_optimize_result.json'))
    assert len(result['anchors']) == 3 and 0 < result['mean_iou'] <= 1
    assert result['input_shape'] == [96, 72]
    assert f'Average IoU: {result["mean_iou"]:.4f}' in out
    anchors = pd.read_csv(tmp_path / 'anchors.csv')
    assert np.all(np.diff(anchors.area) >= 0)  # small to large
    # the reported IoU is that of the anchors written, on the training boxes scaled to the input shape
    from workbench.analysis.anchor_optimization import mean_best_iou
    from workbench.cli._common import load_config
    from workbench.datasets import build_dataset
    dataset = build_dataset(load_config(tiny_config).data.train)
    assert mean_best_iou(dataset, anchors[['width', 'height']].values, (96, 72)) == pytest.approx(
        result['mean_iou'])
    assert (tmp_path / 'anchors.png').stat().st_size > 0
