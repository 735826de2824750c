"""``ResLayer``: one ResNet stage, a Sequential of residual blocks with the downsample branch on the first (or last)
block."""
import torch.nn as nn

from workbench.cnn import Sequential, build_conv_layer, build_norm_layer


class ResLayer(Sequential):
    """Stack ``num_blocks`` blocks of class ``block``.

    The shortcut of the block that changes shape is ``downsample`` = [AvgPool2d (if ``avg_down`` and strided)],
    1x1 conv, norm — named ``downsample.0``, ``downsample.1`` (``.2``) as in mmdet checkpoints.
    ``downsample_first=False`` puts the strided block last (HourglassNet).
    """

    def __init__(self, block, inplanes: int, planes: int, num_blocks: int, stride: int = 1, avg_down: bool = False,
                 conv_cfg=None, norm_cfg=dict(type='BN'), downsample_first: bool = True, **kwargs):
        self.block = block
        out_planes = planes * block.expansion
        downsample = None
        if stride != 1 or inplanes != out_planes:
            layers = []
            conv_stride = stride
            if avg_down:
                # average-pool then a stride-1 conv, so no input pixel is skipped (ResNet-D)
                conv_stride = 1
                layers.append(nn.AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True,
                                           count_include_pad=False))
            layers.append(build_conv_layer(conv_cfg, inplanes, out_planes, kernel_size=1, stride=conv_stride,
                                           bias=False))
            layers.append(build_norm_layer(norm_cfg, out_planes)[1])
            downsample = nn.Sequential(*layers)

        blocks = []
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs)
        if downsample_first:
            blocks.append(block(inplanes=inplanes, planes=planes, stride=stride, downsample=downsample, **common))
            for _ in range(1, num_blocks):
                blocks.append(block(inplanes=out_planes, planes=planes, stride=1, **common))
        else:
            for _ in range(num_blocks - 1):
                blocks.append(block(inplanes=inplanes, planes=inplanes, stride=1, **common))
            blocks.append(block(inplanes=inplanes, planes=planes, stride=stride, downsample=downsample, **common))
        super().__init__(*blocks)
