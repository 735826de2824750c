"""RegNetX backbones (mmdet 2.x ``RegNet``): ResNeXt-style bottlenecks (expansion 1) whose per-stage widths and
group counts come from the RegNet design-space parameters (w0, wa, wm, depth, group_w, bot_mul)."""
import warnings
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from workbench.cnn import BaseModule, build_conv_layer, build_norm_layer
from workbench.registry import BACKBONES

from .resnet import ResNet, _reject_unsupported
from .resnext import Bottleneck as _ResNeXtBottleneck


class RegNetBottleneck(_ResNeXtBottleneck):
    """A ResNeXt bottleneck whose output width is ``planes`` (no x4 expansion)."""

    expansion = 1


@BACKBONES.register_module()
class RegNet(ResNet):
    """RegNet backbone. ``arch`` is a name in ``arch_settings`` or a dict with w0, wa, wm, group_w, depth, bot_mul.
    The stem is a single stride-2 3x3 conv (``conv1``/``bn1``) with no max-pool; other arguments as ResNet."""

    arch_settings = {
        'regnetx_400mf': dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, bot_mul=1.0),
        'regnetx_800mf': dict(w0=56, wa=35.73, wm=2.28, group_w=16, depth=16, bot_mul=1.0),
        'regnetx_1.6gf': dict(w0=80, wa=34.01, wm=2.25, group_w=24, depth=18, bot_mul=1.0),
        'regnetx_3.2gf': dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0),
        'regnetx_4.0gf': dict(w0=96, wa=38.65, wm=2.43, group_w=40, depth=23, bot_mul=1.0),
        'regnetx_6.4gf': dict(w0=184, wa=60.83, wm=2.07, group_w=56, depth=17, bot_mul=1.0),
        'regnetx_8.0gf': dict(w0=80, wa=49.56, wm=2.88, group_w=120, depth=23, bot_mul=1.0),
        'regnetx_12gf': dict(w0=168, wa=73.36, wm=2.37, group_w=112, depth=19, bot_mul=1.0),
    }

    def __init__(self, arch, in_channels: int = 3, stem_channels: int = 32, base_channels: int = 32,
                 strides: Sequence[int] = (2, 2, 2, 2), dilations: Sequence[int] = (1, 1, 1, 1),
                 out_indices: Sequence[int] = (0, 1, 2, 3), style: str = 'pytorch', deep_stem: bool = False,
                 avg_down: bool = False, frozen_stages: int = -1, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), norm_eval: bool = True, dcn=None,
                 stage_with_dcn=(False, False, False, False), plugins=None, with_cp: bool = False,
                 zero_init_residual: bool = True, pretrained=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        _reject_unsupported(dcn, plugins, 'RegNet')
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'unknown RegNet arch {arch!r}; choose from {sorted(self.arch_settings)}')
            arch = self.arch_settings[arch]
        elif not isinstance(arch, dict):
            raise TypeError(f'arch must be a str or a dict, got {type(arch).__name__}')

        widths, num_stages = self.generate_regnet(arch['w0'], arch['wa'], arch['wm'], arch['depth'])
        stage_widths, stage_blocks = self.get_stages_from_blocks(widths)
        group_widths = [arch['group_w']] * num_stages
        self.bottleneck_ratio = [arch['bot_mul']] * num_stages
        stage_widths, group_widths = self.adjust_width_group(stage_widths, self.bottleneck_ratio, group_widths)
        self.stage_widths, self.group_widths = stage_widths, group_widths
        self.depth = sum(stage_blocks)
        if not 1 <= num_stages <= 4:
            raise ValueError(f'RegNet arch {arch} gives {num_stages} stages; 1 to 4 are supported')
        if not len(strides) == len(dilations) == num_stages:
            raise ValueError(f'strides {tuple(strides)} and dilations {tuple(dilations)} must have {num_stages} '
                             'entries (one per stage of this arch)')
        if max(out_indices) >= num_stages:
            raise ValueError(f'out_indices {tuple(out_indices)} must be < num_stages ({num_stages})')

        self.stem_channels, self.base_channels, self.num_stages = stem_channels, base_channels, num_stages
        self.strides, self.dilations, self.out_indices = strides, dilations, out_indices
        self.style, self.deep_stem, self.avg_down, self.frozen_stages = style, deep_stem, avg_down, frozen_stages
        self.conv_cfg, self.norm_cfg, self.with_cp, self.norm_eval = conv_cfg, norm_cfg, with_cp, norm_eval
        self.dcn, self.stage_with_dcn, self.plugins = dcn, stage_with_dcn, plugins
        self.zero_init_residual = zero_init_residual
        self.block = RegNetBottleneck
        self.stage_blocks = stage_blocks[:num_stages]

        if init_cfg and pretrained:
            raise ValueError('init_cfg and pretrained cannot be specified at the same time')
        block_init_cfg = None
        if isinstance(pretrained, str):
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            self.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif pretrained is None:
            if init_cfg is None:
                self.init_cfg = [dict(type='Kaiming', layer='Conv2d'),
                                 dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]
                if zero_init_residual:
                    block_init_cfg = dict(type='Constant', val=0, override=dict(name='norm3'))
        else:
            raise TypeError(f'pretrained must be a str or None, got {type(pretrained).__name__}')

        self._make_stem_layer(in_channels, stem_channels)
        self.inplanes = stem_channels
        self.res_layers: List[str] = []
        for i, num_blocks in enumerate(self.stage_blocks):
            width = int(round(stage_widths[i] * self.bottleneck_ratio[i]))
            res_layer = self.make_res_layer(
                block=self.block, inplanes=self.inplanes, planes=stage_widths[i], num_blocks=num_blocks,
                stride=strides[i], dilation=dilations[i], style=style, avg_down=avg_down, with_cp=with_cp,
                conv_cfg=conv_cfg, norm_cfg=norm_cfg, groups=width // group_widths[i], base_width=group_widths[i],
                base_channels=stage_widths[i], init_cfg=block_init_cfg)
            self.inplanes = stage_widths[i]
            self.add_module(f'layer{i + 1}', res_layer)
            self.res_layers.append(f'layer{i + 1}')
        self._freeze_stages()
        self.feat_dim = stage_widths[-1]

    def _make_stem_layer(self, in_channels: int, base_channels: int) -> None:
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, base_channels, kernel_size=3, stride=2, padding=1,
                                      bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, base_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

    def generate_regnet(self, initial_width: int, width_slope: float, width_parameter: float, depth: int,
                        divisor: int = 8) -> Tuple[List[int], int]:
        """Per-block widths: the linear widths w0 + wa * j quantised to powers of wm times w0, rounded to
        multiples of ``divisor``; also the number of distinct widths (= stages)."""
        if width_slope < 0 or initial_width <= 0 or width_parameter <= 1 or initial_width % divisor:
            raise ValueError(f'invalid RegNet parameters w0={initial_width}, wa={width_slope}, '
                             f'wm={width_parameter} (need wa >= 0, w0 > 0 divisible by {divisor}, wm > 1)')
        widths_cont = np.arange(depth) * width_slope + initial_width
        ks = np.round(np.log(widths_cont / initial_width) / np.log(width_parameter))
        widths = np.round(initial_width * np.power(width_parameter, ks) / divisor) * divisor
        return widths.astype(int).tolist(), len(np.unique(widths))

    @staticmethod
    def quantize_float(number: float, divisor: int) -> int:
        return int(round(number / divisor) * divisor)

    def adjust_width_group(self, widths, bottleneck_ratio, groups):
        """Make each stage's bottleneck width a multiple of its group width (clamping groups to the width)."""
        bottleneck_width = [int(w * b) for w, b in zip(widths, bottleneck_ratio)]
        groups = [min(g, wb) for g, wb in zip(groups, bottleneck_width)]
        bottleneck_width = [self.quantize_float(wb, g) for wb, g in zip(bottleneck_width, groups)]
        widths = [int(wb / b) for wb, b in zip(bottleneck_width, bottleneck_ratio)]
        return widths, groups

    def get_stages_from_blocks(self, widths: List[int]):
        """Run-length encode the block widths: (width of each stage, number of blocks in each stage)."""
        stage_widths, stage_blocks = [], []
        for w in widths:
            if stage_widths and stage_widths[-1] == w:
                stage_blocks[-1] += 1
            else:
                stage_widths.append(w)
                stage_blocks.append(1)
        return stage_widths, stage_blocks

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.relu(self.norm1(self.conv1(x)))
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
