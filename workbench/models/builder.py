"""mmdet 2.x model builders: build_backbone / build_neck / build_head / build_roi_extractor / build_shared_head /
build_loss / build_detector, all through the MODELS registry."""
import warnings
from typing import Any, Dict, List, Optional, Union

import torch.nn as nn

from workbench.registry import (BACKBONES, DETECTORS, HEADS, LOSSES, MODELS, NECKS, ROI_EXTRACTORS, SHARED_HEADS,
                                build_from_cfg)


def build_model_from_cfg(cfg: Union[Dict, List[Dict]], registry, default_args: Optional[Dict] = None) -> Any:
    """Build a module from a cfg dict, or an ``nn.Sequential`` of modules from a list of cfg dicts (mmcv's
    ``build_model_from_cfg``)."""
    if isinstance(cfg, (list, tuple)):
        return nn.Sequential(*[build_from_cfg(c, registry, default_args) for c in cfg])
    return build_from_cfg(cfg, registry, default_args)


def build_backbone(cfg):
    return build_model_from_cfg(cfg, BACKBONES)


def build_neck(cfg):
    return build_model_from_cfg(cfg, NECKS)


def build_roi_extractor(cfg):
    return build_model_from_cfg(cfg, ROI_EXTRACTORS)


def build_shared_head(cfg):
    return build_model_from_cfg(cfg, SHARED_HEADS)


def build_head(cfg):
    return build_model_from_cfg(cfg, HEADS)


def build_loss(cfg):
    return build_model_from_cfg(cfg, LOSSES)


def build_detector(cfg, train_cfg=None, test_cfg=None):
    """Build a detector. ``train_cfg``/``test_cfg`` outside the model cfg are deprecated (mmdet 2.x), and giving
    them both inside and outside is an error."""
    if train_cfg is not None or test_cfg is not None:
        warnings.warn('train_cfg and test_cfg is deprecated, please specify them in model', UserWarning)
    if cfg.get('train_cfg') is not None and train_cfg is not None:
        raise ValueError('train_cfg specified in both outer field and model field')
    if cfg.get('test_cfg') is not None and test_cfg is not None:
        raise ValueError('test_cfg specified in both outer field and model field')
    default_args = {}
    if train_cfg is not None:
        default_args['train_cfg'] = train_cfg
    if test_cfg is not None:
        default_args['test_cfg'] = test_cfg
    return build_model_from_cfg(cfg, DETECTORS, default_args or None)


__all__ = ['MODELS', 'BACKBONES', 'NECKS', 'HEADS', 'LOSSES', 'DETECTORS', 'ROI_EXTRACTORS', 'SHARED_HEADS',
           'build_model_from_cfg', 'build_backbone', 'build_neck', 'build_roi_extractor', 'build_shared_head',
           'build_head', 'build_loss', 'build_detector']
