"""The benchmark scripts run and write their CSV (tiny sizes via --quick). No timing is asserted: timings on a
shared machine are not test material; the scripts' numbers go to docs/benchmarks.md."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / 'benchmarks'

pytestmark = pytest.mark.slow  # each builds ResNet-50 detectors or generates data: tens of seconds on 2 cores


def _run(script, *args, timeout=1200):
    proc = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, f'{script} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}'
    return proc.stdout


def _rows(path):
    assert path.exists(), f'{path} was not written'
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def test_inference_smoke(tmp_path):
    out = _run('inference.py', '--quick', '--cases', 'retinanet_r18_fpn', '--threads', '1', '--out-dir',
               str(tmp_path))
    rows = _rows(tmp_path / 'inference.csv')
    assert [r['case'] for r in rows] == ['retinanet_r18_fpn']
    # score threshold 0 fixes the detections per image at max_per_img in both libraries
    assert rows[0]['wb_dets'] == rows[0]['tv_dets'] == '100'
    assert float(rows[0]['ratio']) > 0 and 'ratio' in out


def test_inference_channels_last_rows():
    """The R50 cases add the workbench in channels_last against torchvision as shipped and in channels_last too:
    three rows from four timed models, with the shared models' timings reused across rows."""
    sys.path.insert(0, str(BENCH))
    try:
        import inference
    finally:
        sys.path.remove(str(BENCH))
    rows = inference.run_case('retinanet_r50_fpn', repeat=1, warmup=1, scale=0.1)
    assert [r['case'] for r in rows] == ['retinanet_r50_fpn', 'retinanet_r50_fpn' + inference.CL_WB_SUFFIX,
                                         'retinanet_r50_fpn' + inference.CL_BOTH_SUFFIX]
    assert rows[1]['torchvision_ms'] == rows[0]['torchvision_ms']   # the same torchvision model, timed once
    assert rows[2]['workbench_ms'] == rows[1]['workbench_ms']       # the same channels_last workbench model
    assert all(r['wb_dets'] == r['tv_dets'] == 100 for r in rows)


def test_train_step_smoke(tmp_path):
    _run('train_step.py', '--quick', '--cases', 'faster_rcnn_r50_fpn', '--threads', '1', '--out-dir', str(tmp_path))
    rows = _rows(tmp_path / 'train_step.csv')
    # mmdet's RoIAlign sampling (0) in both, then torchvision's (2) in both
    assert [r['case'] for r in rows] == [
        'faster_rcnn_r50_fpn', "faster_rcnn_r50_fpn (RoIAlign sampling_ratio=2 in both, torchvision's default)",
        "faster_rcnn_r50_fpn (workbench memory_format='channels_last', torchvision as shipped)",
        'faster_rcnn_r50_fpn (channels_last in both)']
    assert rows[2]['torchvision_s_it'] == rows[0]['torchvision_s_it'] and rows[2]['wb_peak_mb'] == ''
    row = rows[0]
    assert float(row['workbench_s_it']) > 0 and float(row['torchvision_s_it']) > 0
    # the memory subprocesses ran and measured a resident set above the model's
    assert float(row['wb_peak_mb']) > 0 and float(row['tv_peak_mb']) > 0
    assert float(row['wb_train_mb']) >= 0 and float(row['tv_train_mb']) >= 0


def test_data_pipeline_smoke(tmp_path):
    _run('data_pipeline.py', '--quick', '--workers', '0', '--data-dir', str(tmp_path / 'shapes'), '--out-dir',
         str(tmp_path))
    rows = _rows(tmp_path / 'data_pipeline.csv')
    stages = [r['stage'] for r in rows]
    assert stages[0] == 'dataloader (batch 2)' and 'LoadImageFromFile' in stages and 'Normalize' in stages
    assert float(rows[0]['images_per_s']) > 0


def test_evaluation_smoke_identical_stats(tmp_path):
    out = _run('evaluation.py', '--quick', '--out-dir', str(tmp_path))
    rows = _rows(tmp_path / 'evaluation.csv')
    assert {r['evaluator'] for r in rows} >= {'pycocotools', 'faster-coco-eval',
                                              'workbench coco_evaluate (faster_coco_eval)'}
    # the script exits non-zero when any evaluator differs; the table records the check per row too
    assert all(r['stats_equal'] == 'True' for r in rows)
    assert 'identical to pycocotools: True' in out


def test_run_all_combines(tmp_path):
    _run('run_all.py', '--quick', '--only', 'evaluation', '--out-dir', str(tmp_path))
    rows = _rows(tmp_path / 'combined.csv')
    assert rows and all(r['benchmark'] == 'evaluation' for r in rows)
    md = (tmp_path / 'results.md').read_text()
    assert '## evaluation' in md and 'commit:' in md and '| evaluator |' in md


def test_run_all_rejects_unknown_benchmark(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / 'run_all.py'), '--only', 'nope', '--out-dir', str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode != 0 and 'nope' in proc.stderr


def test_torchvision_peer_gets_the_workbench_weights():
    """The peer models run the same network: the same backbone/FPN features, and the R-CNN head's outputs in
    torchvision's class order (background first) with the same regression rows."""
    sys.path.insert(0, str(BENCH))
    try:
        import inference
    finally:
        sys.path.remove(str(BENCH))
    import torch
    img = torch.randn(1, 3, 128, 160, generator=torch.Generator().manual_seed(0))
    for case in ('faster_rcnn_r50_fpn', 'retinanet_r18_fpn'):
        wb, tv, _ = inference.build_pair(case)
        with torch.inference_mode():
            ours, theirs = wb.extract_feat(img), list(tv.backbone(img).values())
            # P3-P6; torchvision's RetinaNet applies a ReLU before P7, mmdet's (relu_before_extra_convs=False) not
            for a, b in list(zip(ours, theirs))[:5 if case.startswith('faster') else 4]:
                torch.testing.assert_close(a, b)
            if case.startswith('faster'):
                feats = torch.randn(3, 256, 7, 7, generator=torch.Generator().manual_seed(1))
                cls, reg = wb.roi_head.bbox_head(feats)
                tv_cls, tv_reg = tv.roi_heads.box_predictor(tv.roi_heads.box_head(feats))
                torch.testing.assert_close(tv_cls, torch.cat([cls[:, -1:], cls[:, :-1]], 1))
                torch.testing.assert_close(tv_reg[:, 4:], reg)


def test_ops_smoke(tmp_path):
    out = _run('ops.py', '--device', 'cpu', '--quick', '--repeat', '1', '--threads', '1', '--csv',
               str(tmp_path / 'ops.csv'))
    rows = _rows(tmp_path / 'ops.csv')
    ops = {r['op'] for r in rows}
    assert {'nms', 'batched_nms', 'roi_align avg', 'roi_align avg fwd+bwd', 'bbox_overlaps',
            'sigmoid_focal_loss fwd+bwd'} <= ops
    sizes = [r['size'] for r in rows if r['op'] == 'batched_nms']
    assert sizes == ['1000 boxes, 80 classes', '5000 boxes, 80 classes']
    nms_rows = [r for r in rows if r['op'] == 'nms']
    # both peers were timed: torchvision's kernel and the plain-torch greedy loop
    assert all(float(r['torchvision_ms']) > 0 and float(r['plain_torch_ms']) > 0 for r in nms_rows)
    assert 'ratio' in out
