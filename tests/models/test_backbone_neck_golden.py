"""Parity with MMDetection 2.28.2: backbone and neck of every golden model, built from its config.py, loading the
golden weights with strict=True and reproducing ``outputs['backbone_feats']`` / ``outputs['neck_feats']``."""
import copy

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from tests.golden import load_golden, require_golden
from workbench.models import build_backbone, build_neck

MODELS = ['retinanet', 'fcos', 'atss', 'faster_rcnn', 'mask_rcnn', 'cascade_rcnn', 'yolov3', 'ssdlite']


def _model_cfg(name):
    from workbench.config import Config
    return Config.fromfile(str(require_golden('models', name, 'config.py'))).model


def _sub_state(weights, prefix):
    return {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}


def _undo_one_bn_update(modules, imgs):
    """The golden weights.pth of models whose BatchNorms are not frozen (norm_eval=False: MobileNetV2 and the
    YOLOv3/SSD necks) hold running statistics *after* one train-mode forward on ``train_batch['imgs']``
    (num_batches_tracked == 1), while ``outputs`` were computed before it. Undo that single momentum update exactly:
    in train mode every BN normalises with batch statistics, so they do not depend on the running statistics."""
    bns = [m for mod in modules for m in mod.modules() if isinstance(m, _BatchNorm)]
    if not bns or not all(int(m.num_batches_tracked) == 1 for m in bns):
        return
    batch_stats = {}

    def hook(m, inputs, _):
        x = inputs[0]
        batch_stats[m] = (x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=True))

    saved = [copy.deepcopy(mod.state_dict()) for mod in modules]
    handles = [m.register_forward_hook(hook) for m in bns]
    for mod in modules:
        mod.train()
    with torch.no_grad():
        x = imgs
        for mod in modules:
            x = mod(x)
    for h in handles:
        h.remove()
    for mod, state in zip(modules, saved):
        mod.load_state_dict(state)
    for m, (mean, var) in batch_stats.items():
        mom = m.momentum
        m.running_mean.copy_((m.running_mean - mom * mean) / (1 - mom))
        m.running_var.copy_((m.running_var - mom * var) / (1 - mom))
        m.num_batches_tracked.zero_()


@pytest.mark.parametrize('name', MODELS)
def test_backbone_neck_parity(name):
    cfg = _model_cfg(name)
    weights = load_golden('models', name, 'weights.pth')
    io = load_golden('models', name, 'io.pth')
    backbone = build_backbone(cfg.backbone)
    neck = build_neck(cfg.neck)
    backbone.load_state_dict(_sub_state(weights, 'backbone.'), strict=True)
    neck.load_state_dict(_sub_state(weights, 'neck.'), strict=True)
    _undo_one_bn_update([backbone, neck], io['train_batch']['imgs'])
    backbone.eval()
    neck.eval()
    with torch.no_grad():
        feats = backbone(io['img'])
        outs = neck(feats)
    gold_feats, gold_outs = io['outputs']['backbone_feats'], io['outputs']['neck_feats']
    assert isinstance(feats, tuple) and len(feats) == len(gold_feats)
    assert isinstance(outs, tuple) and len(outs) == len(gold_outs)
    for i, (got, ref) in enumerate(zip(feats, gold_feats)):
        torch.testing.assert_close(got, ref, atol=1e-4, rtol=1e-4, msg=lambda m: f'{name} backbone level {i}: {m}')
    for i, (got, ref) in enumerate(zip(outs, gold_outs)):
        torch.testing.assert_close(got, ref, atol=1e-4, rtol=1e-4, msg=lambda m: f'{name} neck level {i}: {m}')


@pytest.mark.parametrize('name', ['retinanet', 'yolov3'])
def test_state_dict_keys_match_golden(name):
    """Every backbone/neck parameter and buffer name (and shape) is the one mmdet 2.x saves."""
    cfg = _model_cfg(name)
    weights = load_golden('models', name, 'weights.pth')
    for prefix, module in (('backbone.', build_backbone(cfg.backbone)), ('neck.', build_neck(cfg.neck))):
        ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        gold = {k: tuple(v.shape) for k, v in _sub_state(weights, prefix).items()}
        assert ours == gold


@pytest.mark.parametrize('name', ['retinanet', 'fcos', 'yolov3', 'ssdlite'])
def test_golden_configs_build_and_init(name):
    """The config's own init_cfgs (defaults, TruncNormal, SSDNeck's l2_norm override, ...) run and do what they
    say on a freshly built backbone and neck."""
    cfg = _model_cfg(name)
    torch.manual_seed(0)
    backbone, neck = build_backbone(cfg.backbone), build_neck(cfg.neck)
    backbone.init_weights()
    neck.init_weights()
    bns = [m for mod in (backbone, neck) for m in mod.modules() if isinstance(m, _BatchNorm)]
    assert all(torch.all(m.bias == 0) for m in bns)
    init = cfg.backbone.get('init_cfg')
    if init and init['type'] == 'TruncNormal':
        convs = [m for m in backbone.modules() if isinstance(m, torch.nn.Conv2d)]
        assert all(m.weight.abs().max() <= 2 for m in convs)
        assert abs(torch.cat([m.weight.flatten() for m in convs]).std().item() - init['std']) < 0.01
