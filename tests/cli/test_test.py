"""`workbench test`: pickled results, dataset.evaluate metrics, --show-dir drawings, --format-only, errors."""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from tests.cli.conftest import run_main
from workbench import fileio


@pytest.mark.slow
def test_results_pickle_and_metrics(tested):
    results = fileio.load(tested['results'])
    assert len(results) == 4  # the 4 validation images, in dataset order
    for per_image in results:
        assert len(per_image) == 4 and all(np.asarray(c).ndim == 2 and np.asarray(c).shape[1] == 5
                                           for c in per_image)
    files = glob.glob(osp.join(tested['eval_dir'], 'eval_*.json'))
    assert len(files) == 1
    metric = json.load(open(files[0]))['metric']
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_copypaste'):
        assert key in metric
    assert "'bbox_mAP':" in tested['stdout']
    # the metrics are those of the pickled results
    from workbench.cli._common import build_test_dataset, load_config
    dataset = build_test_dataset(load_config(tested['config']))
    again = dataset.evaluate(results, metric='bbox')
    assert again['bbox_mAP'] == pytest.approx(metric['bbox_mAP'])
    assert again['bbox_mAP_50'] == pytest.approx(metric['bbox_mAP_50'])


@pytest.mark.slow
def test_show_dir_has_one_drawing_per_image_at_image_size(tested):
    shapes_dir = osp.join(osp.dirname(tested['config']), 'shapes', 'val')
    for src in sorted(glob.glob(osp.join(shapes_dir, '*.png'))):
        drawn = cv2.imread(osp.join(tested['show_dir'], osp.basename(src)))
        assert drawn is not None and drawn.shape == cv2.imread(src).shape


@pytest.mark.slow
def test_format_only_writes_coco_json(trained, tmp_path):
    prefix = tmp_path / 'res'
    code, out, err = run_main(['test', trained['config'], trained['checkpoint'], '--format-only',
                               '--eval-options', f'jsonfile_prefix={prefix}'])
    assert code == 0, err
    dets = json.load(open(f'{prefix}.bbox.json'))
    assert all(set(d) >= {'image_id', 'category_id', 'bbox', 'score'} for d in dets)


def test_needs_something_to_do(tiny_config, tmp_path):
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    code, out, err = run_main(['test', tiny_config, ckpt])
    assert code == 1 and 'nothing to do' in err and 'hint: e.g. workbench test CONFIG CKPT --out' in err
    code, out, err = run_main(['test', tiny_config, ckpt, '--show'])
    assert code == 1 and 'hint: use --show-dir DIR' in err
    code, out, err = run_main(['test', tiny_config, ckpt, '--eval', 'bbox', '--format-only'])
    assert code == 1 and 'cannot be both specified' in err
    code, out, err = run_main(['test', tiny_config, ckpt, '--out', tmp_path / 'r.json'])
    assert code == 1 and '.pkl' in err


def test_missing_checkpoint(tiny_config, tmp_path):
    code, _, err = run_main(['test', tiny_config, tmp_path / 'none.pth', '--eval', 'bbox'])
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 2 and 'checkpoint not found' in lines[0] and lines[1].startswith('hint:')


@pytest.mark.slow
def test_channels_last_gives_the_same_metrics(tested, tmp_path):
    code, out, err = run_main(['test', tested['config'], tested['checkpoint'], '--eval', 'bbox', '--work-dir',
                               tmp_path, '--cfg-options', 'memory_format=channels_last'])
    assert code == 0, err
    metric = json.load(open(glob.glob(osp.join(str(tmp_path), 'eval_*.json'))[0]))['metric']
    contiguous = json.load(open(glob.glob(osp.join(tested['eval_dir'], 'eval_*.json'))[0]))['metric']
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75'):
        assert metric[key] == pytest.approx(contiguous[key], abs=1e-3), key
