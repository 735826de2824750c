"""Path Aggregation FPN (mmdet 2.x ``PAFPN``): FPN plus a bottom-up path (``downsample_convs``, ``pafpn_convs``)."""
import torch.nn as nn

from workbench.cnn import ConvModule
from workbench.registry import NECKS

from .fpn import FPN


@NECKS.register_module()
class PAFPN(FPN):
    """PAFPN; arguments as FPN (its top-down path always uses nearest upsampling to the lower level's size)."""

    def __init__(self, in_channels, out_channels, num_outs, start_level=0, end_level=-1, add_extra_convs=False,
                 relu_before_extra_convs=False, no_norm_on_lateral=False, conv_cfg=None, norm_cfg=None, act_cfg=None,
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):
        super().__init__(in_channels, out_channels, num_outs, start_level, end_level, add_extra_convs,
                         relu_before_extra_convs, no_norm_on_lateral, conv_cfg, norm_cfg, act_cfg,
                         upsample_cfg=dict(mode='nearest'), init_cfg=init_cfg)
        self.downsample_convs = nn.ModuleList()
        self.pafpn_convs = nn.ModuleList()
        for _ in range(self.start_level + 1, self.backbone_end_level):
            self.downsample_convs.append(
                ConvModule(out_channels, out_channels, 3, stride=2, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                           act_cfg=act_cfg, inplace=False))
            self.pafpn_convs.append(
                ConvModule(out_channels, out_channels, 3, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                           act_cfg=act_cfg, inplace=False))

    def forward(self, inputs) -> tuple:
        laterals = self._top_down(inputs)
        used = len(laterals)
        inter = [self.fpn_convs[i](laterals[i]) for i in range(used)]
        for i in range(used - 1):
            inter[i + 1] = inter[i + 1] + self.downsample_convs[i](inter[i])
        outs = [inter[0]] + [self.pafpn_convs[i - 1](inter[i]) for i in range(1, used)]
        self._extra_levels(inputs, laterals, outs)
        return tuple(outs)
