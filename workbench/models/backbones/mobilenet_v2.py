"""MobileNetV2 backbone with mmdet 2.x parameter names (``conv1``, ``layer1..7``, ``conv2``)."""
import warnings
from typing import Sequence

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from workbench.cnn import BaseModule, ConvModule
from workbench.registry import BACKBONES

from ..utils import InvertedResidual, make_divisible


@BACKBONES.register_module()
class MobileNetV2(BaseModule):
    """MobileNetV2. The 8 selectable outputs are layer1..layer7 (indices 0..6) and the final 1x1 ``conv2``
    (index 7); channel counts are scaled by ``widen_factor`` and rounded to multiples of 8."""

    # expand_ratio, channels, num_blocks, stride of the first block
    arch_settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                     [6, 320, 1, 1]]

    def __init__(self, widen_factor: float = 1., out_indices: Sequence[int] = (1, 2, 4, 7), frozen_stages: int = -1,
                 conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'), norm_eval: bool = False,
                 with_cp: bool = False, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        if init_cfg and pretrained:
            raise ValueError('init_cfg and pretrained cannot be specified at the same time')
        if isinstance(pretrained, str):
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            self.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif pretrained is None:
            if init_cfg is None:
                self.init_cfg = [dict(type='Kaiming', layer='Conv2d'),
                                 dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]
        else:
            raise TypeError(f'pretrained must be a str or None, got {type(pretrained).__name__}')
        for index in out_indices:
            if index not in range(0, 8):
                raise ValueError(f'out_indices must be in range(0, 8), got {tuple(out_indices)}')
        if frozen_stages not in range(-1, 8):
            raise ValueError(f'frozen_stages must be in range(-1, 8), got {frozen_stages}')
        self.widen_factor, self.out_indices, self.frozen_stages = widen_factor, out_indices, frozen_stages
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.norm_eval, self.with_cp = norm_eval, with_cp

        self.in_channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = ConvModule(3, self.in_channels, 3, stride=2, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.layers = []
        for i, (expand_ratio, channels, num_blocks, stride) in enumerate(self.arch_settings):
            out_channels = make_divisible(channels * widen_factor, 8)
            self.add_module(f'layer{i + 1}', self.make_layer(out_channels, num_blocks, stride, expand_ratio))
            self.layers.append(f'layer{i + 1}')
        self.out_channel = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        self.conv2 = ConvModule(self.in_channels, self.out_channel, 1, stride=1, padding=0, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.layers.append('conv2')
        self._freeze_stages()

    def make_layer(self, out_channels: int, num_blocks: int, stride: int, expand_ratio: int) -> nn.Sequential:
        """``num_blocks`` InvertedResidual blocks; only the first is strided."""
        blocks = []
        for i in range(num_blocks):
            blocks.append(InvertedResidual(self.in_channels, out_channels,
                                           mid_channels=int(round(self.in_channels * expand_ratio)),
                                           stride=stride if i == 0 else 1, with_expand_conv=expand_ratio != 1,
                                           conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                                           with_cp=self.with_cp))
            self.in_channels = out_channels
        return nn.Sequential(*blocks)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            for param in self.conv1.parameters():
                param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
