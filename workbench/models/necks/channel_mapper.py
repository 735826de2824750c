"""``ChannelMapper``: map every input level to the same channel count (DETR-family necks)."""
from typing import List, Optional

import torch.nn as nn

from workbench.cnn import BaseModule, ConvModule
from workbench.registry import NECKS


@NECKS.register_module()
class ChannelMapper(BaseModule):
    """One ConvModule per input level (``convs.{i}``, kernel ``kernel_size``, same spatial size); with ``num_outs``
    above the number of inputs, stride-2 3x3 ``extra_convs`` are chained from the last input."""

    def __init__(self, in_channels: List[int], out_channels: int, kernel_size: int = 3, conv_cfg=None, norm_cfg=None,
                 act_cfg=dict(type='ReLU'), num_outs: Optional[int] = None,
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):
        super().__init__(init_cfg)
        if not isinstance(in_channels, (list, tuple)):
            raise TypeError(f'in_channels must be a list of ints, got {in_channels!r}')
        self.extra_convs = None
        num_outs = len(in_channels) if num_outs is None else num_outs
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.convs = nn.ModuleList(
            ConvModule(c, out_channels, kernel_size, padding=(kernel_size - 1) // 2, **common) for c in in_channels)
        if num_outs > len(in_channels):
            self.extra_convs = nn.ModuleList()
            for i in range(len(in_channels), num_outs):
                c = in_channels[-1] if i == len(in_channels) else out_channels
                self.extra_convs.append(ConvModule(c, out_channels, 3, stride=2, padding=1, **common))

    def forward(self, inputs) -> tuple:
        if len(inputs) != len(self.convs):
            raise ValueError(f'ChannelMapper expects {len(self.convs)} inputs, got {len(inputs)}')
        outs = [conv(x) for conv, x in zip(self.convs, inputs)]
        if self.extra_convs:
            for i, conv in enumerate(self.extra_convs):
                outs.append(conv(inputs[-1] if i == 0 else outs[-1]))
        return tuple(outs)
