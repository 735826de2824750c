"""FPN, PAFPN, ChannelMapper, YOLOV3Neck, SSDNeck (seed 001 E12, E13; mmdet 2.x behaviour)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from workbench.models import FPN, PAFPN, ChannelMapper, SSDNeck, YOLOV3Neck, build_neck


def _inputs(in_channels, scales, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.rand(1, c, s, s, generator=g) for c, s in zip(in_channels, scales)]


def test_seed_fpn_doctest():
    in_channels = [2, 3, 5, 7]
    scales = [340, 170, 84, 43]
    inputs = _inputs(in_channels, scales)
    self = FPN(in_channels, 11, len(in_channels)).eval()
    outputs = self.forward(inputs)
    lines = [f'outputs[{i}].shape = {outputs[i].shape}' for i in range(len(outputs))]
    assert lines == ['outputs[0].shape = torch.Size([1, 11, 340, 340])',
                     'outputs[1].shape = torch.Size([1, 11, 170, 170])',
                     'outputs[2].shape = torch.Size([1, 11, 84, 84])',
                     'outputs[3].shape = torch.Size([1, 11, 43, 43])']


def test_seed_channel_mapper_doctest():
    in_channels = [2, 3, 5, 7]
    scales = [340, 170, 84, 43]
    inputs = _inputs(in_channels, scales)
    self = ChannelMapper(in_channels, 11, 3).eval()
    outputs = self.forward(inputs)
    lines = [f'outputs[{i}].shape = {outputs[i].shape}' for i in range(len(outputs))]
    assert lines == ['outputs[0].shape = torch.Size([1, 11, 340, 340])',
                     'outputs[1].shape = torch.Size([1, 11, 170, 170])',
                     'outputs[2].shape = torch.Size([1, 11, 84, 84])',
                     'outputs[3].shape = torch.Size([1, 11, 43, 43])']


IN_CH, SCALES = [4, 6, 8, 10], [32, 16, 8, 4]


def _reference_fpn(fpn, inputs, mode, relu_before):
    """FPN written out by hand for start_level=1, 3 used levels, 2 extra levels."""
    lat = [fpn.lateral_convs[i].conv(inputs[i + 1]) for i in range(3)]
    lat[1] = lat[1] + F.interpolate(lat[2], size=lat[1].shape[2:], mode='nearest')
    lat[0] = lat[0] + F.interpolate(lat[1], size=lat[0].shape[2:], mode='nearest')
    outs = [fpn.fpn_convs[i].conv(lat[i]) for i in range(3)]
    if mode is False:
        outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return outs
    src = {'on_input': inputs[3], 'on_lateral': lat[-1], 'on_output': outs[-1]}[mode]
    outs.append(fpn.fpn_convs[3].conv(src))
    outs.append(fpn.fpn_convs[4].conv(F.relu(outs[-1]) if relu_before else outs[-1]))
    return outs


@pytest.mark.parametrize('mode', [False, True, 'on_input', 'on_lateral', 'on_output'])
@pytest.mark.parametrize('relu_before', [False, True])
def test_fpn_extra_conv_modes(mode, relu_before):
    torch.manual_seed(0)
    fpn = FPN(IN_CH, 8, num_outs=5, start_level=1, add_extra_convs=mode, relu_before_extra_convs=relu_before)
    fpn.init_weights()
    expected_mode = 'on_input' if mode is True else mode
    assert fpn.add_extra_convs == expected_mode
    n_convs = 3 + (2 if mode else 0)
    assert len(fpn.lateral_convs) == 3 and len(fpn.fpn_convs) == n_convs
    if mode:
        assert fpn.fpn_convs[3].conv.in_channels == (10 if expected_mode == 'on_input' else 8)
        assert fpn.fpn_convs[3].conv.stride == (2, 2)
    inputs = _inputs(IN_CH, SCALES)
    with torch.no_grad():
        outs = fpn(inputs)
        ref = _reference_fpn(fpn, inputs, expected_mode, relu_before)
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 8, 8, 8), (1, 8, 4, 4), (1, 8, 2, 2),
                                              (1, 8, 1, 1)]
    for a, b in zip(outs, ref):
        torch.testing.assert_close(a, b)


def test_fpn_end_level_norm_act_and_upsample_cfg():
    fpn = FPN(IN_CH, 8, num_outs=2, start_level=1, end_level=2)
    assert len(fpn.lateral_convs) == 2 and fpn.backbone_end_level == 3
    outs = fpn.eval()(_inputs(IN_CH, SCALES))
    assert [o.shape[-1] for o in outs] == [16, 8]
    with pytest.raises(ValueError, match='num_outs'):
        FPN(IN_CH, 8, num_outs=3, start_level=1, end_level=2)
    with pytest.raises(ValueError, match='num_outs'):
        FPN(IN_CH, 8, num_outs=2)
    with pytest.raises(ValueError, match='add_extra_convs'):
        FPN(IN_CH, 8, num_outs=5, add_extra_convs='on_top')

    fpn = FPN(IN_CH, 8, num_outs=4, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), no_norm_on_lateral=True)
    assert fpn.lateral_convs[0].norm is None and fpn.lateral_convs[0].conv.bias is not None
    assert isinstance(fpn.fpn_convs[0].bn, nn.BatchNorm2d) and not fpn.fpn_convs[0].activate.inplace

    fpn = FPN(IN_CH, 8, num_outs=4, upsample_cfg=dict(mode='bilinear', scale_factor=2, align_corners=False)).eval()
    inputs = _inputs(IN_CH, SCALES)
    with torch.no_grad():
        outs = fpn(inputs)
        lat = [c.conv(x) for c, x in zip(fpn.lateral_convs, inputs)]
        for i in (3, 2, 1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], scale_factor=2, mode='bilinear', align_corners=False)
        torch.testing.assert_close(outs[0], fpn.fpn_convs[0].conv(lat[0]))
    with pytest.raises(ValueError, match='inputs'):
        fpn(inputs[:3])


def test_fpn_state_dict_names():
    fpn = FPN([16, 32, 64, 128], 32, 5, start_level=1, add_extra_convs='on_input')
    keys = list(fpn.state_dict())
    assert keys[:2] == ['lateral_convs.0.conv.weight', 'lateral_convs.0.conv.bias']
    assert 'fpn_convs.4.conv.weight' in keys and fpn.state_dict()['fpn_convs.3.conv.weight'].shape == (32, 128, 3, 3)


def test_fpn_default_init_is_xavier_uniform_not_kaiming():
    """The ConvModules sit in plain nn.ModuleLists, so FPN's Xavier init_cfg is what initialises them."""
    torch.manual_seed(0)
    fpn = FPN([64, 64], 64, 2)
    fpn.init_weights()
    w = fpn.fpn_convs[0].conv.weight
    bound = (6.0 / (64 * 9 + 64 * 9)) ** 0.5
    assert w.abs().max() <= bound and w.abs().max() > 0.95 * bound


def test_pafpn():
    torch.manual_seed(0)
    neck = PAFPN(IN_CH, 8, num_outs=5, start_level=1, add_extra_convs='on_output').eval()
    assert len(neck.downsample_convs) == 2 and len(neck.pafpn_convs) == 2
    inputs = _inputs(IN_CH, SCALES)
    with torch.no_grad():
        outs = neck(inputs)
        lat = [neck.lateral_convs[i].conv(inputs[i + 1]) for i in range(3)]
        for i in (2, 1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[2:], mode='nearest')
        inter = [neck.fpn_convs[i].conv(lat[i]) for i in range(3)]
        for i in range(2):
            inter[i + 1] = inter[i + 1] + neck.downsample_convs[i].conv(inter[i])
        ref = [inter[0], neck.pafpn_convs[0].conv(inter[1]), neck.pafpn_convs[1].conv(inter[2])]
        ref.append(neck.fpn_convs[3].conv(ref[-1]))
        ref.append(neck.fpn_convs[4].conv(ref[-1]))
    for a, b in zip(outs, ref):
        torch.testing.assert_close(a, b)
    outs = PAFPN(IN_CH, 8, num_outs=5).eval()(inputs)
    assert [o.shape[-1] for o in outs] == [32, 16, 8, 4, 2]


def test_channel_mapper_extra_convs():
    neck = ChannelMapper([4, 6], 8, kernel_size=1, num_outs=4, norm_cfg=dict(type='GN', num_groups=2)).eval()
    assert neck.extra_convs[0].conv.in_channels == 6 and neck.extra_convs[1].conv.in_channels == 8
    outs = neck(_inputs([4, 6], [16, 8]))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 8, 8, 8), (1, 8, 4, 4), (1, 8, 2, 2)]
    with pytest.raises(ValueError):
        neck(_inputs([4], [16]))


def test_yolov3_neck():
    neck = build_neck(dict(type='YOLOV3Neck', num_scales=3, in_channels=[64, 32, 16], out_channels=[32, 16, 8]))
    assert neck.detect2.conv1.conv.in_channels == 32 + 16 and neck.conv1.conv.weight.shape == (16, 32, 1, 1)
    neck.eval()
    feats = _inputs([16, 32, 64], [16, 8, 4])  # high resolution first, as backbones return them
    with torch.no_grad():
        outs = neck(feats)
        out = neck.detect1(feats[2])
        ref = [out]
        for i, x in enumerate([feats[1], feats[0]]):
            up = F.interpolate(getattr(neck, f'conv{i + 1}')(out), scale_factor=2, mode='nearest')
            out = getattr(neck, f'detect{i + 2}')(torch.cat([up, x], 1))
            ref.append(out)
    assert [tuple(o.shape) for o in outs] == [(1, 32, 4, 4), (1, 16, 8, 8), (1, 8, 16, 16)]
    for a, b in zip(outs, ref):
        torch.testing.assert_close(a, b)
    with pytest.raises(ValueError):
        YOLOV3Neck(2, [1, 2, 3], [1, 2, 3])


def test_ssd_neck_l2norm_and_depthwise():
    torch.manual_seed(0)
    neck = SSDNeck(in_channels=(8, 16), out_channels=(8, 16, 12, 6), level_strides=(2, 1), level_paddings=(1, 0),
                   l2_norm_scale=20., last_kernel_size=2)
    neck.init_weights()
    assert torch.all(neck.l2_norm.weight == 20.)
    assert neck.extra_layers[1][1].conv.kernel_size == (2, 2)
    neck.eval()
    feats = _inputs((8, 16), (8, 4))
    with torch.no_grad():
        outs = neck(feats)
    x = feats[0]
    torch.testing.assert_close(outs[0], 20. * x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10))
    torch.testing.assert_close(outs[1], feats[1])
    assert [tuple(o.shape) for o in outs] == [(1, 8, 8, 8), (1, 16, 4, 4), (1, 12, 2, 2), (1, 6, 1, 1)]
    dw = SSDNeck((8, ), (8, 16), (2, ), (1, ), l2_norm_scale=None, use_depthwise=True,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'))
    assert not hasattr(dw, 'l2_norm')
    assert dw.extra_layers[0][1].depthwise_conv.conv.groups == 8
    assert dw.extra_layers[0][1].pointwise_conv.conv.weight.shape == (16, 8, 1, 1)
    with pytest.raises(ValueError):
        SSDNeck((8, ), (8, 16), (2, 2), (1, 1))
    with pytest.raises(ValueError):
        SSDNeck((8, ), (9, 16), (2, ), (1, ))
