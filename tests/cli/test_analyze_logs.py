"""`workbench analyze-logs plot_curve|cal_train_time` on the log.json of the shared training run."""
import json
import os.path as osp

import pandas as pd
import pytest

from tests.cli.conftest import run_main


@pytest.mark.slow
def test_plot_curve_writes_png_and_values(trained, tmp_path):
    out = tmp_path / 'losses.png'
    code, stdout, err = run_main(['analyze-logs', 'plot_curve', trained['log_json'], '--keys', 'loss_cls',
                                  'loss_bbox', '--legend', 'run1', '--out', out])
    assert code == 0, err
    assert osp.getsize(out) > 0
    values = pd.read_csv(tmp_path / 'losses.csv')
    assert list(values.iter) == [1, 2, 3, 4] and set(values.run) == {'run1'}
    logged = [json.loads(line) for line in open(trained['log_json']) if '"loss_cls"' in line]
    assert list(values.loss_cls) == pytest.approx([r['loss_cls'] for r in logged])


@pytest.mark.slow
def test_plot_curve_default_key_is_bbox_map(trained, tmp_path):
    out = tmp_path / 'map.png'
    code, _, err = run_main(['analyze-logs', 'plot_curve', trained['log_json'], '--out', out])
    assert code == 0, err
    values = pd.read_csv(tmp_path / 'map.csv')
    assert len(values) == 1 and values['mode'].tolist() == ['val'] and 'bbox_mAP' in values


@pytest.mark.slow
def test_cal_train_time(trained, tmp_path):
    code, out, err = run_main(['analyze-logs', 'cal_train_time', trained['log_json'], '--out', tmp_path / 't.json'])
    assert code == 0, err
    assert '-----Analyze train time of' in out and 'average iter time:' in out and 's/iter' in out
    table = json.load(open(tmp_path / 't.json'))
    times = [json.loads(line)['time'] for line in open(trained['log_json']) if '"mode": "train"' in line]
    assert table[0]['avg_iter_time'] == pytest.approx(sum(times[1:]) / len(times[1:]))  # first iter is an outlier


@pytest.mark.slow
def test_unknown_key_lists_the_available_ones(trained, tmp_path):
    code, _, err = run_main(['analyze-logs', 'plot_curve', trained['log_json'], '--keys', 'loss_typo',
                             '--out', tmp_path / 'x.png'])
    assert code == 1 and 'loss_typo' in err and 'loss_cls' in err


def test_text_log_is_refused(tmp_path):
    log = tmp_path / 'x.log'
    log.write_text('2020 - INFO - hi\n')
    code, _, err = run_main(['analyze-logs', 'cal_train_time', log])
    assert code == 1 and 'expected a .log.json file' in err
