"""`workbench analyze-results CONFIG RESULT.pkl SHOW_DIR --topk K`: best/worst drawings and tables."""
import os

import pandas as pd
import pytest

from tests.cli.conftest import run_main


@pytest.mark.slow
def test_analyze_results(tested, tmp_path):
    code, out, err = run_main(['analyze-results', tested['config'], tested['results'], tmp_path, '--topk', '2'])
    assert code == 0, err
    per_image = pd.read_csv(tmp_path / 'per_image_map.csv')
    assert len(per_image) == 4 and per_image.mAP.between(0, 1).all()
    good, bad = sorted(os.listdir(tmp_path / 'good')), sorted(os.listdir(tmp_path / 'bad'))
    assert len(good) == 2 and len(bad) == 2
    ranked = per_image.sort_values('mAP', kind='stable')
    worst = {os.path.splitext(os.path.basename(f))[0] for f in ranked.filename.head(2)}
    assert {f.rsplit('_', 1)[0] for f in bad} == worst
    ap = pd.read_csv(tmp_path / 'per_class_ap.csv')
    assert list(ap.class_name) == ['rect', 'ellipse', 'triangle', 'cross']
    sweep = pd.read_csv(tmp_path / 'score_threshold_sweep.csv')
    assert {'precision', 'recall', 'f1', 'score_thr'} <= set(sweep.columns)
    assert os.path.getsize(tmp_path / 'pr_curves.png') > 0


def test_topk_must_be_positive(tiny_config, tmp_path):
    code, _, err = run_main(['analyze-results', tiny_config, tmp_path / 'r.pkl', tmp_path, '--topk', '0'])
    assert code == 1 and '--topk must be >= 1' in err
