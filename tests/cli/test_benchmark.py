"""`workbench benchmark CONFIG CKPT --max-iter 3`: speed printed and written."""
import json

import pytest

from tests.cli.conftest import run_main


@pytest.mark.slow
def test_benchmark(trained, tmp_path):
    out = tmp_path / 'speed.json'
    code, stdout, err = run_main(['benchmark', trained['config'], trained['checkpoint'], '--max-iter', '3',
                                  '--num-warmup', '1', '--log-interval', '1', '--fuse-conv-bn', '--out', out])
    assert code == 0, err
    assert stdout.count('Done image [') == 3 and 'Overall fps:' in stdout and 'ms / img' in stdout
    stats = json.load(open(out))
    run = stats['runs'][0]
    assert run['images'] == 3 and run['warmup'] == 1 and run['fused']
    assert stats['mean_img_per_s'] == pytest.approx(1000.0 / run['ms_per_img'])
