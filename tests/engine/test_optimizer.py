"""build_optimizer and DefaultOptimizerConstructor's paramwise_cfg (mmcv 1.x rules)."""
import pytest
import torch
import torch.nn as nn

from workbench.engine import DefaultOptimizerConstructor, build_optimizer
from workbench.registry import OPTIMIZERS


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3, bias=True), nn.BatchNorm2d(4))
        self.dw = nn.Conv2d(4, 4, 3, groups=4)
        self.cls_head = nn.Linear(4, 2)
        self.gn = nn.GroupNorm(2, 4)


def groups_by_param(model, optimizer):
    names = {id(p): n for n, p in model.named_parameters()}
    return {names[id(g['params'][0])]: g for g in optimizer.param_groups}


def test_every_torch_optimizer_is_registered():
    for name in ('SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'):
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)


def test_plain_config():
    model = Net()
    opt = build_optimizer(model, dict(type='AdamW', lr=0.001, weight_decay=0.05))
    assert isinstance(opt, torch.optim.AdamW)
    assert len(opt.param_groups) == 1 and opt.param_groups[0]['lr'] == 0.001


def test_custom_keys_doc_example():
    model = Net()
    opt = build_optimizer(model, dict(type='SGD', lr=0.01, weight_decay=0.95,
                                      paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1,
                                                                                       decay_mult=0.9)})))
    groups = groups_by_param(model, opt)
    for name, g in groups.items():
        if name.startswith('backbone'):
            assert g['lr'] == pytest.approx(0.001) and g['weight_decay'] == pytest.approx(0.855), name
        else:
            assert g['lr'] == pytest.approx(0.01) and g['weight_decay'] == pytest.approx(0.95), name


def test_longest_custom_key_wins():
    model = Net()
    opt = build_optimizer(model, dict(type='SGD', lr=1.0, weight_decay=1.0, paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.1), 'backbone.0': dict(lr_mult=0.5)})))
    groups = groups_by_param(model, opt)
    assert groups['backbone.0.weight']['lr'] == 0.5
    assert groups['backbone.1.weight']['lr'] == 0.1


def test_bias_norm_dwconv_multipliers():
    model = Net()
    opt = build_optimizer(model, dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4, paramwise_cfg=dict(
        bias_lr_mult=2., bias_decay_mult=0.5, norm_decay_mult=0., dwconv_decay_mult=0.1)))
    g = groups_by_param(model, opt)
    assert g['backbone.0.weight'] == {**g['backbone.0.weight'], 'lr': 0.01, 'weight_decay': 1e-4}
    assert g['backbone.0.bias']['lr'] == pytest.approx(0.02)
    assert g['backbone.0.bias']['weight_decay'] == pytest.approx(5e-5)
    # norm layers: no bias lr mult, norm decay mult on weight and bias
    for n in ('backbone.1.weight', 'backbone.1.bias', 'gn.weight', 'gn.bias'):
        assert g[n]['weight_decay'] == 0.0, n
    assert g['backbone.1.bias']['lr'] == 0.01
    # depthwise conv: dwconv decay on weight and bias; bias lr mult still applies to its bias
    assert g['dw.weight']['weight_decay'] == pytest.approx(1e-5)
    assert g['dw.bias']['weight_decay'] == pytest.approx(1e-5)
    assert g['dw.bias']['lr'] == pytest.approx(0.02)
    assert g['cls_head.bias']['lr'] == pytest.approx(0.02)


def test_frozen_params_keep_global_settings():
    model = Net()
    model.backbone[0].weight.requires_grad_(False)
    opt = build_optimizer(model, dict(type='SGD', lr=0.01, weight_decay=1e-4, paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.1)})))
    g = groups_by_param(model, opt)
    assert g['backbone.0.weight']['lr'] == 0.01


def test_bypass_duplicate():
    model = Net()
    model.tied = nn.Linear(4, 2)
    model.tied.weight = model.cls_head.weight  # the same Parameter in two modules
    cfg = dict(type='SGD', lr=0.01, weight_decay=1e-4, paramwise_cfg=dict(bias_lr_mult=2.))
    with pytest.raises(ValueError, match='some parameters appear in more than one parameter group'):
        build_optimizer(model, cfg)
    cfg['paramwise_cfg']['bypass_duplicate'] = True
    with pytest.warns(UserWarning, match='is duplicate'):
        opt = build_optimizer(model, cfg)
    assert sum(len(g['params']) for g in opt.param_groups) == len(list(model.parameters()))


def test_dcn_offset_lr_mult():
    class DeformConv2d(nn.Module):  # stands for the DCN op: matched by class name
        def __init__(self):
            super().__init__()
            self.conv_offset = nn.Conv2d(4, 18, 3)
            self.weight = nn.Parameter(torch.zeros(4, 4, 3, 3))

    model = nn.Module()
    model.dcn = DeformConv2d()
    opt = build_optimizer(model, dict(type='SGD', lr=0.01, weight_decay=1e-4, paramwise_cfg=dict(
        dcn_offset_lr_mult=0.1, bias_lr_mult=2., bias_decay_mult=0.)))
    g = groups_by_param(model, opt)
    assert g['dcn.conv_offset.weight']['lr'] == pytest.approx(0.001)
    assert g['dcn.conv_offset.bias']['lr'] == pytest.approx(0.001)
    # bias decay does not reach DCN offsets
    assert g['dcn.conv_offset.bias']['weight_decay'] == pytest.approx(1e-4)


def test_bad_paramwise_cfg():
    with pytest.raises(ValueError, match='weight_decay'):
        DefaultOptimizerConstructor(dict(type='SGD', lr=0.1), dict(norm_decay_mult=0.))
    with pytest.raises(KeyError, match='bias_lr_mul'):
        DefaultOptimizerConstructor(dict(type='SGD', lr=0.1), dict(bias_lr_mul=2.))
    with pytest.raises(KeyError, match="'Sgd' is not in the 'optimizer' registry|Sgd is not in"):
        build_optimizer(Net(), dict(type='Sgd', lr=0.1))
