"""The README's main job end to end, at a tiny size: data generation, training, evaluation, report files."""
import json

import pytest


@pytest.mark.slow
def test_main_job_writes_a_complete_report(tmp_path):
    from workbench.apis.main_job import run_main_job
    from workbench.utils import get_root_logger
    get_root_logger()  # already set up in this process (a notebook's second run): the run still writes its log
    out = tmp_path / 'report'
    lines = []
    metrics = run_main_job(out_dir=str(out), data_dir=str(tmp_path / 'shapes'), num_train=8, num_val=4, epochs=1,
                           img_size=(96, 72), log=lines.append)
    for name in ('config.py', 'curves.png', 'predictions.png', 'confusion_matrix.png', 'confusion_matrix.csv',
                 'per_class_ap.csv', 'metrics.json', 'report.md'):
        assert (out / name).is_file(), name
    assert list(out.glob('*.log.json')) and list(out.glob('*.log'))
    saved = json.loads((out / 'metrics.json').read_text())
    assert saved['bbox_mAP_50'] == metrics['bbox_mAP_50'] and 0 <= saved['bbox_mAP_50'] <= 1
    if saved.get('no_detections'):
        # one epoch of 2 iterations leaves every score under score_thr: the empty result's AP is 0, not missing
        assert saved['no_detections'] is True and saved['bbox_mAP'] == 0 and saved['bbox_mAP_50'] == 0
    assert saved['epochs'] == 1 and saved['num_train'] == 8 and saved['wall_time_s'] > 0
    assert lines[0].startswith('[1/4]') and lines[-1].startswith('done in')
    # the resolved config in the report loads back and points at the generated data
    from workbench.config import Config
    cfg = Config.fromfile(str(out / 'config.py'))
    assert cfg.data.train.ann_file.startswith(str(tmp_path / 'shapes'))
