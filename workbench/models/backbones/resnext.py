"""ResNeXt backbone: ResNet with grouped 3x3 convs in widened bottlenecks."""
import math

from workbench.registry import BACKBONES

from ..utils import ResLayer
from .resnet import Bottleneck as _Bottleneck
from .resnet import ResNet


class Bottleneck(_Bottleneck):
    """ResNeXt bottleneck: inner width = floor(planes * base_width / base_channels) * groups (planes if groups=1)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, groups: int = 1, base_width: int = 4, base_channels: int = 64,
                 **kwargs):
        super().__init__(inplanes, planes, **kwargs)
        width = planes if groups == 1 else math.floor(planes * (base_width / base_channels)) * groups
        self._build(width=width, groups=groups)


@BACKBONES.register_module()
class ResNeXt(ResNet):
    """ResNeXt (depth 50/101/152) with ``groups`` and ``base_width``; other arguments as ResNet."""

    arch_settings = {
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, groups: int = 1, base_width: int = 4, **kwargs):
        self.groups = groups
        self.base_width = base_width
        super().__init__(**kwargs)

    def make_res_layer(self, **kwargs):
        return ResLayer(groups=self.groups, base_width=self.base_width, base_channels=self.base_channels, **kwargs)
