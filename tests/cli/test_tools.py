"""tools/*.py wrappers: mmdet's paths, each forwarding to its `workbench` subcommand."""
import os.path as osp
import runpy
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

WRAPPERS = {
    'tools/train.py': ('train', '--resume-from'),
    'tools/test.py': ('test', '--show-score-thr'),
    'tools/analysis_tools/analyze_logs.py': ('analyze-logs', 'plot_curve'),
    'tools/analysis_tools/analyze_results.py': ('analyze-results', '--topk'),
    'tools/analysis_tools/confusion_matrix.py': ('confusion-matrix', '--tp-iou-thr'),
    'tools/analysis_tools/get_flops.py': ('get-flops', '--shape'),
    'tools/analysis_tools/benchmark.py': ('benchmark', '--fuse-conv-bn'),
    'tools/analysis_tools/optimize_anchors.py': ('optimize-anchors', '--input-shape'),
    'tools/analysis_tools/coco_error_analysis.py': ('error-analysis', '--ann'),
    'tools/misc/browse_dataset.py': ('browse-dataset', '--skip-type'),
    'tools/misc/print_config.py': ('print-config', '--cfg-options'),
    'tools/model_converters/publish_model.py': ('publish-model', 'out_file'),
}


@pytest.mark.parametrize('path', sorted(WRAPPERS))
def test_wrapper_forwards_to_subcommand(path, monkeypatch, capsys):
    subcommand, flag = WRAPPERS[path]
    monkeypatch.setattr(sys, 'argv', [path, '--help'])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(osp.join(ROOT, path), run_name='__main__')
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert out.startswith(f'usage: workbench {subcommand} ') and flag in out


def test_wrapper_error_exit_status(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, 'argv', ['tools/train.py', str(tmp_path / 'missing.py')])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(osp.join(ROOT, 'tools/train.py'), run_name='__main__')
    assert exit_info.value.code == 1 and 'config file not found' in capsys.readouterr().err
