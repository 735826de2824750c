"""``SSDNeck``: the extra SSD layers (``extra_layers.{i}.{0,1}``) and the optional ``l2_norm`` of the first input."""
from typing import Sequence

import torch
import torch.nn as nn

from workbench.cnn import BaseModule, ConvModule, DepthwiseSeparableConvModule
from workbench.registry import NECKS


class L2Norm(nn.Module):
    """Channel-wise L2 normalisation with a learnable per-channel ``weight`` (initialised to ``scale`` by SSDNeck's
    init_cfg)."""

    def __init__(self, n_dims: int, scale: float = 20., eps: float = 1e-10):
        super().__init__()
        self.n_dims, self.scale, self.eps = n_dims, scale, eps
        self.weight = nn.Parameter(torch.empty(n_dims).fill_(scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # in float32 so fp16 inputs do not overflow in the sum of squares
        xf = x.float()
        norm = xf.pow(2).sum(1, keepdim=True).sqrt() + self.eps
        return (self.weight[None, :, None, None].float() * xf / norm).type_as(x)


@NECKS.register_module()
class SSDNeck(BaseModule):
    """Inputs pass through unchanged (the first one L2-normalised when ``l2_norm_scale`` is set); each extra level
    is a 1x1 ConvModule to half its channels then a 3x3 (``last_kernel_size`` for the last) strided conv, a
    DepthwiseSeparableConvModule when ``use_depthwise``."""

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int], level_strides: Sequence[int],
                 level_paddings: Sequence[int], l2_norm_scale: float = 20., last_kernel_size: int = 3,
                 use_depthwise: bool = False, conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'),
                 init_cfg=[dict(type='Xavier', distribution='uniform', layer='Conv2d'),
                           dict(type='Constant', val=1, layer='BatchNorm2d')]):
        super().__init__(init_cfg)
        in_channels, out_channels = tuple(in_channels), tuple(out_channels)
        if len(out_channels) <= len(in_channels):
            raise ValueError(f'out_channels {out_channels} must be longer than in_channels {in_channels}')
        if len(out_channels) - len(in_channels) != len(level_strides) or len(level_strides) != len(level_paddings):
            raise ValueError(f'need one level_stride and level_padding per extra level: {len(out_channels)} outs, '
                             f'{len(in_channels)} ins, level_strides {tuple(level_strides)}, level_paddings '
                             f'{tuple(level_paddings)}')
        if in_channels != out_channels[:len(in_channels)]:
            raise ValueError(f'out_channels {out_channels} must start with in_channels {in_channels}')
        if l2_norm_scale:
            self.l2_norm = L2Norm(in_channels[0], l2_norm_scale)
            init = self.init_cfg if isinstance(self.init_cfg, list) else ([self.init_cfg] if self.init_cfg else [])
            self.init_cfg = init + [dict(type='Constant', val=self.l2_norm.scale, override=dict(name='l2_norm'))]

        self.extra_layers = nn.ModuleList()
        extra_channels = out_channels[len(in_channels):]
        second_conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        for i, (out_c, stride, padding) in enumerate(zip(extra_channels, level_strides, level_paddings)):
            kernel_size = last_kernel_size if i == len(extra_channels) - 1 else 3
            self.extra_layers.append(nn.Sequential(
                ConvModule(out_channels[len(in_channels) - 1 + i], out_c // 2, 1, **cfg),
                second_conv(out_c // 2, out_c, kernel_size, stride=stride, padding=padding, **cfg)))

    def forward(self, inputs) -> tuple:
        outs = list(inputs)
        if hasattr(self, 'l2_norm'):
            outs[0] = self.l2_norm(outs[0])
        feat = outs[-1]
        for layer in self.extra_layers:
            feat = layer(feat)
            outs.append(feat)
        return tuple(outs)
