"""ConvModule and friends (seed 002 "Module bundles", mmcv docs §8.2-8.3, 8.7)."""
import pytest
import torch
import torch.nn as nn

from workbench.cnn import ConvModule, DepthwiseSeparableConvModule, Scale, fuse_conv_bn


def test_seed_conv_bn_relu():
    conv = ConvModule(3, 8, 2, norm_cfg=dict(type='BN'))
    assert isinstance(conv.conv, nn.Conv2d) and conv.conv.bias is None
    assert isinstance(conv.bn, nn.BatchNorm2d) and conv.bn.num_features == 8 and conv.norm is conv.bn
    assert isinstance(conv.activate, nn.ReLU) and conv.activate.inplace
    assert conv(torch.rand(2, 3, 5, 5)).shape == (2, 8, 4, 4)


def test_seed_conv_gn_relu():
    conv = ConvModule(3, 8, 2, norm_cfg=dict(type='GN', num_groups=2))
    assert isinstance(conv.gn, nn.GroupNorm) and conv.gn.num_groups == 2 and conv.conv.bias is None
    assert isinstance(conv.activate, nn.ReLU)


def test_seed_conv_relu():
    conv = ConvModule(3, 8, 2)
    assert conv.conv.bias is not None and conv.norm is None and isinstance(conv.activate, nn.ReLU)
    assert [n for n, _ in conv.named_children()] == ['conv', 'activate']


def test_seed_conv_only():
    conv = ConvModule(3, 8, 2, act_cfg=None)
    assert not hasattr(conv, 'activate') and conv.norm is None
    x = torch.rand(1, 3, 4, 4)
    torch.testing.assert_close(conv(x), conv.conv(x))


def test_seed_conv_leaky_relu():
    conv = ConvModule(3, 8, 3, padding=1, act_cfg=dict(type='LeakyReLU'))
    assert isinstance(conv.activate, nn.LeakyReLU)
    assert conv(torch.rand(1, 3, 6, 6)).shape == (1, 8, 6, 6)


def test_seed_bn_conv_relu():
    conv = ConvModule(3, 8, 2, norm_cfg=dict(type='BN'), order=('norm', 'conv', 'act'))
    # the norm comes first, so it normalises the 3 input channels
    assert conv.bn.num_features == 3
    conv.eval()
    x = torch.rand(1, 3, 5, 5)
    torch.testing.assert_close(conv(x), torch.relu(conv.conv(conv.bn(x))))


def test_forward_flags_and_bias_options():
    with pytest.warns(UserWarning, match='Unnecessary conv bias'):  # mmcv warns for a bias the norm cancels
        conv = ConvModule(3, 4, 3, padding=1, norm_cfg=dict(type='BN'), bias=True)
    assert conv.conv.bias is not None
    conv.eval()
    x = torch.randn(1, 3, 5, 5)
    torch.testing.assert_close(conv(x, activate=False, norm=False), conv.conv(x))
    torch.testing.assert_close(conv(x, activate=False), conv.bn(conv.conv(x)))
    assert ConvModule(3, 4, 1, bias=False).conv.bias is None
    with pytest.raises(ValueError):
        ConvModule(3, 4, 1, bias='yes')
    with pytest.raises(ValueError):
        ConvModule(3, 4, 1, order=('conv', 'norm'))
    # activations without an inplace argument are built without it
    assert isinstance(ConvModule(3, 4, 1, act_cfg=dict(type='Sigmoid')).activate, nn.Sigmoid)
    assert not ConvModule(3, 4, 1, inplace=False).activate.inplace


def test_padding_modes_and_spectral_norm():
    x = torch.randn(1, 2, 5, 5)
    conv = ConvModule(2, 2, 3, padding=1, padding_mode='reflect', act_cfg=None)
    assert isinstance(conv.padding_layer, nn.ReflectionPad2d) and conv.conv.padding == (0, 0)
    ref = nn.functional.conv2d(nn.functional.pad(x, (1, 1, 1, 1), mode='reflect'), conv.conv.weight,
                               conv.conv.bias)
    torch.testing.assert_close(conv(x), ref)
    circ = ConvModule(2, 2, 3, padding=1, padding_mode='circular', act_cfg=None)
    assert circ.conv.padding_mode == 'circular' and circ(x).shape == (1, 2, 5, 5)
    with pytest.raises(KeyError, match='mirror'):
        ConvModule(2, 2, 3, padding=1, padding_mode='mirror')
    sn = ConvModule(2, 2, 3, padding=1, with_spectral_norm=True)
    assert hasattr(sn.conv, 'weight_orig') and sn(x).shape == (1, 2, 5, 5)


def test_conv_module_default_init():
    """Kaiming-normal (fan_out) conv with zero bias; norm weight 1 / bias 0."""
    torch.manual_seed(0)
    conv = ConvModule(16, 64, 3, norm_cfg=dict(type='BN'))
    std = (2.0 / (64 * 9)) ** 0.5
    assert abs(conv.conv.weight.std().item() - std) / std < 0.05
    assert torch.all(conv.bn.weight == 1) and torch.all(conv.bn.bias == 0)
    assert torch.all(ConvModule(4, 4, 1).conv.bias == 0)


def test_depthwise_separable():
    m = DepthwiseSeparableConvModule(4, 8, 3, padding=1, norm_cfg=dict(type='BN'), dw_act_cfg=None)
    assert m.depthwise_conv.conv.groups == 4 and m.depthwise_conv.conv.weight.shape == (4, 1, 3, 3)
    assert m.pointwise_conv.conv.weight.shape == (8, 4, 1, 1)
    assert not hasattr(m.depthwise_conv, 'activate') and isinstance(m.pointwise_conv.activate, nn.ReLU)
    assert isinstance(m.depthwise_conv.bn, nn.BatchNorm2d) and isinstance(m.pointwise_conv.bn, nn.BatchNorm2d)
    x = torch.rand(1, 4, 6, 6)
    m.eval()
    torch.testing.assert_close(m(x), m.pointwise_conv(m.depthwise_conv(x)))
    with pytest.raises(ValueError):
        DepthwiseSeparableConvModule(4, 8, 3, groups=2)


def test_scale():
    s = Scale(2.5)
    assert s.scale.shape == () and s.scale.requires_grad  # 0-dim, as the mmdet checkpoints store it
    torch.testing.assert_close(s(torch.ones(2)), torch.full((2, ), 2.5))
    assert list(s.state_dict()) == ['scale']


def test_fuse_conv_bn_matches_eval_output():
    torch.manual_seed(0)
    model = nn.Sequential(ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type='BN')), nn.Conv2d(8, 4, 1),
                          nn.BatchNorm2d(4))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-1, 1)
    model.eval()
    x = torch.randn(2, 3, 8, 8)
    ref = model(x)
    fused = fuse_conv_bn(model)
    assert isinstance(fused[0].bn, nn.Identity) and isinstance(fused[2], nn.Identity)
    torch.testing.assert_close(fused(x), ref, atol=1e-5, rtol=1e-5)
