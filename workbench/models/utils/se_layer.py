"""``SELayer``: squeeze-and-excitation channel attention."""
import torch
import torch.nn as nn

from workbench.cnn import BaseModule, ConvModule


class SELayer(BaseModule):
    """Global average pool, 1x1 conv to ``channels / ratio`` + act, 1x1 conv back + gate act, multiply.

    ``act_cfg`` is one dict (used twice) or two dicts (default ReLU then Sigmoid)."""

    def __init__(self, channels: int, ratio: int = 16, conv_cfg=None,
                 act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')), init_cfg=None):
        super().__init__(init_cfg)
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        if len(act_cfg) != 2:
            raise ValueError(f'act_cfg must be a dict or two dicts, got {act_cfg!r}')
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, int(channels / ratio), 1, conv_cfg=conv_cfg, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(int(channels / ratio), channels, 1, conv_cfg=conv_cfg, act_cfg=act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv2(self.conv1(self.global_avgpool(x)))
