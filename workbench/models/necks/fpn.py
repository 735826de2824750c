"""Feature Pyramid Network (mmdet 2.x ``FPN``): ``lateral_convs.{i}`` 1x1 and ``fpn_convs.{i}`` 3x3 ConvModules,
extra levels appended to ``fpn_convs``."""
from typing import List, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from workbench.cnn import BaseModule, ConvModule
from workbench.registry import NECKS

_EXTRA_MODES = ('on_input', 'on_lateral', 'on_output')


@NECKS.register_module()
class FPN(BaseModule):
    """FPN.

    Args:
        in_channels: channels of each backbone level. out_channels: channels of every output.
        num_outs: number of outputs; levels beyond the backbone's are extra (max-pooled, or stride-2 convs when
            ``add_extra_convs`` is set).
        start_level / end_level: backbone levels used (end inclusive; -1 = last).
        add_extra_convs: False; True (= 'on_input'); 'on_input' (from the last used backbone feature),
            'on_lateral' (from the last lateral) or 'on_output' (from the last FPN output).
        relu_before_extra_convs: ReLU before every extra conv after the first.
        no_norm_on_lateral: no norm in the lateral convs even if ``norm_cfg`` is set.
        upsample_cfg: F.interpolate kwargs for the top-down path; without ``scale_factor`` the size of the lower
            level is used.
    """

    def __init__(self, in_channels: List[int], out_channels: int, num_outs: int, start_level: int = 0,
                 end_level: int = -1, add_extra_convs: Union[bool, str] = False, relu_before_extra_convs: bool = False,
                 no_norm_on_lateral: bool = False, conv_cfg=None, norm_cfg=None, act_cfg=None,
                 upsample_cfg=dict(mode='nearest'),
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):
        super().__init__(init_cfg)
        if not isinstance(in_channels, (list, tuple)):
            raise TypeError(f'in_channels must be a list of ints, got {in_channels!r}')
        self.in_channels = list(in_channels)
        self.out_channels = out_channels
        self.num_ins = len(in_channels)
        self.num_outs = num_outs
        self.relu_before_extra_convs = relu_before_extra_convs
        self.no_norm_on_lateral = no_norm_on_lateral
        self.fp16_enabled = False
        self.upsample_cfg = dict(upsample_cfg)

        if end_level == -1 or end_level == self.num_ins - 1:
            self.backbone_end_level = self.num_ins
            if num_outs < self.num_ins - start_level:
                raise ValueError(f'num_outs ({num_outs}) must be >= the number of used backbone levels '
                                 f'({self.num_ins - start_level})')
        else:
            # a truncated pyramid cannot have extra levels
            if end_level >= self.num_ins:
                raise ValueError(f'end_level ({end_level}) must be < len(in_channels) ({self.num_ins})')
            if num_outs != end_level - start_level + 1:
                raise ValueError(f'num_outs ({num_outs}) must equal end_level - start_level + 1 '
                                 f'({end_level - start_level + 1}) when end_level is not the last level')
            self.backbone_end_level = end_level + 1
        self.start_level, self.end_level = start_level, end_level

        if isinstance(add_extra_convs, str):
            if add_extra_convs not in _EXTRA_MODES:
                raise ValueError(f'add_extra_convs must be a bool or one of {_EXTRA_MODES}, got {add_extra_convs!r}')
        elif isinstance(add_extra_convs, bool):
            add_extra_convs = 'on_input' if add_extra_convs else False
        else:
            raise TypeError(f'add_extra_convs must be a bool or str, got {add_extra_convs!r}')
        self.add_extra_convs = add_extra_convs

        self.lateral_convs = nn.ModuleList()
        self.fpn_convs = nn.ModuleList()
        for i in range(self.start_level, self.backbone_end_level):
            self.lateral_convs.append(
                ConvModule(in_channels[i], out_channels, 1, conv_cfg=conv_cfg,
                           norm_cfg=None if no_norm_on_lateral else norm_cfg, act_cfg=act_cfg, inplace=False))
            self.fpn_convs.append(
                ConvModule(out_channels, out_channels, 3, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                           act_cfg=act_cfg, inplace=False))

        extra_levels = num_outs - self.backbone_end_level + self.start_level
        if self.add_extra_convs and extra_levels >= 1:
            for i in range(extra_levels):
                if i == 0 and self.add_extra_convs == 'on_input':
                    extra_in = self.in_channels[self.backbone_end_level - 1]
                else:
                    extra_in = out_channels
                self.fpn_convs.append(
                    ConvModule(extra_in, out_channels, 3, stride=2, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                               act_cfg=act_cfg, inplace=False))

    def _top_down(self, inputs) -> List[torch.Tensor]:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'{self.__class__.__name__} expects {len(self.in_channels)} inputs, got {len(inputs)}')
        laterals = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        for i in range(len(laterals) - 1, 0, -1):
            if 'scale_factor' in self.upsample_cfg:
                up = F.interpolate(laterals[i], **self.upsample_cfg)
            else:
                up = F.interpolate(laterals[i], size=laterals[i - 1].shape[2:], **self.upsample_cfg)
            # out-of-place add: the lateral is still needed for 'on_lateral' extra convs
            laterals[i - 1] = laterals[i - 1] + up
        return laterals

    def _extra_levels(self, inputs, laterals, outs: List[torch.Tensor]) -> None:
        used = len(laterals)
        if self.num_outs <= len(outs):
            return
        if not self.add_extra_convs:
            # 1x1 max pool with stride 2 = subsample, as in Faster R-CNN's P6
            for _ in range(self.num_outs - used):
                outs.append(F.max_pool2d(outs[-1], 1, stride=2))
            return
        if self.add_extra_convs == 'on_input':
            source = inputs[self.backbone_end_level - 1]
        elif self.add_extra_convs == 'on_lateral':
            source = laterals[-1]
        else:
            source = outs[-1]
        outs.append(self.fpn_convs[used](source))
        for i in range(used + 1, self.num_outs):
            x = F.relu(outs[-1]) if self.relu_before_extra_convs else outs[-1]
            outs.append(self.fpn_convs[i](x))

    def forward(self, inputs) -> tuple:
        laterals = self._top_down(inputs)
        outs = [self.fpn_convs[i](laterals[i]) for i in range(len(laterals))]
        self._extra_levels(inputs, laterals, outs)
        return tuple(outs)
