"""`workbench image-demo IMG CONFIG CKPT --out-file F`."""
import glob
import os.path as osp

import pytest

from tests.cli.conftest import run_main


@pytest.mark.slow
def test_image_demo(trained, tmp_path):
    img = sorted(glob.glob(osp.join(osp.dirname(trained['config']), 'shapes', 'val', '*.png')))[0]
    out_file = tmp_path / 'demo.png'
    code, out, err = run_main(['image-demo', img, trained['config'], trained['checkpoint'], '--out-file', out_file,
                               '--device', 'cpu', '--score-thr', '0.0'])
    assert code == 0, err
    assert out_file.stat().st_size > 0
    lines = out.splitlines()
    assert lines[0] == 'detections with score >= 0.0:'
    assert any(line.split()[0] in ('rect', 'ellipse', 'triangle', 'cross') for line in lines[1:-1])


def test_missing_image(tiny_config, tmp_path):
    code, _, err = run_main(['image-demo', tmp_path / 'none.png', tiny_config, tmp_path / 'c.pth'])
    assert code == 1 and 'image file not found' in err
