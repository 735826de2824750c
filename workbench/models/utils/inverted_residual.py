"""``InvertedResidual``: the MobileNetV2 block (1x1 expand, depthwise kxk, optional SE, 1x1 linear projection)."""
import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from workbench.cnn import BaseModule, ConvModule

from .se_layer import SELayer


class DropPath(nn.Module):
    """Stochastic depth: drop the whole residual branch per sample with probability ``drop_prob`` in training."""

    def __init__(self, drop_prob: float = 0.1):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0. or not self.training:
            return x
        keep = 1 - self.drop_prob
        mask = x.new_empty((x.shape[0], ) + (1, ) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class InvertedResidual(BaseModule):
    """Sub-modules ``expand_conv`` (absent when ``with_expand_conv=False``), ``depthwise_conv``, ``se`` (with
    ``se_cfg``) and ``linear_conv`` (no activation). The identity shortcut is used when stride is 1 and the channel
    count is unchanged."""

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int, kernel_size: int = 3, stride: int = 1,
                 se_cfg=None, with_expand_conv: bool = True, conv_cfg=None, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), drop_path_rate: float = 0., with_cp: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}')
        if not with_expand_conv and mid_channels != in_channels:
            raise ValueError(f'without an expand conv mid_channels ({mid_channels}) must equal in_channels '
                             f'({in_channels})')
        self.with_res_shortcut = stride == 1 and in_channels == out_channels
        self.with_cp = with_cp
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()
        self.with_se = se_cfg is not None
        self.with_expand_conv = with_expand_conv
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        if with_expand_conv:
            self.expand_conv = ConvModule(in_channels, mid_channels, 1, act_cfg=act_cfg, **common)
        self.depthwise_conv = ConvModule(mid_channels, mid_channels, kernel_size, stride=stride,
                                         padding=kernel_size // 2, groups=mid_channels, act_cfg=act_cfg, **common)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.linear_conv = ConvModule(mid_channels, out_channels, 1, act_cfg=None, **common)

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        out = self.expand_conv(x) if self.with_expand_conv else x
        out = self.depthwise_conv(out)
        if self.with_se:
            out = self.se(out)
        out = self.linear_conv(out)
        return x + self.drop_path(out) if self.with_res_shortcut else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._branch, x, use_reentrant=False)
        return self._branch(x)
