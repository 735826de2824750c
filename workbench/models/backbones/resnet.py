"""ResNet backbones (ResNet-18/34/50/101/152 and ResNetV1d) with mmdet 2.x parameter names.

Names: ``conv1``/``bn1`` (or ``stem.*`` with ``deep_stem``), ``layer{1..4}.{block}.conv{1,2,3}`` /
``bn{1,2,3}`` / ``downsample.{0,1}``. torchvision's ImageNet ResNet state_dicts use the same names (plus ``fc``).
"""
import warnings
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.nn.modules.batchnorm import _BatchNorm

from workbench.cnn import BaseModule, build_conv_layer, build_norm_layer
from workbench.registry import BACKBONES

from ..utils import ResLayer


def _reject_unsupported(dcn, plugins, where: str) -> None:
    if dcn is not None:
        raise NotImplementedError(f'{where}: dcn={dcn!r} is not supported yet (deformable convolution is not '
                                  'implemented in workbench); remove `dcn` from the config')
    if plugins:
        raise NotImplementedError(f'{where}: plugins={plugins!r} are not supported yet; remove `plugins` from the '
                                  'config')


class _ResBlockBase(BaseModule):
    """Shared forward plumbing: optional gradient checkpointing, shortcut, final ReLU."""

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def inner(x):
            out = self._residual(x)
            identity = self.downsample(x) if self.downsample is not None else x
            out += identity  # in place, as mmdet: the last norm's backward does not need its output
            return out

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(inner, x, use_reentrant=False)
        else:
            out = inner(x)
        return self.relu(out)


class BasicBlock(_ResBlockBase):
    """Two 3x3 convs (ResNet-18/34). ``expansion`` = 1."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Module] = None, style: str = 'pytorch', with_cp: bool = False,
                 conv_cfg=None, norm_cfg=dict(type='BN'), dcn=None, plugins=None, init_cfg=None):
        super().__init__(init_cfg)
        _reject_unsupported(dcn, plugins, 'BasicBlock')
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)
        self.conv1 = build_conv_layer(conv_cfg, inplanes, planes, 3, stride=stride, padding=dilation,
                                      dilation=dilation, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride, self.dilation, self.with_cp, self.style = stride, dilation, with_cp, style

    @property
    def norm1(self) -> nn.Module:
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        return getattr(self, self.norm2_name)

    def _residual(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        return self.norm2(self.conv2(out))


class Bottleneck(_ResBlockBase):
    """1x1 reduce, 3x3, 1x1 expand (ResNet-50+). ``expansion`` = 4. style 'pytorch' strides the 3x3 conv,
    'caffe' the first 1x1 conv."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Module] = None, style: str = 'pytorch', with_cp: bool = False,
                 conv_cfg=None, norm_cfg=dict(type='BN'), dcn=None, plugins=None, init_cfg=None):
        super().__init__(init_cfg)
        if style not in ('pytorch', 'caffe'):
            raise ValueError(f"style must be 'pytorch' or 'caffe', got {style!r}")
        _reject_unsupported(dcn, plugins, 'Bottleneck')
        self.inplanes, self.planes, self.stride, self.dilation = inplanes, planes, stride, dilation
        self.style, self.with_cp, self.conv_cfg, self.norm_cfg = style, with_cp, conv_cfg, norm_cfg
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        self._build(width=planes, groups=1)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def _build(self, width: int, groups: int) -> None:
        """(Re)create the three convs and norms for a bottleneck of inner ``width`` (ResNeXt widens it)."""
        out = self.planes * self.expansion
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, width, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, width, postfix=2)
        self.norm3_name, norm3 = build_norm_layer(self.norm_cfg, out, postfix=3)
        self.conv1 = build_conv_layer(self.conv_cfg, self.inplanes, width, 1, stride=self.conv1_stride, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(self.conv_cfg, width, width, 3, stride=self.conv2_stride,
                                      padding=self.dilation, dilation=self.dilation, groups=groups, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(self.conv_cfg, width, out, 1, bias=False)
        self.add_module(self.norm3_name, norm3)

    @property
    def norm1(self) -> nn.Module:
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        return getattr(self, self.norm2_name)

    @property
    def norm3(self) -> nn.Module:
        return getattr(self, self.norm3_name)

    def _residual(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        return self.norm3(self.conv3(out))


@BACKBONES.register_module()
class ResNet(BaseModule):
    """ResNet backbone (mmdet 2.x arguments; see the mmdet API reference).

    Returns a tuple of the stage outputs listed in ``out_indices``. ``dcn`` and ``plugins`` are accepted only as
    None: deformable convs and plugin blocks are not supported yet. ``make_stage_plugins`` still filters plugin
    configs as mmdet does.
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, depth: int, in_channels: int = 3, stem_channels: Optional[int] = None,
                 base_channels: int = 64, num_stages: int = 4, strides: Sequence[int] = (1, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1), out_indices: Sequence[int] = (0, 1, 2, 3),
                 style: str = 'pytorch', deep_stem: bool = False, avg_down: bool = False, frozen_stages: int = -1,
                 conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True), norm_eval: bool = True, dcn=None,
                 stage_with_dcn=(False, False, False, False), plugins=None, with_cp: bool = False,
                 zero_init_residual: bool = True, pretrained: Optional[str] = None, init_cfg=None):
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for {self.__class__.__name__}; choose from '
                           f'{sorted(self.arch_settings)}')
        _reject_unsupported(dcn, plugins, self.__class__.__name__)
        self.zero_init_residual = zero_init_residual
        block_init_cfg = None
        if init_cfg and pretrained:
            raise ValueError('init_cfg and pretrained cannot be specified at the same time')
        if isinstance(pretrained, str):
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            self.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif pretrained is None:
            if init_cfg is None:
                self.init_cfg = [dict(type='Kaiming', layer='Conv2d'),
                                 dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]
                block = self.arch_settings[depth][0]
                if zero_init_residual:
                    # the last norm of every block starts at 0, so each residual block starts as identity
                    last_norm = 'norm2' if block is BasicBlock else 'norm3'
                    block_init_cfg = dict(type='Constant', val=0, override=dict(name=last_norm))
        else:
            raise TypeError(f'pretrained must be a str or None, got {type(pretrained).__name__}')

        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages must be in [1, 4], got {num_stages}')
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(f'strides {tuple(strides)} and dilations {tuple(dilations)} must have num_stages '
                             f'({num_stages}) entries')
        if max(out_indices) >= num_stages:
            raise ValueError(f'out_indices {tuple(out_indices)} must be < num_stages ({num_stages})')
        if style not in ('pytorch', 'caffe'):
            raise ValueError(f"style must be 'pytorch' or 'caffe', got {style!r}")

        self.depth = depth
        stem_channels = base_channels if stem_channels is None else stem_channels
        self.stem_channels, self.base_channels, self.num_stages = stem_channels, base_channels, num_stages
        self.strides, self.dilations, self.out_indices = strides, dilations, out_indices
        self.style, self.deep_stem, self.avg_down, self.frozen_stages = style, deep_stem, avg_down, frozen_stages
        self.conv_cfg, self.norm_cfg, self.with_cp, self.norm_eval = conv_cfg, norm_cfg, with_cp, norm_eval
        self.dcn, self.stage_with_dcn, self.plugins = dcn, stage_with_dcn, plugins
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.inplanes = stem_channels

        self._make_stem_layer(in_channels, stem_channels)

        self.res_layers: List[str] = []
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            res_layer = self.make_res_layer(block=self.block, inplanes=self.inplanes, planes=planes,
                                            num_blocks=num_blocks, stride=strides[i], dilation=dilations[i],
                                            style=style, avg_down=avg_down, with_cp=with_cp, conv_cfg=conv_cfg,
                                            norm_cfg=norm_cfg, init_cfg=block_init_cfg)
            self.inplanes = planes * self.block.expansion
            name = f'layer{i + 1}'
            self.add_module(name, res_layer)
            self.res_layers.append(name)

        self._freeze_stages()
        self.feat_dim = self.block.expansion * base_channels * 2**(len(self.stage_blocks) - 1)

    def make_stage_plugins(self, plugins: List[dict], stage_idx: int) -> List[dict]:
        """The plugin cfgs (without ``stages``) that apply to stage ``stage_idx``; a plugin without ``stages``
        applies to all stages."""
        stage_plugins = []
        for plugin in plugins:
            plugin = dict(plugin)
            stages = plugin.pop('stages', None)
            if stages is not None and len(stages) != self.num_stages:
                raise ValueError(f'plugin stages {stages} must have num_stages ({self.num_stages}) entries')
            if stages is None or stages[stage_idx]:
                stage_plugins.append(plugin)
        return stage_plugins

    def make_res_layer(self, **kwargs) -> ResLayer:
        return ResLayer(**kwargs)

    @property
    def norm1(self) -> nn.Module:
        return getattr(self, self.norm1_name)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        if self.deep_stem:
            half = stem_channels // 2
            layers = []
            for cin, cout, stride in ((in_channels, half, 2), (half, half, 1), (half, stem_channels, 1)):
                layers += [build_conv_layer(self.conv_cfg, cin, cout, kernel_size=3, stride=stride, padding=1,
                                            bias=False),
                           build_norm_layer(self.norm_cfg, cout)[1], nn.ReLU(inplace=True)]
            self.stem = nn.Sequential(*layers)
        else:
            self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, kernel_size=7, stride=2,
                                          padding=3, bias=False)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            stem = [self.stem] if self.deep_stem else [self.conv1, self.norm1]
            for m in stem:
                m.eval()
                for param in m.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            m = getattr(self, f'layer{i}')
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> tuple:
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True):
        """Train mode, keeping frozen stages frozen and, with ``norm_eval``, BatchNorm layers in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self


@BACKBONES.register_module()
class ResNetV1d(ResNet):
    """ResNet-D ("Bag of Tricks"): three 3x3 stem convs, and avg-pool before the 1x1 shortcut conv."""

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
