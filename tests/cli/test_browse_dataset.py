"""`workbench browse-dataset CONFIG --output-dir DIR`: one PNG per training image, of the size the pipeline makes."""
import os

import cv2

from tests.cli.conftest import run_main


def test_browse_dataset(tiny_config, tmp_path):
    code, out, err = run_main(['browse-dataset', tiny_config, '--output-dir', tmp_path / 'a', '--max-images', '3',
                               '--not-show'])
    assert code == 0, err
    files = sorted(os.listdir(tmp_path / 'a'))
    assert files == ['000000.png', '000001.png', '000002.png']
    for f in files:  # resized to fit (96, 72) keeping the ratio, then padded to a multiple of 32
        assert cv2.imread(str(tmp_path / 'a' / f)).shape == (96, 96, 3)
    # the whole pipeline (normalised tensors) is drawn too, the normalisation undone
    code, out, err = run_main(['browse-dataset', tiny_config, '--output-dir', tmp_path / 'b', '--max-images', '1',
                               '--skip-type'])
    assert code == 0, err
    img = cv2.imread(str(tmp_path / 'b' / '000000.png'))
    assert img.shape == (96, 96, 3) and 20 < img.mean() < 235
