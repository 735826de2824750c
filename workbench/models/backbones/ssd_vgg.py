"""VGG backbone for SSD (mmdet 2.x ``SSDVGG``): VGG ``features`` with pool5 3x3/1 and the dilated fc6/fc7 convs.

Parameter names follow mmcv's VGG: ``features.{index}.weight`` with the torchvision-style flat layer indices.
"""
import warnings
from typing import Sequence

import torch
import torch.nn as nn

from workbench.cnn import BaseModule
from workbench.registry import BACKBONES


def _vgg_features(depth: int, with_bn: bool, ceil_mode: bool, with_last_pool: bool,
                  dilations=(1, 1, 1, 1, 1)) -> list:
    stage_blocks = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
    if depth not in stage_blocks:
        raise KeyError(f'invalid depth {depth} for VGG; choose from {sorted(stage_blocks)}')
    layers, inplanes = [], 3
    for i, num_blocks in enumerate(stage_blocks[depth]):
        planes = 64 * 2**i if i < 4 else 512
        for _ in range(num_blocks):
            layers.append(nn.Conv2d(inplanes, planes, 3, padding=dilations[i], dilation=dilations[i]))
            if with_bn:
                layers.append(nn.BatchNorm2d(planes))
            layers.append(nn.ReLU(inplace=True))
            inplanes = planes
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
    if not with_last_pool:
        layers.pop(-1)
    return layers


@BACKBONES.register_module()
class SSDVGG(BaseModule):
    """VGG-{11,13,16,19} for SSD. Outputs the ``features`` layers at ``out_feature_indices`` (a tuple, or a single
    tensor when only one index is present, as in mmdet). For VGG-16 the defaults (22, 34) are relu4_3 and fc7.
    ``input_size``/``l2_norm_scale`` are deprecated (the L2 norm lives in SSDNeck)."""

    def __init__(self, depth: int, with_last_pool: bool = False, ceil_mode: bool = True,
                 out_indices: Sequence[int] = (3, 4), out_feature_indices: Sequence[int] = (22, 34), pretrained=None,
                 init_cfg=None, input_size=None, l2_norm_scale=None):
        super().__init__(init_cfg)
        self.depth, self.out_indices = depth, out_indices
        layers = _vgg_features(depth, with_bn=False, ceil_mode=ceil_mode, with_last_pool=with_last_pool)
        layers += [nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                   nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6), nn.ReLU(inplace=True),
                   nn.Conv2d(1024, 1024, kernel_size=1), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.out_feature_indices = out_feature_indices
        bad = [i for i in out_feature_indices if i >= len(self.features)]
        if bad:
            warnings.warn(f'SSDVGG depth {depth} has {len(self.features)} feature layers; out_feature_indices {bad} '
                          'will never be output')

        if init_cfg and pretrained:
            raise ValueError('init_cfg and pretrained cannot be specified at the same time')
        if init_cfg is not None:
            self.init_cfg = init_cfg
        elif isinstance(pretrained, str):
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            self.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif pretrained is None:
            self.init_cfg = [dict(type='Kaiming', layer='Conv2d'), dict(type='Constant', val=1, layer='BatchNorm2d'),
                             dict(type='Normal', std=0.01, layer='Linear')]
        else:
            raise TypeError(f'pretrained must be a str or None, got {type(pretrained).__name__}')
        if input_size is not None:
            warnings.warn('DeprecationWarning: input_size is deprecated')
        if l2_norm_scale is not None:
            warnings.warn('DeprecationWarning: l2_norm_scale in VGG is deprecated, it has been moved to SSDNeck.')

    def init_weights(self, pretrained=None) -> None:
        super().init_weights()

    def forward(self, x: torch.Tensor):
        outs = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.out_feature_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)
