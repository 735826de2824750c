"""ResNet / ResNetV1d / ResNeXt (seed 001 E9, E10; mmdet 2.x behaviour)."""
import pytest
import torch
import torch.nn as nn
import torchvision
from torch.nn.modules.batchnorm import _BatchNorm

from workbench.models import MODELS, ResNet, ResNetV1d, ResNeXt, build_backbone


def _shapes(outs):
    return [tuple(o.shape) for o in outs]


def test_seed_resnet18_doctest():
    self = ResNet(depth=18)
    self.eval()
    inputs = torch.rand(1, 3, 32, 32)
    level_outputs = self.forward(inputs)
    assert _shapes(level_outputs) == [(1, 64, 8, 8), (1, 128, 4, 4), (1, 256, 2, 2), (1, 512, 1, 1)]


def test_seed_make_stage_plugins():
    plugins = [
        dict(cfg=dict(type='xxx', arg1='xxx'), stages=(False, True, True, True), position='after_conv2'),
        dict(cfg=dict(type='yyy'), stages=(True, True, True, True), position='after_conv3'),
        dict(cfg=dict(type='zzz', postfix='1'), stages=(True, True, True, True), position='after_conv3'),
        dict(cfg=dict(type='zzz', postfix='2'), stages=(True, True, True, True), position='after_conv3'),
    ]
    self = ResNet(depth=18)
    stage_plugins = self.make_stage_plugins(plugins, 0)
    assert len(stage_plugins) == 3
    assert [p['cfg']['type'] for p in stage_plugins] == ['yyy', 'zzz', 'zzz']
    assert len(self.make_stage_plugins(plugins, 1)) == 4
    assert len(self.make_stage_plugins([dict(cfg=dict(type='a'), position='after_conv1')], 2)) == 1


@pytest.mark.parametrize('depth,channels', [(34, (64, 128, 256, 512)), (50, (256, 512, 1024, 2048))])
def test_depths(depth, channels):
    m = ResNet(depth, base_channels=16).eval() if depth == 50 else ResNet(depth).eval()
    scale = 4 if depth == 50 else 1
    outs = m(torch.rand(1, 3, 64, 64))
    expected = [c // scale for c in channels] if depth == 50 else list(channels)
    assert [o.shape[1] for o in outs] == expected
    assert [o.shape[-1] for o in outs] == [16, 8, 4, 2]


def test_resnet50_params_and_torchvision_keys():
    """ResNet-50 = torchvision's resnet50 without fc: 23,508,032 parameters, same state_dict names and outputs."""
    ours = ResNet(50)
    assert sum(p.numel() for p in ours.parameters()) == 23_508_032
    tv = torchvision.models.resnet50(weights=None)
    tv_state = {k: v for k, v in tv.state_dict().items() if not k.startswith('fc.')}
    assert set(tv_state) == set(ours.state_dict())


def test_matches_torchvision_resnet18_forward():
    torch.manual_seed(0)
    tv = torchvision.models.resnet18(weights=None)
    for m in tv.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    ours = ResNet(18)
    ours.load_state_dict({k: v for k, v in tv.state_dict().items() if not k.startswith('fc.')}, strict=True)
    tv.eval(), ours.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        y = tv.maxpool(tv.relu(tv.bn1(tv.conv1(x))))
        ref = []
        for layer in (tv.layer1, tv.layer2, tv.layer3, tv.layer4):
            y = layer(y)
            ref.append(y)
        got = ours(x)
    for a, b in zip(got, ref):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_pretrained_init_from_torchvision_format_file(tmp_path):
    pytest.importorskip('workbench.engine.checkpoint')
    torch.manual_seed(1)
    tv = torchvision.models.resnet18(weights=None)
    path = tmp_path / 'resnet18-tv.pth'
    torch.save(tv.state_dict(), path)  # includes fc.*: ignored (non-strict), as mmcv's PretrainedInit does
    m = ResNet(18, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    m.init_weights()
    for k, v in m.state_dict().items():
        torch.testing.assert_close(v, tv.state_dict()[k])


def test_structure_names_and_style():
    m = ResNet(50, base_channels=8)
    b = m.layer2[0]
    assert b.conv1.stride == (1, 1) and b.conv2.stride == (2, 2)  # pytorch style
    assert isinstance(b.downsample[0], nn.Conv2d) and isinstance(b.downsample[1], nn.BatchNorm2d)
    assert m.norm1 is m.bn1 and b.norm3 is b.bn3
    caffe = ResNet(50, base_channels=8, style='caffe')
    assert caffe.layer2[0].conv1.stride == (2, 2) and caffe.layer2[0].conv2.stride == (1, 1)
    with pytest.raises(ValueError, match='style'):
        ResNet(18, style='tf')
    with pytest.raises(KeyError, match='depth'):
        ResNet(20)


def test_deep_stem_avg_down_and_v1d():
    m = ResNetV1d(depth=50, base_channels=8)
    assert m.deep_stem and m.avg_down and not hasattr(m, 'conv1')
    assert [type(x).__name__ for x in m.stem][:3] == ['Conv2d', 'BatchNorm2d', 'ReLU']
    assert m.stem[0].out_channels == 4 and m.stem[6].out_channels == 8
    ds = m.layer2[0].downsample
    assert isinstance(ds[0], nn.AvgPool2d) and ds[1].stride == (1, 1) and isinstance(ds[2], nn.BatchNorm2d)
    assert _shapes(m.eval()(torch.rand(1, 3, 64, 64)))[-1] == (1, 256, 2, 2)
    # stem_channels separate from base_channels
    m = ResNet(18, stem_channels=32, base_channels=16)
    assert m.conv1.out_channels == 32 and m.layer1[0].conv1.in_channels == 32


def test_strides_dilations_out_indices_num_stages():
    m = ResNet(18, strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2), out_indices=(1, 3)).eval()
    outs = m(torch.rand(1, 3, 64, 64))
    assert _shapes(outs) == [(1, 128, 8, 8), (1, 512, 4, 4)]
    assert m.layer4[0].conv1.dilation == (2, 2) and m.layer4[0].conv1.padding == (2, 2)
    m = ResNet(18, num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1), out_indices=(2, ))
    assert not hasattr(m, 'layer4') and _shapes(m.eval()(torch.rand(1, 3, 32, 32))) == [(1, 256, 2, 2)]
    with pytest.raises(ValueError, match='out_indices'):
        ResNet(18, out_indices=(4, ))
    with pytest.raises(ValueError, match='num_stages'):
        ResNet(18, strides=(1, 2))


def test_frozen_stages_and_norm_eval():
    m = ResNet(18, frozen_stages=1, norm_eval=True)
    m.train()
    assert not any(p.requires_grad for p in m.conv1.parameters())
    assert not any(p.requires_grad for p in m.layer1.parameters())
    assert all(p.requires_grad for p in m.layer2.parameters())
    assert all(not x.training for x in m.modules() if isinstance(x, _BatchNorm))
    m = ResNet(18, frozen_stages=2, norm_eval=False)
    m.train()
    assert not m.bn1.training and not m.layer2[0].bn1.training and m.layer3[0].bn1.training
    m = ResNetV1d(depth=18, frozen_stages=0)
    m.train()
    assert not any(p.requires_grad for p in m.stem.parameters()) and not m.stem[1].training


def test_with_cp_same_output_and_grads():
    torch.manual_seed(0)
    a = ResNet(18, base_channels=8, norm_eval=False)
    b = ResNet(18, base_channels=8, norm_eval=False, with_cp=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    ya, yb = a(x)[-1].sum(), b(x)[-1].sum()
    torch.testing.assert_close(ya, yb)
    ga = torch.autograd.grad(ya, a.layer1[0].conv1.weight)[0]
    gb = torch.autograd.grad(yb, b.layer1[0].conv1.weight)[0]
    torch.testing.assert_close(ga, gb)


def test_default_init_and_zero_init_residual():
    torch.manual_seed(0)
    m = ResNet(50, base_channels=8)
    m.init_weights()
    assert all(torch.all(blk.bn3.weight == 0) for layer in (m.layer1, m.layer2) for blk in layer)
    assert torch.all(m.bn1.weight == 1) and torch.all(m.layer1[0].bn1.weight == 1)
    assert torch.all(m.layer1[0].downsample[1].weight == 1)
    m = ResNet(18, base_channels=8)
    m.init_weights()
    assert torch.all(m.layer1[0].bn2.weight == 0)
    m = ResNet(18, base_channels=8, zero_init_residual=False)
    m.init_weights()
    assert torch.all(m.layer1[0].bn2.weight == 1)


def test_unsupported_and_invalid_arguments():
    with pytest.raises(NotImplementedError, match='dcn.*not supported yet'):
        ResNet(50, dcn=dict(type='DCNv2', deform_groups=1), stage_with_dcn=(False, True, True, True))
    with pytest.raises(NotImplementedError, match='plugins.*not supported yet'):
        ResNet(50, plugins=[dict(cfg=dict(type='ContextBlock', ratio=1. / 16), position='after_conv3')])
    with pytest.raises(ValueError):
        ResNet(18, pretrained='a.pth', init_cfg=dict(type='Kaiming', layer='Conv2d'))
    with pytest.raises(TypeError):
        ResNet(18, pretrained=3)
    with pytest.warns(UserWarning, match='deprecated'):
        m = ResNet(18, pretrained='a.pth')
    assert m.init_cfg == dict(type='Pretrained', checkpoint='a.pth')


def test_registry_and_builder():
    for name in ('ResNet', 'ResNetV1d', 'ResNeXt', 'MobileNetV2', 'Darknet', 'SSDVGG'):
        assert name in MODELS
    m = build_backbone(dict(type='ResNet', depth=18, out_indices=(3, )))
    assert isinstance(m, ResNet) and m.out_indices == (3, )


def test_resnext_matches_torchvision_resnext50():
    m = ResNeXt(depth=50, groups=32, base_width=4)
    assert m.layer1[0].conv2.groups == 32 and m.layer1[0].conv2.weight.shape == (128, 4, 3, 3)
    tv = torchvision.models.resnext50_32x4d(weights=None)
    tv_state = {k: v for k, v in tv.state_dict().items() if not k.startswith('fc.')}
    assert {k: v.shape for k, v in tv_state.items()} == {k: v.shape for k, v in m.state_dict().items()}
    m.load_state_dict(tv_state, strict=True)
    tv.eval(), m.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        y = tv.maxpool(tv.relu(tv.bn1(tv.conv1(x))))
        y = tv.layer4(tv.layer3(tv.layer2(tv.layer1(y))))
        torch.testing.assert_close(m(x)[-1], y, atol=1e-5, rtol=1e-5)


def test_resnext_groups1_is_resnet_width():
    m = ResNeXt(depth=50, groups=1, base_channels=8)
    assert m.layer1[0].conv2.weight.shape == (8, 8, 3, 3)
    with pytest.raises(KeyError):
        ResNeXt(depth=18)


def test_torchvision_scheme_pretrained_from_hub_cache(tmp_path):
    """init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18') maps torchvision's keys onto ResNet.
    The file is placed in a temporary torch.hub cache under torchvision's own file name, so nothing is downloaded."""
    ckpt = pytest.importorskip('workbench.engine.checkpoint')
    url = ckpt.get_torchvision_url('resnet18')
    torch.manual_seed(2)
    tv = torchvision.models.resnet18(weights=None)
    old_dir = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        (tmp_path / 'checkpoints').mkdir()
        torch.save(tv.state_dict(), tmp_path / 'checkpoints' / url.rsplit('/', 1)[-1])
        m = build_backbone(dict(type='ResNet', depth=18,
                                init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')))
        m.init_weights()
    finally:
        torch.hub.set_dir(old_dir)
    for k, v in m.state_dict().items():
        torch.testing.assert_close(v, tv.state_dict()[k])
