"""BaseModule / Sequential / ModuleList / ModuleDict (seed 002, "inner init_cfg has higher priority")."""
import warnings

import pytest
import torch
import torch.nn as nn

from workbench.cnn import BaseModule, ConvModule, ModuleDict, ModuleList, Sequential


class FooConv1d(BaseModule):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv1d = nn.Conv1d(4, 1, 4)

    def forward(self, x):
        return self.conv1d(x)


class FooConv2d(BaseModule):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv2d = nn.Conv2d(3, 1, 3)

    def forward(self, x):
        return self.conv2d(x)


init_cfg1 = dict(type='Constant', layer='Conv1d', val=0., bias=1.)
init_cfg2 = dict(type='Constant', layer='Conv2d', val=2., bias=3.)
outer_cfg = dict(type='Constant', layer=['Conv1d', 'Conv2d'], val=4., bias=5.)


def _check(m1, m2):
    assert torch.all(m1.conv1d.weight == 0.) and torch.all(m1.conv1d.bias == 1.)
    assert torch.all(m2.conv2d.weight == 2.) and torch.all(m2.conv2d.bias == 3.)


def test_seed_base_module():
    model = FooConv1d(dict(type='Constant', layer='Conv1d', val=0., bias=1.))
    model.init_weights()
    assert torch.all(model.conv1d.weight == 0.) and torch.all(model.conv1d.bias == 1.)
    assert model.is_init


def test_seed_sequential():
    seq_model = Sequential(FooConv1d(init_cfg1), FooConv2d(init_cfg2))
    seq_model.init_weights()
    _check(seq_model[0], seq_model[1])


def test_seed_sequential_inner_priority():
    seq_model = Sequential(FooConv1d(init_cfg1), FooConv2d(init_cfg2), init_cfg=outer_cfg)
    seq_model.init_weights()
    _check(seq_model[0], seq_model[1])


def test_seed_modulelist():
    modellist = ModuleList([FooConv1d(init_cfg1), FooConv2d(init_cfg2)])
    modellist.init_weights()
    _check(modellist[0], modellist[1])
    modellist = ModuleList([FooConv1d(init_cfg1), FooConv2d(init_cfg2)], init_cfg=outer_cfg)
    modellist.init_weights()
    _check(modellist[0], modellist[1])


def test_seed_moduledict():
    modeldict = ModuleDict(dict(model1=FooConv1d(init_cfg1), model2=FooConv2d(init_cfg2)))
    modeldict.init_weights()
    _check(modeldict['model1'], modeldict['model2'])
    modeldict = ModuleDict(dict(model1=FooConv1d(init_cfg1), model2=FooConv2d(init_cfg2)), init_cfg=outer_cfg)
    modeldict.init_weights()
    _check(modeldict['model1'], modeldict['model2'])


def test_outer_cfg_applies_where_inner_has_none():
    seq = Sequential(FooConv1d(), FooConv2d(init_cfg2), init_cfg=outer_cfg)
    seq.init_weights()
    assert torch.all(seq[0].conv1d.weight == 4.) and torch.all(seq[0].conv1d.bias == 5.)
    assert torch.all(seq[1].conv2d.weight == 2.)


def test_only_direct_children_with_init_weights_are_called():
    """mmcv semantics: a ConvModule inside a plain nn.ModuleList keeps the parent's init (its own kaiming
    ``init_weights`` is not reached), while a direct ConvModule child re-initialises itself."""

    class Neck(BaseModule):

        def __init__(self):
            super().__init__(dict(type='Constant', layer='Conv2d', val=7.))
            self.convs = nn.ModuleList([ConvModule(2, 2, 1)])
            self.direct = ConvModule(2, 2, 1)

    neck = Neck()
    neck.init_weights()
    assert torch.all(neck.convs[0].conv.weight == 7.)
    assert not torch.all(neck.direct.conv.weight == 7.)


def test_pretrained_top_level_stops_children(tmp_path):
    pytest.importorskip('workbench.engine.checkpoint')
    src = Sequential(FooConv1d(), FooConv2d())
    for p in src.parameters():
        nn.init.constant_(p, 9.)
    path = tmp_path / 'w.pth'
    torch.save(src.state_dict(), path)
    seq = Sequential(FooConv1d(init_cfg1), FooConv2d(init_cfg2), init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    seq.init_weights()
    assert all(torch.all(p == 9.) for p in seq.parameters())


def test_init_twice_warns_and_init_info():
    model = Sequential(FooConv1d(init_cfg1), FooConv2d())
    model.init_weights()
    info = model.init_info()
    assert set(info) == {'0.conv1d.weight', '0.conv1d.bias', '1.conv2d.weight', '1.conv2d.bias'}
    assert 'ConstantInit' in info['0.conv1d.weight']
    assert 'same before and after' in info['1.conv2d.weight']
    assert not any(hasattr(m, '_params_init_info') for m in model.modules())
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter('always')
        model.init_weights()
    assert any('more than once' in str(r.message) for r in rec)


def test_repr_shows_init_cfg():
    assert 'init_cfg=' in repr(FooConv1d(init_cfg1))
