"""``YOLOV3Neck``: YOLOv3's simplified FPN (upsample and concatenate), mmdet 2.x names ``detect{i}``, ``conv{i}``."""
from typing import List

import torch
import torch.nn.functional as F

from workbench.cnn import BaseModule, ConvModule
from workbench.registry import NECKS


class DetectionBlock(BaseModule):
    """Five ConvModules alternating 1x1 (``out_channels``) and 3x3 (``2 * out_channels``)."""

    def __init__(self, in_channels: int, out_channels: int, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
                 init_cfg=None):
        super().__init__(init_cfg)
        double = out_channels * 2
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, out_channels, 1, **cfg)
        self.conv2 = ConvModule(out_channels, double, 3, padding=1, **cfg)
        self.conv3 = ConvModule(double, out_channels, 1, **cfg)
        self.conv4 = ConvModule(out_channels, double, 3, padding=1, **cfg)
        self.conv5 = ConvModule(double, out_channels, 1, **cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv5(self.conv4(self.conv3(self.conv2(self.conv1(x)))))


@NECKS.register_module()
class YOLOV3Neck(BaseModule):
    """Inputs run from high resolution to low; processing starts at the last (lowest resolution) one, and each next
    level concatenates the upsampled previous output (after a 1x1 ``conv{i}``) with the backbone feature.
    Outputs run from low resolution to high."""

    def __init__(self, num_scales: int, in_channels: List[int], out_channels: List[int], conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
                 init_cfg=None):
        super().__init__(init_cfg)
        if not num_scales == len(in_channels) == len(out_channels):
            raise ValueError(f'num_scales ({num_scales}), len(in_channels) ({len(in_channels)}) and '
                             f'len(out_channels) ({len(out_channels)}) must be equal')
        self.num_scales, self.in_channels, self.out_channels = num_scales, in_channels, out_channels
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.detect1 = DetectionBlock(in_channels[0], out_channels[0], **cfg)
        for i in range(1, num_scales):
            self.add_module(f'conv{i}', ConvModule(out_channels[i - 1], out_channels[i], 1, **cfg))
            # the upsampled higher-level output is concatenated with the lower-level feature
            self.add_module(f'detect{i + 1}', DetectionBlock(in_channels[i] + out_channels[i], out_channels[i],
                                                             **cfg))

    def forward(self, feats) -> tuple:
        if len(feats) != self.num_scales:
            raise ValueError(f'YOLOV3Neck expects {self.num_scales} inputs, got {len(feats)}')
        out = self.detect1(feats[-1])
        outs = [out]
        for i, x in enumerate(reversed(feats[:-1])):
            tmp = F.interpolate(getattr(self, f'conv{i + 1}')(out), scale_factor=2)
            out = getattr(self, f'detect{i + 2}')(torch.cat((tmp, x), 1))
            outs.append(out)
        return tuple(outs)
