"""Upsample layer builder (``build_upsample_layer``): nearest, bilinear, deconv, pixel_shuffle."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from workbench.registry import UPSAMPLE_LAYERS

UPSAMPLE_LAYERS.register_module('nearest', module=nn.Upsample)
UPSAMPLE_LAYERS.register_module('bilinear', module=nn.Upsample)
UPSAMPLE_LAYERS.register_module('deconv', module=nn.ConvTranspose2d)


@UPSAMPLE_LAYERS.register_module('pixel_shuffle')
class PixelShufflePack(nn.Module):
    """A conv that multiplies the channels by ``scale_factor**2`` followed by ``nn.PixelShuffle``."""

    def __init__(self, in_channels: int, out_channels: int, scale_factor: int, upsample_kernel: int):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.scale_factor, self.upsample_kernel = scale_factor, upsample_kernel
        self.upsample_conv = nn.Conv2d(in_channels, out_channels * scale_factor * scale_factor, upsample_kernel,
                                       padding=(upsample_kernel - 1) // 2)
        from .weight_init import xavier_init
        xavier_init(self.upsample_conv, distribution='uniform')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.upsample_conv(x), self.scale_factor)


def build_upsample_layer(cfg: dict, *args, **kwargs) -> nn.Module:
    """Build an upsample layer. For 'nearest'/'bilinear' the type becomes ``nn.Upsample``'s ``mode``."""
    if not isinstance(cfg, dict):
        raise TypeError(f'upsample cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    if 'type' not in cfg:
        raise KeyError(f'the upsample cfg {cfg!r} must contain the key "type"')
    cfg_ = dict(cfg)
    layer_type = cfg_.pop('type')
    upsample = UPSAMPLE_LAYERS.get(layer_type) if isinstance(layer_type, str) else layer_type
    if upsample is None:
        raise KeyError(UPSAMPLE_LAYERS.missing_message(layer_type))
    if upsample is nn.Upsample:
        cfg_['mode'] = layer_type
    return upsample(*args, **kwargs, **cfg_)
