"""Normalisation layer builder (``build_norm_layer``) with mmcv's layer naming (``bn1``, ``gn``, ``ln``, ``in``)."""
import inspect
from typing import Tuple, Union

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from workbench.registry import NORM_LAYERS

NORM_LAYERS.register_module('BN', module=nn.BatchNorm2d)
NORM_LAYERS.register_module('BN1d', module=nn.BatchNorm1d)
NORM_LAYERS.register_module('BN2d', module=nn.BatchNorm2d)
NORM_LAYERS.register_module('BN3d', module=nn.BatchNorm3d)
NORM_LAYERS.register_module('SyncBN', module=nn.SyncBatchNorm)
NORM_LAYERS.register_module('GN', module=nn.GroupNorm)
NORM_LAYERS.register_module('LN', module=nn.LayerNorm)
NORM_LAYERS.register_module('IN', module=nn.InstanceNorm2d)
NORM_LAYERS.register_module('IN1d', module=nn.InstanceNorm1d)
NORM_LAYERS.register_module('IN2d', module=nn.InstanceNorm2d)
NORM_LAYERS.register_module('IN3d', module=nn.InstanceNorm3d)


def infer_abbr(class_type) -> str:
    """The name prefix of a norm layer class: its ``_abbr_`` attribute if set, else 'in' / 'bn' / 'gn' / 'ln' by
    class kind, else 'norm' (mmcv's rule; instance norm is checked first as it subclasses _NormBase too)."""
    if not inspect.isclass(class_type):
        raise TypeError(f'class_type must be a type, but got {type(class_type).__name__}')
    if hasattr(class_type, '_abbr_'):
        return class_type._abbr_
    if issubclass(class_type, _InstanceNorm):
        return 'in'
    if issubclass(class_type, _BatchNorm):
        return 'bn'
    if issubclass(class_type, nn.GroupNorm):
        return 'gn'
    if issubclass(class_type, nn.LayerNorm):
        return 'ln'
    name = class_type.__name__.lower()
    for key, abbr in (('batch', 'bn'), ('group', 'gn'), ('layer', 'ln'), ('instance', 'in')):
        if key in name:
            return abbr
    return 'norm_layer'


def build_norm_layer(cfg: dict, num_features: int, postfix: Union[int, str] = '') -> Tuple[str, nn.Module]:
    """Build a normalisation layer.

    Args:
        cfg: ``type`` (BN, BN1d/2d/3d, SyncBN, GN, LN, IN, IN1d/2d/3d or a registered name), ``requires_grad``
            (default True) and the layer's own arguments (GN needs ``num_groups``).
        num_features: channels of the input (for GN: ``num_channels``; for LN: ``normalized_shape``).
        postfix: appended to the abbreviation to form the name (``bn1``).

    Returns:
        (name, layer).
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'norm cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    if 'type' not in cfg:
        raise KeyError(f'the norm cfg {cfg!r} must contain the key "type"')
    cfg_ = dict(cfg)
    layer_type = cfg_.pop('type')
    norm_layer = NORM_LAYERS.get(layer_type) if isinstance(layer_type, str) else layer_type
    if norm_layer is None:
        raise KeyError(NORM_LAYERS.missing_message(layer_type))
    if not isinstance(postfix, (int, str)):
        raise TypeError(f'postfix must be int or str, but got {type(postfix).__name__}')
    name = infer_abbr(norm_layer) + str(postfix)

    requires_grad = cfg_.pop('requires_grad', True)
    cfg_.setdefault('eps', 1e-5)
    if issubclass(norm_layer, nn.GroupNorm):
        if 'num_groups' not in cfg_:
            raise KeyError(f'GN cfg {cfg!r} must contain "num_groups"')
        layer = norm_layer(num_channels=num_features, **cfg_)
    else:
        layer = norm_layer(num_features, **cfg_)
        if layer_type == 'SyncBN' and hasattr(layer, '_specify_ddp_gpu_num'):
            layer._specify_ddp_gpu_num(1)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return name, layer


def is_norm(layer: nn.Module, exclude=None) -> bool:
    """Whether ``layer`` is a normalisation layer (BN, IN, GN or LN), optionally excluding some types."""
    if exclude is not None:
        if not isinstance(exclude, tuple):
            exclude = (exclude, )
        if isinstance(layer, exclude):
            return False
    return isinstance(layer, (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm))
