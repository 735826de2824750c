"""Padding layer builder (``build_padding_layer``): zero, reflect, replicate."""
import torch.nn as nn

from workbench.registry import PADDING_LAYERS

PADDING_LAYERS.register_module('zero', module=nn.ZeroPad2d)
PADDING_LAYERS.register_module('reflect', module=nn.ReflectionPad2d)
PADDING_LAYERS.register_module('replicate', module=nn.ReplicationPad2d)


def build_padding_layer(cfg: dict, *args, **kwargs) -> nn.Module:
    """Build a padding layer; ``args``/``kwargs`` (the padding size) go to the layer constructor."""
    if not isinstance(cfg, dict):
        raise TypeError(f'padding cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    if 'type' not in cfg:
        raise KeyError(f'the padding cfg {cfg!r} must contain the key "type"')
    cfg_ = dict(cfg)
    padding_type = cfg_.pop('type')
    layer = PADDING_LAYERS.get(padding_type)
    if layer is None:
        raise KeyError(PADDING_LAYERS.missing_message(padding_type))
    return layer(*args, **kwargs, **cfg_)
