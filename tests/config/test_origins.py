"""Where each value comes from: key_origins(), origin_of(), base_chain, base_tree."""
import pytest

from workbench.config import SET_IN_CODE, Config


@pytest.fixture
def chain(write):
    rt = write('_base_/runtime.py', "log = dict(interval=50, hooks=[1])\nseed = 0\n")
    mdl = write('_base_/model.py', "model = dict(type='Net', backbone=dict(depth=50, frozen=1), neck=dict(n=5))\n")
    mid = write('m/base.py', """
        _base_ = ['../_base_/model.py', '../_base_/runtime.py']
        model = dict(backbone=dict(depth=101))
    """)
    top = write('m/top.py', """
        _base_ = './base.py'
        model = dict(neck=dict(_delete_=True, k=3))
        seed = 42
    """)
    return dict(rt=rt, mdl=mdl, mid=mid, top=top)


def test_key_origins_follow_the_last_writer(chain):
    cfg = Config.fromfile(chain['top'])
    assert cfg.key_origins() == {
        'model.type': chain['mdl'],
        'model.backbone.depth': chain['mid'],
        'model.backbone.frozen': chain['mdl'],
        'model.neck.k': chain['top'],
        'log.interval': chain['rt'],
        'log.hooks': chain['rt'],
        'seed': chain['top'],
    }
    assert cfg.origin_of('model.backbone.depth') == chain['mid']
    with pytest.raises(KeyError, match="'model.backbone' is not a leaf key.*model.backbone.depth"):
        cfg.origin_of('model.backbone')


def test_base_chain_and_tree(chain):
    cfg = Config.fromfile(chain['top'])
    assert cfg.base_chain == [chain['mdl'], chain['rt'], chain['mid'], chain['top']]
    assert cfg._base_chain == cfg.base_chain
    assert cfg.base_tree == {'file': chain['top'], 'bases': [
        {'file': chain['mid'], 'bases': [{'file': chain['mdl'], 'bases': []}, {'file': chain['rt'], 'bases': []}]}]}


def test_origins_after_merge_from_dict_and_code_edits(chain):
    cfg = Config.fromfile(chain['top'])
    cfg.model.backbone.frozen = 2            # edited in code: no file set this value
    cfg.merge_from_dict({'log.interval': 10, 'log.hooks.0': 7, 'extra.x': 1}, source='--cfg-options')
    origins = cfg.key_origins()
    assert origins['model.backbone.frozen'] == SET_IN_CODE
    assert origins['log.interval'] == '--cfg-options'
    assert origins['log.hooks'] == '--cfg-options'  # a list is one leaf
    assert origins['extra.x'] == '--cfg-options'
    assert origins['model.backbone.depth'] == chain['mid']
    cfg.seed = 1
    assert cfg.key_origins()['seed'] == SET_IN_CODE


def test_dict_config_origins():
    cfg = Config(dict(a=1, b=dict(c=2, d={})))
    assert cfg.key_origins() == {'a': '<dict>', 'b.c': '<dict>', 'b.d': '<dict>'}
    assert cfg.base_chain == []
