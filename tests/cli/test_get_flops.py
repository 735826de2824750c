"""`workbench get-flops CONFIG --shape H W`: table, totals in FLOPs and MACs, files."""
import json

import pandas as pd

from tests.cli.conftest import run_main


def test_get_flops(tiny_config, tmp_path):
    code, out, err = run_main(['get-flops', tiny_config, '--shape', '70', '90', '--max-depth', '1',
                               '--out-dir', tmp_path])
    assert code == 0, err
    assert 'Input shape: (3, 70, 90) padded to (3, 96, 96)' in out
    assert 'Flops: ' in out and 'MACs: ' in out and 'Params: ' in out and 'multiply-add' in out
    totals = json.load(open(tmp_path / 'complexity.json'))
    assert totals['input_shape'] == [3, 96, 96] and totals['input_shape_requested'] == [3, 70, 90]
    assert totals['flops'] == 2 * totals['macs'] > 0
    table = pd.read_csv(tmp_path / 'complexity.csv', keep_default_na=False)
    top = table[table.depth == 1].set_index('module')
    assert set(top.index) == {'backbone', 'neck', 'bbox_head'}
    assert top.flops.sum() == totals['flops']  # every counted operation belongs to a top-level module
    assert table[table.module == ''].params.item() == totals['params']


def test_get_flops_rejects_three_sizes(tiny_config):
    code, _, err = run_main(['get-flops', tiny_config, '--shape', '1', '2', '3'])
    assert code == 1 and '--shape takes H W' in err
