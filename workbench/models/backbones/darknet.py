"""Darknet-53 backbone (YOLOv3) with mmdet 2.x parameter names (``conv1``, ``conv_res_block{1..5}``)."""
import warnings
from typing import Sequence

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from workbench.cnn import BaseModule, ConvModule
from workbench.registry import BACKBONES


class ResBlock(BaseModule):
    """1x1 conv to half the channels, 3x3 conv back, plus the input."""

    def __init__(self, in_channels: int, conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.1), init_cfg=None):
        super().__init__(init_cfg)
        if in_channels % 2:
            raise ValueError(f'ResBlock in_channels must be even, got {in_channels}')
        half = in_channels // 2
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, half, 1, **cfg)
        self.conv2 = ConvModule(half, in_channels, 3, padding=1, **cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x)) + x


@BACKBONES.register_module()
class Darknet(BaseModule):
    """Darknet backbone; only depth 53. Outputs are chosen from [conv1, conv_res_block1..5] by ``out_indices``."""

    # residual repeats per block, (in, out) channels per block
    arch_settings = {53: ((1, 2, 8, 8, 4), ((32, 64), (64, 128), (128, 256), (256, 512), (512, 1024)))}

    def __init__(self, depth: int = 53, out_indices: Sequence[int] = (3, 4, 5), frozen_stages: int = -1,
                 conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.1), norm_eval: bool = True, pretrained=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for Darknet; only {sorted(self.arch_settings)} is supported')
        self.depth, self.out_indices, self.frozen_stages, self.norm_eval = depth, out_indices, frozen_stages, norm_eval
        self.layers, self.channels = self.arch_settings[depth]
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(3, 32, 3, padding=1, **cfg)
        self.cr_blocks = ['conv1']
        for i, n_layers in enumerate(self.layers):
            name = f'conv_res_block{i + 1}'
            in_c, out_c = self.channels[i]
            self.add_module(name, self.make_conv_res_block(in_c, out_c, n_layers, **cfg))
            self.cr_blocks.append(name)

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
        self._freeze_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        for i, name in enumerate(self.cr_blocks):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages):
            m = getattr(self, self.cr_blocks[i])
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    @staticmethod
    def make_conv_res_block(in_channels: int, out_channels: int, res_repeat: int, conv_cfg=None,
                            norm_cfg=dict(type='BN', requires_grad=True),
                            act_cfg=dict(type='LeakyReLU', negative_slope=0.1)) -> nn.Sequential:
        """A stride-2 3x3 ConvModule (``conv``) followed by ``res_repeat`` ResBlocks (``res0``, ``res1``, ...)."""
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        model = nn.Sequential()
        model.add_module('conv', ConvModule(in_channels, out_channels, 3, stride=2, padding=1, **cfg))
        for idx in range(res_repeat):
            model.add_module(f'res{idx}', ResBlock(out_channels, **cfg))
        return model
