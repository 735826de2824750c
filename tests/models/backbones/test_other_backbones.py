"""MobileNetV2, Darknet-53 and SSDVGG (seed 001 E4, E11; mmdet 2.x behaviour)."""
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from workbench.models import SSDVGG, Darknet, MobileNetV2, SSDNeck


def _shapes(outs):
    return [tuple(o.shape) for o in outs]


def test_mobilenet_v2_outputs():
    m = MobileNetV2().eval()
    outs = m(torch.rand(1, 3, 64, 64))
    # default out_indices (1, 2, 4, 7): layer2, layer3, layer5 and the final 1x1 conv2
    assert _shapes(outs) == [(1, 24, 16, 16), (1, 32, 8, 8), (1, 96, 4, 4), (1, 1280, 2, 2)]
    m = MobileNetV2(widen_factor=0.5, out_indices=(0, 6)).eval()
    assert _shapes(m(torch.rand(1, 3, 64, 64))) == [(1, 8, 32, 32), (1, 160, 2, 2)]
    assert MobileNetV2(widen_factor=1.5).conv2.conv.out_channels == 1920


def test_mobilenet_v2_structure():
    m = MobileNetV2()
    assert not hasattr(m.layer1[0], 'expand_conv')  # expand ratio 1
    assert m.layer2[0].expand_conv.conv.weight.shape == (96, 16, 1, 1)
    assert m.layer2[0].depthwise_conv.conv.groups == 96 and m.layer2[0].depthwise_conv.conv.stride == (2, 2)
    assert not m.layer2[0].with_res_shortcut and m.layer2[1].with_res_shortcut
    assert not hasattr(m.layer2[0].linear_conv, 'activate')
    assert sum(p.numel() for p in m.parameters()) == 2_223_872  # torchvision mobilenet_v2 minus its classifier


def test_mobilenet_v2_frozen_norm_eval_cp_and_errors():
    m = MobileNetV2(frozen_stages=2, norm_eval=True)
    m.train()
    assert not any(p.requires_grad for p in m.conv1.parameters())
    assert not any(p.requires_grad for p in m.layer2.parameters()) and not m.layer2.training
    assert all(p.requires_grad for p in m.layer3.parameters())
    assert all(not x.training for x in m.modules() if isinstance(x, _BatchNorm))
    a = MobileNetV2(widen_factor=0.25, norm_eval=False)
    b = MobileNetV2(widen_factor=0.25, norm_eval=False, with_cp=True)
    b.load_state_dict(a.state_dict())
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    torch.testing.assert_close(a(x)[-1], b(x)[-1])
    with pytest.raises(ValueError, match='out_indices'):
        MobileNetV2(out_indices=(8, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        MobileNetV2(frozen_stages=8)


@pytest.mark.slow
def test_seed_darknet53_doctest():
    self = Darknet(depth=53)
    self.eval()
    inputs = torch.rand(1, 3, 416, 416)
    with torch.no_grad():
        level_outputs = self.forward(inputs)
    assert _shapes(level_outputs) == [(1, 256, 52, 52), (1, 512, 26, 26), (1, 1024, 13, 13)]


def test_darknet_small_input_structure_and_freeze():
    m = Darknet(out_indices=(0, 1, 2, 3, 4, 5)).eval()
    with torch.no_grad():
        outs = m(torch.rand(1, 3, 64, 64))
    assert _shapes(outs) == [(1, 32, 64, 64), (1, 64, 32, 32), (1, 128, 16, 16), (1, 256, 8, 8), (1, 512, 4, 4),
                             (1, 1024, 2, 2)]
    assert [len(getattr(m, f'conv_res_block{i}')) for i in range(1, 6)] == [2, 3, 9, 9, 5]
    assert m.conv_res_block1.res0.conv1.conv.weight.shape == (32, 64, 1, 1)
    assert m.conv1.activate.negative_slope == 0.1
    m = Darknet(frozen_stages=2)
    m.train()
    assert not any(p.requires_grad for p in m.conv_res_block1.parameters())
    assert all(p.requires_grad for p in m.conv_res_block2.parameters())
    with pytest.raises(KeyError):
        Darknet(depth=19)


def test_ssdvgg16_ssd300():
    m = SSDVGG(depth=16).eval()
    with torch.no_grad():
        outs = m(torch.rand(1, 3, 300, 300))
    # relu4_3 and fc7 (features indices 22 and 34)
    assert _shapes(outs) == [(1, 512, 38, 38), (1, 1024, 19, 19)]
    assert m.features[31].dilation == (6, 6) and m.features[33].kernel_size == (1, 1)
    assert len(m.features) == 35


def test_seed_ssdvgg_doctest_e11():
    """E11 as printed builds SSDVGG(input_size=300, depth=11): with the default out_feature_indices (22, 34) VGG-11
    has 25 feature layers, so only index 22 (fc7 ReLU) exists and mmdet returns that single tensor — the first
    printed shape. The other four printed shapes are SSD300's extra levels, which belong to SSDNeck in mmdet 2.x;
    we reproduce them by feeding fc7 through an SSDNeck."""
    with pytest.warns(UserWarning):
        self = SSDVGG(input_size=300, depth=11)
    self.eval()
    inputs = torch.rand(1, 3, 300, 300)
    with torch.no_grad():
        fc7 = self.forward(inputs)
        assert tuple(fc7.shape) == (1, 1024, 19, 19)
        neck = SSDNeck(in_channels=(1024, ), out_channels=(1024, 512, 256, 256, 256), level_strides=(2, 2, 1, 1),
                       level_paddings=(1, 1, 0, 0), l2_norm_scale=None).eval()
        level_outputs = neck((fc7, ))
    assert _shapes(level_outputs) == [(1, 1024, 19, 19), (1, 512, 10, 10), (1, 256, 5, 5), (1, 256, 3, 3),
                                      (1, 256, 1, 1)]


def test_seed_regnet_doctest():
    from workbench.models import RegNet
    self = RegNet(arch=dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0))
    self.eval()
    inputs = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        level_outputs = self.forward(inputs)
    assert _shapes(level_outputs) == [(1, 96, 8, 8), (1, 192, 4, 4), (1, 432, 2, 2), (1, 1008, 1, 1)]
    assert self.stage_blocks == [2, 6, 15, 2] and self.layer1[0].conv2.groups == 2
    # the same network as torchvision's regnet_x_3_2gf without its classifier (15,296,552 - 1,009,000)
    assert sum(p.numel() for p in self.parameters()) == 14_287_552
    assert 'maxpool' not in dict(self.named_children())


def test_regnet_named_arch_and_errors():
    from workbench.models import RegNet
    m = RegNet('regnetx_400mf', out_indices=(3, ))
    assert m.stage_widths == [32, 64, 160, 384] and m.layer4[0].bn3.num_features == 384
    with pytest.raises(KeyError, match='regnetx_1gf'):
        RegNet('regnetx_1gf')
    with pytest.raises(NotImplementedError):
        RegNet('regnetx_400mf', dcn=dict(type='DCN'))
