"""``DepthwiseSeparableConvModule``: a depthwise ConvModule followed by a pointwise (1x1) ConvModule."""
from typing import Dict, Optional, Union

import torch
import torch.nn as nn

from .conv_module import ConvModule


class DepthwiseSeparableConvModule(nn.Module):
    """Depthwise conv (groups = in_channels) then pointwise conv, each a ConvModule named ``depthwise_conv`` and
    ``pointwise_conv``.

    ``dw_norm_cfg``/``dw_act_cfg``/``pw_norm_cfg``/``pw_act_cfg`` = 'default' mean "use norm_cfg / act_cfg".
    Other kwargs (conv_cfg, order, ...) go to both ConvModules.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 norm_cfg: Optional[Dict] = None, act_cfg: Dict = dict(type='ReLU'),
                 dw_norm_cfg: Union[Dict, str, None] = 'default', dw_act_cfg: Union[Dict, str, None] = 'default',
                 pw_norm_cfg: Union[Dict, str, None] = 'default', pw_act_cfg: Union[Dict, str, None] = 'default',
                 **kwargs):
        super().__init__()
        if 'groups' in kwargs:
            raise ValueError('groups should not be specified for DepthwiseSeparableConvModule')
        dw_norm_cfg = norm_cfg if dw_norm_cfg == 'default' else dw_norm_cfg
        dw_act_cfg = act_cfg if dw_act_cfg == 'default' else dw_act_cfg
        pw_norm_cfg = norm_cfg if pw_norm_cfg == 'default' else pw_norm_cfg
        pw_act_cfg = act_cfg if pw_act_cfg == 'default' else pw_act_cfg
        self.depthwise_conv = ConvModule(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                         dilation=dilation, groups=in_channels, norm_cfg=dw_norm_cfg,
                                         act_cfg=dw_act_cfg, **kwargs)
        self.pointwise_conv = ConvModule(in_channels, out_channels, 1, norm_cfg=pw_norm_cfg, act_cfg=pw_act_cfg,
                                         **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise_conv(self.depthwise_conv(x))
