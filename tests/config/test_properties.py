"""Property tests: dump -> load round trips in all formats; merge_from_dict and DictAction on generated dicts."""
import argparse
import copy
import keyword
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.config import Config, DictAction
from workbench.config.dict_action import parse_scalar

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

identifiers = st.text(string.ascii_lowercase + '_', min_size=1, max_size=8).filter(
    lambda s: s.isidentifier() and not keyword.iskeyword(s) and s not in ('filename', 'text', 'pretty_text')
    and s != '_base_' and not s.startswith('_'))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=64), st.text(max_size=12))


def nested(leaves):
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(identifiers, children, max_size=4)), max_leaves=12)


py_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.lists(children, max_size=4).map(tuple),
    st.dictionaries(identifiers, children, max_size=4)), max_leaves=12)


@SETTINGS
@given(cfg=st.dictionaries(identifiers, py_values, max_size=6))
def test_py_round_trip(tmp_path_factory, cfg):
    path = tmp_path_factory.mktemp('rt') / 'c.py'
    Config(cfg).dump(path)
    assert Config.fromfile(path).to_dict() == cfg


@SETTINGS
@given(cfg=st.dictionaries(identifiers, nested(scalars), max_size=6))
def test_json_yaml_round_trip(tmp_path_factory, cfg):
    folder = tmp_path_factory.mktemp('rt')
    for ext in ('json', 'yaml'):
        Config(cfg).dump(folder / f'c.{ext}')
        assert Config.fromfile(folder / f'c.{ext}').to_dict() == cfg, ext


def _deep_merge(base, options):
    out = copy.deepcopy(base)
    for dotted, value in options.items():
        node = out
        parts = dotted.split('.')
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        node[parts[-1]] = value
    return out


def _flatten(d, prefix=''):
    for k, v in d.items():
        key = f'{prefix}.{k}' if prefix else k
        if isinstance(v, dict) and v:
            yield from _flatten(v, key)
        else:
            yield key, v


dict_trees = st.recursive(scalars, lambda c: st.dictionaries(identifiers, c, min_size=1, max_size=3), max_leaves=10)


@SETTINGS
@given(base=st.dictionaries(identifiers, dict_trees, max_size=4),
       new=st.dictionaries(identifiers, dict_trees, max_size=4))
def test_merge_from_dict_matches_a_reference_merge(base, new):
    options = dict(_flatten(new))
    cfg = Config(base)
    # the reference merge only sets dotted paths; a scalar in the way of a dotted path is a TypeError in Config
    blocked = False
    for dotted in options:
        node = base
        for p in dotted.split('.')[:-1]:
            if not isinstance(node, dict) or p not in node:
                break
            node = node[p]
            if not isinstance(node, dict):
                blocked = True
    if blocked:
        return
    cfg.merge_from_dict(options)
    assert cfg.to_dict() == _deep_merge(base, options)
    for key in options:
        assert cfg.key_origins().get(key, '<merge_from_dict>') == '<merge_from_dict>'


# values DictAction can express: scalars that survive str() -> parse, and lists/tuples of them
words = st.text(string.ascii_letters, min_size=1, max_size=6).filter(lambda s: isinstance(parse_scalar(s), str))
cli_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                        st.floats(allow_nan=False, allow_infinity=False), words)
cli_values = st.recursive(cli_scalars, lambda c: st.one_of(st.lists(c, max_size=3),
                                                          st.lists(c, min_size=1, max_size=3).map(tuple)),
                          max_leaves=8)


def _to_cli(value):
    if isinstance(value, list):
        return '[' + ','.join(_to_cli(v) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ','.join(_to_cli(v) for v in value) + (',)' if len(value) == 1 else ')')
    return repr(value) if isinstance(value, float) else str(value)


@SETTINGS
@given(options=st.dictionaries(st.lists(identifiers, min_size=1, max_size=3).map('.'.join), cli_values,
                               min_size=1, max_size=5))
def test_dict_action_parses_what_it_is_given(options):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(['--cfg-options'] + [f'{k}={_to_cli(v)}' for k, v in options.items()])
    assert args.cfg_options == options
