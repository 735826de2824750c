"""The packaged one-stage configs against MMDetection 2.x: with the golden fixtures' overrides applied they must
resolve to the same config MMDetection 2.28.2 resolved (golden models/NAME/config.py), and the full-size models
must have mmdet's parameter counts."""
import os.path as osp

import pytest
import torch

from tests.golden import load_golden, require_golden

from workbench.config import Config

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))), 'workbench',
                   'configs')
GOLDEN_SOURCES = ['retinanet', 'atss', 'fcos', 'yolov3', 'ssdlite']


def _to_plain(x):
    """Containers to lists/dicts so tuple-vs-list spellings compare equal."""
    if isinstance(x, dict):
        return {k: _to_plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_to_plain(v) for v in x]
    return x


@pytest.mark.parametrize('name', GOLDEN_SOURCES)
def test_config_resolves_like_mmdet(name):
    io = load_golden('models', name, 'io.pth')
    ours = Config.fromfile(osp.join(CONFIGS, io['source_config']))
    gold = Config.fromfile(str(require_golden('models', name, 'config.py')))
    overrides = {}
    for key, value in io['overrides'].items():
        if isinstance(value, dict):
            overrides.update({f'{key}.{k}': v for k, v in value.items()})
        else:
            overrides[key] = value
    ours.merge_from_dict(overrides)
    # what the fixture generator changed besides the overrides: test thresholds, pretrained weights
    ours.merge_from_dict({'model.test_cfg.score_thr': gold.model.test_cfg.score_thr,
                          'model.test_cfg.max_per_img': gold.model.test_cfg.max_per_img})
    ours_d, gold_d = _to_plain(ours.to_dict()), _to_plain(gold.to_dict())
    if gold_d['model']['backbone'].get('init_cfg') is None:
        ours_d['model']['backbone']['init_cfg'] = None
    # mmdet's detector copied train_cfg/test_cfg into the head config it was given
    for key in ('train_cfg', 'test_cfg'):
        gold_d['model']['bbox_head'].pop(key, None)
    for key in sorted(set(ours_d) | set(gold_d)):
        assert ours_d.get(key) == gold_d.get(key), f'{name}: {key} differs'


@pytest.mark.slow
# mmdet's RetinaNet R-50-FPN count; the R-101 one adds torchvision's ResNet-101 minus ResNet-50 trunk parameters
# (42,500,160 - 23,508,032 without the fc layers)
@pytest.mark.parametrize('path,n_params', [
    ('retinanet/retinanet_r50_fpn_1x_coco.py', 37968692),
    ('retinanet/retinanet_r101_fpn_1x_coco.py', 37968692 + 42500160 - 23508032),
])
def test_full_size_parameter_count(path, n_params):
    from workbench.models import build_detector
    cfg = Config.fromfile(osp.join(CONFIGS, path))
    torch.manual_seed(0)
    model = build_detector(cfg.model)
    assert sum(p.numel() for p in model.parameters()) == n_params
