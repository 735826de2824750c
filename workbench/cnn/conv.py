"""Convolution layer builder (``build_conv_layer``) and the weight-standardised ``ConvWS2d``."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from workbench.registry import CONV_LAYERS

CONV_LAYERS.register_module('Conv1d', module=nn.Conv1d)
CONV_LAYERS.register_module('Conv2d', module=nn.Conv2d)
CONV_LAYERS.register_module('Conv3d', module=nn.Conv3d)
CONV_LAYERS.register_module('Conv', module=nn.Conv2d)


@CONV_LAYERS.register_module('ConvWS')
class ConvWS2d(nn.Conv2d):
    """Conv2d whose weight is standardised (zero mean, unit std per output channel) at every forward."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 eps=1e-5):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation,
                         groups=groups, bias=bias)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight
        flat = w.reshape(w.size(0), -1)
        mean = flat.mean(dim=1).view(-1, 1, 1, 1)
        std = flat.std(dim=1).view(-1, 1, 1, 1)
        w = (w - mean) / (std + self.eps)
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


def build_conv_layer(cfg: Optional[dict], *args, **kwargs) -> nn.Module:
    """Build a convolution layer from ``cfg`` (``None`` means ``dict(type='Conv2d')``).

    ``args``/``kwargs`` go to the layer constructor (in_channels, out_channels, kernel_size, ...); extra keys of the
    cfg are merged into kwargs.
    """
    if cfg is None:
        cfg_ = dict(type='Conv2d')
    else:
        if not isinstance(cfg, dict):
            raise TypeError(f'conv cfg must be a dict or None, but got {type(cfg).__name__}: {cfg!r}')
        if 'type' not in cfg:
            raise KeyError(f'the conv cfg {cfg!r} must contain the key "type"')
        cfg_ = dict(cfg)
    layer_type = cfg_.pop('type')
    conv_layer = CONV_LAYERS.get(layer_type) if isinstance(layer_type, str) else layer_type
    if conv_layer is None:
        raise KeyError(CONV_LAYERS.missing_message(layer_type))
    return conv_layer(*args, **kwargs, **cfg_)
