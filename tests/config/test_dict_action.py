"""DictAction parsing (--cfg-options) and its errors."""
import argparse

import pytest

from workbench.config import Config, DictAction


@pytest.fixture
def parser():
    p = argparse.ArgumentParser(prog='prog')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return p


def test_issue_example(parser):
    # the shell has already removed the quotes around "(a,b)"
    args = parser.parse_args(['--cfg-options', 'a.b=1', 'c=[1,2]', 'd=(a,b)', 'e=None'])
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2], 'd': ('a', 'b'), 'e': None}


@pytest.mark.parametrize('text, value', [
    ('1', 1), ('-3', -3), ('1.5', 1.5), ('1e-3', 1e-3), ('True', True), ('false', False), ('None', None),
    ('none', 'none'), ('abc', 'abc'), ("'abc'", 'abc'), ('1,2,3', [1, 2, 3]), ('[1,2,3]', [1, 2, 3]),
    ('(1,2)', (1, 2)), ('(1,)', (1,)), ('[]', []), ('()', ()), ('[(train,1),(val,1)]', [('train', 1), ('val', 1)]),
    ('[[1,2],[3,[4]]]', [[1, 2], [3, [4]]]), ('(a,[b,(c,d)])', ('a', ['b', ('c', 'd')])),
    ('"[1, 2]"', [1, 2]), ('(1,2),(3,4)', [(1, 2), (3, 4)]), ('x=y', 'x=y'),
])
def test_value_parsing(parser, text, value):
    assert parser.parse_args(['--cfg-options', f'k={text}']).cfg_options == {'k': value}


def test_mmdet_docs_examples(parser):
    args = parser.parse_args(['--cfg-options', 'model.backbone.norm_eval=False',
                              'data.train.pipeline.0.type=LoadImageFromWebcam', 'workflow=[(train,1),(val,1)]',
                              'model.test_cfg.deploy_nms_pre=-1'])
    cfg = Config(dict(model=dict(backbone=dict(norm_eval=True, depth=50), test_cfg=dict()),
                      data=dict(train=dict(pipeline=[dict(type='LoadImageFromFile'), dict(type='Resize')])),
                      workflow=[('train', 1)]))
    cfg.merge_from_dict(args.cfg_options)
    assert cfg.model.backbone == dict(norm_eval=False, depth=50)
    assert cfg.data.train.pipeline == [dict(type='LoadImageFromWebcam'), dict(type='Resize')]
    assert cfg.workflow == [('train', 1), ('val', 1)]
    assert cfg.model.test_cfg.deploy_nms_pre == -1


def test_repeated_option_accumulates(parser):
    args = parser.parse_args(['--cfg-options', 'a=1', '--cfg-options', 'b=2'])
    assert args.cfg_options == {'a': 1, 'b': 2}


@pytest.mark.parametrize('word, message', [
    ('novalue', "expected KEY=VALUE, got 'novalue'"), ('=1', 'empty KEY'),
    ('c=[1,2', "c: unbalanced brackets in '\\[1,2'"), ('c=(1,2]', 'unbalanced brackets'),
])
def test_errors_exit_with_a_clear_message(parser, capsys, word, message):
    with pytest.raises(SystemExit) as info:
        parser.parse_args(['--cfg-options', word])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert 'argument --cfg-options' in err
    import re
    assert re.search(message, err)
