"""mmdet 2.x builder functions (workbench.models.builder)."""
import pytest
import torch.nn as nn

from workbench.models import (MODELS, FPN, ResNet, build_backbone, build_detector, build_head, build_loss,
                              build_neck, build_roi_extractor, build_shared_head)
from workbench.registry import BACKBONES, DETECTORS, HEADS, LOSSES, NECKS


def test_aliases_are_one_registry():
    assert BACKBONES is MODELS and NECKS is MODELS and HEADS is MODELS and LOSSES is MODELS and DETECTORS is MODELS


def test_build_backbone_neck_and_list():
    assert isinstance(build_backbone(dict(type='ResNet', depth=18)), ResNet)
    assert isinstance(build_neck(dict(type='FPN', in_channels=[2, 4], out_channels=4, num_outs=2)), FPN)
    seq = build_neck([dict(type='FPN', in_channels=[2, 4], out_channels=4, num_outs=2),
                      dict(type='ChannelMapper', in_channels=[4, 4], out_channels=3)])
    assert isinstance(seq, nn.Sequential) and len(seq) == 2
    with pytest.raises(KeyError, match='ResNt'):
        build_backbone(dict(type='ResNt', depth=18))
    for fn in (build_head, build_loss, build_roi_extractor, build_shared_head):
        with pytest.raises(KeyError, match='NoSuchThing'):
            fn(dict(type='NoSuchThing'))


def test_build_detector_train_test_cfg_rules():

    @MODELS.register_module()
    class _ToyDetector(nn.Module):

        def __init__(self, train_cfg=None, test_cfg=None):
            super().__init__()
            self.train_cfg, self.test_cfg = train_cfg, test_cfg

    try:
        det = build_detector(dict(type='_ToyDetector', train_cfg=dict(a=1)))
        assert det.train_cfg == dict(a=1) and det.test_cfg is None
        with pytest.warns(UserWarning, match='deprecated'):
            det = build_detector(dict(type='_ToyDetector'), test_cfg=dict(b=2))
        assert det.test_cfg == dict(b=2)
        with pytest.raises(ValueError, match='train_cfg specified in both'):
            with pytest.warns(UserWarning):
                build_detector(dict(type='_ToyDetector', train_cfg=dict(a=1)), train_cfg=dict(a=2))
    finally:
        MODELS.module_dict.pop('_ToyDetector')
