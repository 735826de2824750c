"""`workbench confusion-matrix CONFIG RESULT.pkl SAVE_DIR`: PNGs and CSVs equal to the library's matrix."""
import os.path as osp

import numpy as np
import pandas as pd
import pytest

from tests.cli.conftest import run_main
from workbench import fileio


@pytest.mark.slow
def test_confusion_matrix_files(tested, tmp_path):
    code, out, err = run_main(['confusion-matrix', tested['config'], tested['results'], tmp_path,
                               '--score-thr', '0.05', '--tp-iou-thr', '0.4'])
    assert code == 0, err
    for name in ('confusion_matrix.png', 'confusion_matrix_counts.png', 'per_class_summary.csv'):
        assert osp.getsize(tmp_path / name) > 0
    counts = pd.read_csv(tmp_path / 'confusion_matrix.csv', index_col=0)
    labels = ['rect', 'ellipse', 'triangle', 'cross', 'background']
    assert list(counts.index) == labels and list(counts.columns) == labels
    from workbench.analysis import confusion_matrix
    from workbench.cli._common import build_test_dataset, load_config
    dataset = build_test_dataset(load_config(tested['config']))
    cm = confusion_matrix(fileio.load(tested['results']), dataset, score_thr=0.05, tp_iou_thr=0.4)
    np.testing.assert_array_equal(counts.values, cm.counts)
    # every GT box is either matched by its class (diagonal) or missed (last column)
    num_gt = sum(len(dataset.get_ann_info(i)['labels']) for i in range(len(dataset)))
    assert np.trace(cm.counts[:4, :4]) + cm.counts[:4, 4].sum() >= num_gt
    normalized = pd.read_csv(tmp_path / 'confusion_matrix_normalized.csv', index_col=0).values
    rows = counts.values.sum(1) > 0
    np.testing.assert_allclose(normalized[rows].sum(1), 1.0)


def test_result_count_mismatch_is_explained(tiny_config, tmp_path):
    pkl = tmp_path / 'r.pkl'
    fileio.dump([[np.zeros((0, 5))] * 4], str(pkl))
    code, _, err = run_main(['confusion-matrix', tiny_config, pkl, tmp_path / 'out'])
    assert code == 1 and 'results for 1 images but the dataset of the config has 4' in err
