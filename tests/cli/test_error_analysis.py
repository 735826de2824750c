"""`workbench error-analysis`: TIDE tables/plots and the COCO breakdown, from a pickle + config or from COCO json +
annotation file (mmdet's coco_error_analysis inputs); both give the same numbers."""
import json
import os.path as osp

import pandas as pd
import pytest

from tests.cli.conftest import run_main
from workbench.analysis import ERROR_TYPES


@pytest.mark.slow
def test_error_analysis_from_pickle_and_from_coco_json(tested, tmp_path):
    out = tmp_path / 'from_pkl'
    code, stdout, err = run_main(['error-analysis', tested['config'], tested['results'], out])
    assert code == 0, err
    delta = pd.read_csv(out / 'tide_delta_ap.csv', index_col=0)
    assert list(delta.index) == list(ERROR_TYPES)
    assert set(delta.columns) == {'overall', 'rect', 'ellipse', 'triangle', 'cross'}
    counts = pd.read_csv(out / 'tide_error_counts.csv', index_col=0)
    instances = pd.read_csv(out / 'tide_instances.csv')
    for kind in ERROR_TYPES:
        assert counts.loc[kind, 'total'] == (instances.error_type == kind).sum()
    summary = json.load(open(out / 'tide_summary.json'))
    assert summary['pos_thr'] == 0.5 and set(summary['delta_map']) == set(ERROR_TYPES)
    breakdown = pd.read_csv(out / 'coco_breakdown.csv')
    assert set(breakdown.type) == {'C75', 'C50', 'Loc', 'Sim', 'Oth', 'BG', 'FN'}
    for name in ('tide_delta_ap.png', 'tide_delta_ap_per_class.png', 'coco_breakdown_overall_all.png',
                 'coco_breakdown_overall_small.png', 'coco_breakdown_rect_all.png', 'coco_breakdown_cross_all.png'):
        assert osp.getsize(out / name) > 0, name
    assert 'ΔmAP if each error type were fixed' in stdout

    # the same results as COCO json (test --format-only) and the annotation file, as coco_error_analysis.py takes
    prefix = tmp_path / 'res'
    code, _, err = run_main(['test', tested['config'], tested['checkpoint'], '--format-only',
                             '--eval-options', f'jsonfile_prefix={prefix}'])
    assert code == 0, err
    ann = osp.join(osp.dirname(tested['config']), 'shapes', 'annotations', 'instances_val.json')
    out2 = tmp_path / 'from_json'
    code, _, err = run_main(['error-analysis', f'{prefix}.bbox.json', out2, '--ann', ann])
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(out2 / 'tide_delta_ap.csv', index_col=0), delta, atol=1e-6)
    pd.testing.assert_frame_equal(pd.read_csv(out2 / 'tide_error_counts.csv', index_col=0), counts)


def test_wrong_number_of_paths(tiny_config, tmp_path):
    code, _, err = run_main(['error-analysis', tiny_config, tmp_path])
    assert code == 1 and 'expected CONFIG RESULT.pkl OUT_DIR' in err and 'hint: e.g.' in err
    code, _, err = run_main(['error-analysis', 'r.json', 'out', '--types', 'segm'])
    assert code == 1 and 'segm is not supported' in err
