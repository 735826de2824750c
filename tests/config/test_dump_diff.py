"""dump() to .py/.json/.yaml loads back equal; pretty_text; Config.diff."""
import math

import pytest

from workbench.config import Config

VALUES = dict(
    a=1, b=1.5, c='s\'q"', d=None, e=True, f=[1, [2, (3,)], dict(x=(1, 2))], g=(), h=dict(i=dict(j=[])),
    k={'not an id': 1, 2: 'two', 'class': 3}, m=float('inf'), n=-0.0, o=1e-12,
    long=dict(keys=['img', 'gt_bboxes', 'gt_labels', 'gt_masks'] * 5, mean=[123.675, 116.28, 103.53]))


def test_py_dump_round_trip_keeps_types(tmp_path):
    cfg = Config(VALUES)
    path = tmp_path / 'out.py'
    cfg.dump(path)
    back = Config.fromfile(path).to_dict()
    assert back == VALUES
    assert isinstance(back['f'][1][1], tuple)
    assert math.copysign(1, back['n']) == -1


def _as_lists(x):
    if isinstance(x, dict):
        return {k: _as_lists(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_as_lists(v) for v in x]
    return x


@pytest.mark.parametrize('ext', ['json', 'yaml', 'yml'])
def test_json_yaml_dump_round_trip(tmp_path, ext):
    values = {k: v for k, v in VALUES.items() if k != 'k'}  # json keys are strings
    cfg = Config(values)
    path = tmp_path / f'out.{ext}'
    cfg.dump(path)
    assert Config.fromfile(path).to_dict() == _as_lists(values)  # tuples come back as lists in json/yaml


def test_dump_to_string_uses_the_file_format(write):
    assert Config(dict(a=1)).dump() == 'a = 1\n'
    j = Config.fromfile(write('c.json', '{"a": [1, 2]}'))
    assert j.dump() == '{"a": [1, 2]}'
    y = Config.fromfile(write('c.yaml', 'a: 1\n'))
    assert y.dump() == 'a: 1\n'


def test_pretty_text_is_python_that_evaluates_back():
    cfg = Config(VALUES)
    ns = {}
    exec(cfg.pretty_text, ns)  # noqa: S102 - our own output
    assert {k: v for k, v in ns.items() if k != '__builtins__'} == VALUES
    long_line = [line for line in cfg.pretty_text.splitlines() if line.startswith('long = ')][0]
    assert long_line == 'long = dict('  # too long for one line: one item per line
    assert "k = {'not an id': 1, 2: 'two', 'class': 3}" in cfg.pretty_text


def test_diff_shows_changed_lines_only(write):
    a = write('a.py', "lr_config = dict(policy='step', step=[8, 11])\nrunner = dict(max_epochs=12)\nx = 1\n")
    b = write('b.py', "_base_ = './a.py'\nlr_config = dict(step=[16, 22])\nrunner = dict(max_epochs=24)\n")
    diff = Config.diff(a, b)
    assert diff.startswith(f'--- {a}\n+++ {b}\n')
    removed = [ln for ln in diff.splitlines() if ln.startswith('-') and not ln.startswith('---')]
    added = [ln for ln in diff.splitlines() if ln.startswith('+') and not ln.startswith('+++')]
    assert removed == ['-    step=[8, 11])', '-runner = dict(max_epochs=12)']
    assert added == ['+    step=[16, 22])', '+runner = dict(max_epochs=24)']
    assert Config.diff(a, Config.fromfile(a)) == ''
    assert Config.diff(dict(x=1), dict(x=2)) == '--- a\n+++ b\n@@ -1 +1 @@\n-x = 1\n+x = 2\n'
