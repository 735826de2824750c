"""Layer builders (seed 002 "Layer building", mmcv docs §8.1)."""
import pytest
import torch
import torch.nn as nn

from workbench.cnn import (ACTIVATION_LAYERS, UPSAMPLE_LAYERS, ConvWS2d, HSigmoid, PixelShufflePack,
                           build_activation_layer, build_conv_layer, build_norm_layer, build_padding_layer,
                           build_plugin_layer, build_upsample_layer, is_norm)
from workbench.registry import PLUGIN_LAYERS


def test_seed_conv3d_example():
    cfg = dict(type='Conv3d')
    layer = build_conv_layer(cfg, in_channels=3, out_channels=8, kernel_size=3)
    assert type(layer) is nn.Conv3d
    assert (layer.in_channels, layer.out_channels, layer.kernel_size) == (3, 8, (3, 3, 3))


@pytest.mark.parametrize('name,cls', [('Conv1d', nn.Conv1d), ('Conv2d', nn.Conv2d), ('Conv3d', nn.Conv3d),
                                      ('Conv', nn.Conv2d), ('ConvWS', ConvWS2d)])
def test_conv_types(name, cls):
    layer = build_conv_layer(dict(type=name), 4, 6, 3)
    assert type(layer) is cls


def test_conv_none_is_conv2d_and_cfg_kwargs_merge():
    layer = build_conv_layer(None, 3, 5, 3, padding=1)
    assert type(layer) is nn.Conv2d and layer.padding == (1, 1)
    layer = build_conv_layer(dict(type='Conv2d', dilation=2), 3, 5, 3)
    assert layer.dilation == (2, 2)


def test_conv_errors():
    with pytest.raises(KeyError, match='Conv4d'):
        build_conv_layer(dict(type='Conv4d'), 3, 3, 1)
    with pytest.raises(KeyError, match='type'):
        build_conv_layer(dict(kernel=3), 3, 3, 1)
    with pytest.raises(TypeError):
        build_conv_layer('Conv2d', 3, 3, 1)


def test_conv_ws_standardises_weight():
    torch.manual_seed(0)
    conv = ConvWS2d(3, 4, 3, padding=1, bias=False)
    x = torch.randn(1, 3, 5, 5)
    w = conv.weight
    flat = w.view(4, -1)
    w_std = (w - flat.mean(1).view(-1, 1, 1, 1)) / (flat.std(1).view(-1, 1, 1, 1) + 1e-5)
    torch.testing.assert_close(conv(x), nn.functional.conv2d(x, w_std, padding=1))


@pytest.mark.parametrize('cfg,cls,name', [
    (dict(type='BN'), nn.BatchNorm2d, 'bn'), (dict(type='BN1d'), nn.BatchNorm1d, 'bn'),
    (dict(type='BN2d'), nn.BatchNorm2d, 'bn'), (dict(type='BN3d'), nn.BatchNorm3d, 'bn'),
    (dict(type='SyncBN'), nn.SyncBatchNorm, 'bn'), (dict(type='GN', num_groups=2), nn.GroupNorm, 'gn'),
    (dict(type='LN'), nn.LayerNorm, 'ln'), (dict(type='IN'), nn.InstanceNorm2d, 'in'),
    (dict(type='IN1d'), nn.InstanceNorm1d, 'in'), (dict(type='IN2d'), nn.InstanceNorm2d, 'in'),
    (dict(type='IN3d'), nn.InstanceNorm3d, 'in')])
def test_norm_types_and_names(cfg, cls, name):
    got_name, layer = build_norm_layer(cfg, 4)
    assert type(layer) is cls and got_name == name
    got_name, _ = build_norm_layer(cfg, 4, postfix=1)
    assert got_name == name + '1'
    assert is_norm(layer)


def test_norm_requires_grad_and_args():
    _, bn = build_norm_layer(dict(type='BN', requires_grad=False, eps=1e-3, momentum=0.03), 8)
    assert all(not p.requires_grad for p in bn.parameters())
    assert bn.eps == 1e-3 and bn.momentum == 0.03
    _, gn = build_norm_layer(dict(type='GN', num_groups=2), 8)
    assert gn.num_groups == 2 and gn.num_channels == 8
    assert build_norm_layer(dict(type='BN'), 3, postfix='_x')[0] == 'bn_x'
    assert not is_norm(nn.Conv2d(1, 1, 1))
    assert not is_norm(bn, exclude=nn.BatchNorm2d)


def test_norm_errors():
    with pytest.raises(KeyError, match='num_groups'):
        build_norm_layer(dict(type='GN'), 8)
    with pytest.raises(KeyError, match='BatchNrm'):
        build_norm_layer(dict(type='BatchNrm'), 8)
    with pytest.raises(TypeError):
        build_norm_layer(dict(type='BN'), 8, postfix=1.5)


@pytest.mark.parametrize('name', ['ReLU', 'LeakyReLU', 'PReLU', 'RReLU', 'ReLU6', 'ELU', 'Sigmoid', 'Tanh', 'GELU',
                                  'SiLU', 'Swish', 'HSigmoid', 'HSwish', 'Clamp'])
def test_activation_types(name):
    layer = build_activation_layer(dict(type=name))
    x = torch.linspace(-5, 5, 11)
    assert layer(x).shape == x.shape


def test_activation_values():
    x = torch.tensor([-4., -1., 0., 1., 4.])
    torch.testing.assert_close(build_activation_layer(dict(type='HSigmoid'))(x), ((x + 3) / 6).clamp(0, 1))
    torch.testing.assert_close(build_activation_layer(dict(type='HSwish'))(x), x * nn.functional.relu6(x + 3) / 6)
    torch.testing.assert_close(build_activation_layer(dict(type='Swish'))(x), x * torch.sigmoid(x))
    torch.testing.assert_close(build_activation_layer(dict(type='Clamp', min=-1, max=2))(x), x.clamp(-1, 2))
    leaky = build_activation_layer(dict(type='LeakyReLU', negative_slope=0.1, inplace=True))
    assert leaky.negative_slope == 0.1 and leaky.inplace
    assert HSigmoid(bias=1.0, divisor=2.0)(torch.tensor([0.])).item() == 0.5
    with pytest.raises(ValueError):
        HSigmoid(divisor=0)


def test_upsample_types():
    x = torch.rand(1, 2, 4, 4)
    up = build_upsample_layer(dict(type='nearest', scale_factor=2))
    assert isinstance(up, nn.Upsample) and up.mode == 'nearest' and up(x).shape == (1, 2, 8, 8)
    up = build_upsample_layer(dict(type='bilinear', scale_factor=2))
    assert up.mode == 'bilinear' and up(x).shape == (1, 2, 8, 8)
    up = build_upsample_layer(dict(type='deconv'), in_channels=2, out_channels=3, kernel_size=2, stride=2)
    assert isinstance(up, nn.ConvTranspose2d) and up(x).shape == (1, 3, 8, 8)
    up = build_upsample_layer(dict(type='pixel_shuffle', in_channels=2, out_channels=3, scale_factor=2,
                                   upsample_kernel=3))
    assert isinstance(up, PixelShufflePack) and up(x).shape == (1, 3, 8, 8)


def test_seed_upsample_extension():
    """Seed 002 "Extension": register a custom upsample layer and build it by name."""

    @UPSAMPLE_LAYERS.register_module()
    class MyUpsample:

        def __init__(self, scale_factor):
            self.scale_factor = scale_factor

        def forward(self, x):
            pass

    try:
        cfg = dict(type='MyUpsample', scale_factor=2)
        layer = build_upsample_layer(cfg)
        assert isinstance(layer, MyUpsample) and layer.scale_factor == 2
    finally:
        UPSAMPLE_LAYERS.module_dict.pop('MyUpsample')


@pytest.mark.parametrize('name,cls', [('zero', nn.ZeroPad2d), ('reflect', nn.ReflectionPad2d),
                                      ('replicate', nn.ReplicationPad2d)])
def test_padding_types(name, cls):
    layer = build_padding_layer(dict(type=name), 2)
    assert type(layer) is cls
    assert layer(torch.rand(1, 1, 3, 3)).shape == (1, 1, 7, 7)


def test_padding_unknown():
    with pytest.raises(KeyError, match='circle'):
        build_padding_layer(dict(type='circle'), 1)


def test_plugin_layer_naming():

    @PLUGIN_LAYERS.register_module()
    class MyContextBlock(nn.Module):

        def __init__(self, in_channels):
            super().__init__()
            self.in_channels = in_channels

    try:
        name, layer = build_plugin_layer(dict(type='MyContextBlock'), postfix=2, in_channels=4)
        assert name == 'my_context_block2' and layer.in_channels == 4
    finally:
        PLUGIN_LAYERS.module_dict.pop('MyContextBlock')


def test_activation_registry_lists_seed_names():
    for name in ['ReLU', 'LeakyReLU', 'PReLU', 'RReLU', 'ReLU6', 'ELU', 'Sigmoid', 'Tanh', 'GELU']:
        assert name in ACTIVATION_LAYERS
