"""Weight initialisation functions, INITIALIZERS and ``initialize`` (seed 002 "Weight initialization")."""
import math

import pytest
import torch
import torch.nn as nn

from workbench.cnn import (INITIALIZERS, bias_init_with_prob, caffe2_xavier_init, constant_init, initialize,
                           kaiming_init, normal_init, trunc_normal_init, uniform_init, xavier_init)


def test_seed_constant_init():
    conv1 = nn.Conv2d(3, 3, 1)
    constant_init(conv1, 1, 0)
    assert torch.all(conv1.weight == 1) and torch.all(conv1.bias == 0)


def test_seed_xavier_init():
    torch.manual_seed(0)
    conv1 = nn.Conv2d(64, 64, 3)
    xavier_init(conv1, distribution='normal')
    std = math.sqrt(2.0 / (64 * 9 + 64 * 9))
    assert abs(conv1.weight.std().item() - std) / std < 0.05 and torch.all(conv1.bias == 0)
    xavier_init(conv1, gain=2, bias=0.5, distribution='uniform')
    bound = 2 * math.sqrt(6.0 / (64 * 9 * 2))
    assert conv1.weight.abs().max().item() <= bound and conv1.weight.abs().max().item() > 0.9 * bound
    assert torch.all(conv1.bias == 0.5)
    with pytest.raises(ValueError):
        xavier_init(conv1, distribution='gaussian')


def test_seed_normal_init():
    torch.manual_seed(0)
    conv1 = nn.Conv2d(64, 64, 3)
    normal_init(conv1, std=0.01, bias=0)
    assert abs(conv1.weight.std().item() - 0.01) < 0.001 and abs(conv1.weight.mean().item()) < 0.001
    assert torch.all(conv1.bias == 0)


def test_seed_uniform_init():
    conv1 = nn.Conv2d(3, 3, 1)
    uniform_init(conv1, a=0, b=1)
    assert conv1.weight.min() >= 0 and conv1.weight.max() <= 1 and torch.all(conv1.bias == 0)


def test_seed_kaiming_init():
    torch.manual_seed(0)
    conv1 = nn.Conv2d(64, 64, 3)
    kaiming_init(conv1)  # fan_out, relu gain, normal
    std = math.sqrt(2.0 / (64 * 9))
    assert abs(conv1.weight.std().item() - std) / std < 0.05 and torch.all(conv1.bias == 0)
    kaiming_init(conv1, mode='fan_in', distribution='uniform', bias=0.1)
    assert conv1.weight.abs().max() <= math.sqrt(3) * std and torch.allclose(conv1.bias, torch.tensor(0.1))


def test_seed_caffe2_xavier_init():
    torch.manual_seed(0)
    conv1 = nn.Conv2d(64, 32, 3)
    caffe2_xavier_init(conv1)
    # kaiming_uniform_(a=1, fan_in) -> bound = sqrt(3 / fan_in)
    bound = math.sqrt(3.0 / (64 * 9))
    assert conv1.weight.abs().max() <= bound and conv1.weight.abs().max() > 0.95 * bound
    assert torch.all(conv1.bias == 0)


def test_trunc_normal_init():
    torch.manual_seed(0)
    lin = nn.Linear(100, 100)
    trunc_normal_init(lin, std=1., a=-0.5, b=0.5, bias=0.2)
    assert lin.weight.min() >= -0.5 and lin.weight.max() <= 0.5 and torch.allclose(lin.bias, torch.tensor(0.2))


def test_seed_bias_init_with_prob():
    bias = bias_init_with_prob(0.01)
    assert bias == -4.59511985013459
    with pytest.raises(ValueError):
        bias_init_with_prob(1.5)


class FooNet(nn.Module):

    def __init__(self, cls_seq=False):
        super().__init__()
        self.feat = nn.Conv1d(3, 1, 3)
        self.reg = nn.Conv2d(3, 3, 3)
        self.cls = nn.Sequential(nn.Conv1d(3, 1, 3), nn.Linear(1, 2)) if cls_seq else nn.Linear(1, 2)


def test_seed_initialize_layer_key_same_cfg():
    model = FooNet()
    init_cfg = dict(type='Constant', layer=['Conv1d', 'Conv2d', 'Linear'], val=1)
    initialize(model, init_cfg)
    for m in (model.feat, model.reg, model.cls):
        assert torch.all(m.weight == 1) and torch.all(m.bias == 0)
    assert model.feat.weight.shape == (1, 3, 3)


def test_seed_initialize_layer_key_different_cfgs():
    model = FooNet()
    init_cfg = [dict(type='Constant', layer='Conv1d', val=1),
                dict(type='Constant', layer='Conv2d', val=2),
                dict(type='Constant', layer='Linear', val=3)]
    initialize(model, init_cfg)
    assert torch.all(model.feat.weight == 1)
    assert torch.all(model.reg.weight == 2)
    assert torch.all(model.cls.weight == 3)


def test_seed_initialize_override():
    model = FooNet(cls_seq=True)
    init_cfg = dict(type='Constant', layer=['Conv1d', 'Conv2d'], val=1, bias=2,
                    override=dict(type='Constant', name='reg', val=3, bias=4))
    initialize(model, init_cfg)
    assert torch.all(model.feat.weight == 1) and torch.all(model.feat.bias == 2)
    assert torch.all(model.cls[0].weight == 1) and torch.all(model.cls[0].bias == 2)
    assert torch.all(model.reg.weight == 3) and torch.all(model.reg.bias == 4)
    # Linear is not in `layer`: untouched
    assert not torch.all(model.cls[1].weight == 1)


def test_seed_initialize_override_name_only():
    torch.manual_seed(0)
    model = FooNet(cls_seq=True)
    feat_before = model.feat.weight.clone()
    cls_before = model.cls[0].weight.clone()
    init_cfg = dict(type='Constant', val=1, bias=2, override=dict(name='reg'))
    initialize(model, init_cfg)
    assert torch.all(model.reg.weight == 1) and torch.all(model.reg.bias == 2)
    torch.testing.assert_close(model.feat.weight, feat_before)
    torch.testing.assert_close(model.cls[0].weight, cls_before)


def test_seed_no_layer_no_override_initialises_nothing():
    torch.manual_seed(0)
    model = FooNet()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    initialize(model, dict(type='Constant', val=1, bias=2))
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k])


def test_seed_invalid_overrides():
    model = FooNet()
    with pytest.raises(ValueError, match='name'):
        initialize(model, dict(type='Constant', layer=['Conv1d', 'Conv2d'], val=1, bias=2,
                               override=dict(type='Constant', val=3, bias=4)))
    with pytest.raises(ValueError, match='type'):
        initialize(model, dict(type='Constant', layer=['Conv1d', 'Conv2d'], val=1, bias=2,
                               override=dict(name='reg', val=3, bias=4)))
    with pytest.raises(RuntimeError, match='box'):
        initialize(model, dict(type='Constant', val=1, override=dict(name='box')))
    with pytest.raises(TypeError):
        initialize(model, 'Constant')


def test_api_reference_examples():
    module = nn.Linear(2, 3, bias=True)
    initialize(module, dict(type='Constant', layer='Linear', val=1, bias=2))
    assert torch.all(module.weight == 1) and torch.all(module.bias == 2)

    class Foo(nn.Module):

        def __init__(self):
            super().__init__()
            self.feats = nn.Conv2d(3, 16, 3)
            self.reg = nn.Conv2d(16, 10, 3)
            self.cls = nn.Conv2d(16, 5, 3)

    model = Foo()
    initialize(model, dict(type='Constant', val=1, bias=2, layer='Conv2d',
                           override=dict(type='Constant', name='reg', val=3, bias=4)))
    for m in (model.feats, model.cls):
        assert torch.all(m.weight == 1) and torch.all(m.bias == 2)
    assert torch.all(model.reg.weight == 3) and torch.all(model.reg.bias == 4)


def test_base_class_names_match_layer_key():
    bn = nn.Sequential(nn.BatchNorm2d(4), nn.GroupNorm(2, 4), nn.SyncBatchNorm(4))
    initialize(bn, dict(type='Constant', val=3, layer=['_BatchNorm']))
    assert torch.all(bn[0].weight == 3) and torch.all(bn[2].weight == 3) and torch.all(bn[1].weight == 1)


def test_bias_prob_and_registered_names():
    for name in ['Constant', 'Xavier', 'Normal', 'TruncNormal', 'Uniform', 'Kaiming', 'Caffe2Xavier', 'Pretrained']:
        assert name in INITIALIZERS
    conv = nn.Conv2d(2, 2, 1)
    initialize(conv, dict(type='Normal', layer='Conv2d', std=0.01, bias_prob=0.01))
    assert torch.allclose(conv.bias, torch.tensor(-4.59511985013459))
    initialize(conv, dict(type='TruncNormal', layer='Conv2d', std=0.03))
    assert conv.weight.abs().max() <= 2
    for cfg in (dict(type='Xavier', layer='Conv2d'), dict(type='Kaiming', layer='Conv2d'),
                dict(type='Caffe2Xavier', layer='Conv2d'), dict(type='Uniform', layer='Conv2d', a=2, b=3)):
        initialize(conv, cfg)
    assert conv.weight.min() >= 2
    with pytest.raises(TypeError):
        initialize(conv, dict(type='Constant', val=1, bias='x', layer='Conv2d'))
    with pytest.raises(TypeError):
        initialize(conv, dict(type='Constant', val=1, bias_prob=1, layer='Conv2d'))


def test_pretrained_init_with_and_without_prefix(tmp_path):
    pytest.importorskip('workbench.engine.checkpoint')
    torch.manual_seed(0)
    src = FooNet()
    path = tmp_path / 'plain.pth'
    torch.save(src.state_dict(), path)
    model = FooNet()
    initialize(model, dict(type='Pretrained', checkpoint=str(path)))
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, src.state_dict()[k])

    prefixed = tmp_path / 'detector.pth'
    torch.save({'meta': {}, 'state_dict': {f'backbone.{k}': v + 1 for k, v in src.state_dict().items()}}, prefixed)
    model = FooNet()
    initialize(model, dict(type='Pretrained', checkpoint=str(prefixed), prefix='backbone.', map_location='cpu'))
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, src.state_dict()[k] + 1)
