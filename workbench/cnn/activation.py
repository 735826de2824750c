"""Activation layer builder (``build_activation_layer``) and the activations torch lacks (HSigmoid, Clamp)."""
import torch
import torch.nn as nn

from workbench.registry import ACTIVATION_LAYERS

for _module in (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ReLU6, nn.ELU, nn.Sigmoid, nn.Tanh, nn.SiLU,
                nn.Hardswish):
    ACTIVATION_LAYERS.register_module(module=_module)
ACTIVATION_LAYERS.register_module('HSwish', module=nn.Hardswish)


@ACTIVATION_LAYERS.register_module()
class GELU(nn.GELU):
    """torch's GELU; accepts and ignores ``inplace`` so ConvModule can pass it uniformly."""

    def __init__(self, approximate: str = 'none', inplace: bool = False):
        super().__init__(approximate=approximate)


@ACTIVATION_LAYERS.register_module()
class Swish(nn.Module):
    """x * sigmoid(x) (the same function as SiLU; kept under mmcv's name, with no parameters)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


@ACTIVATION_LAYERS.register_module()
class HSigmoid(nn.Module):
    """Hard sigmoid: ``min(max((x + bias) / divisor, min_value), max_value)`` (mmcv >= 1.4.4 defaults)."""

    def __init__(self, bias: float = 3.0, divisor: float = 6.0, min_value: float = 0.0, max_value: float = 1.0):
        super().__init__()
        if divisor == 0:
            raise ValueError('HSigmoid divisor must not be 0')
        self.bias, self.divisor = bias, divisor
        self.min_value, self.max_value = min_value, max_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x + self.bias) / self.divisor).clamp_(self.min_value, self.max_value)


@ACTIVATION_LAYERS.register_module()
class Clamp(nn.Module):
    """Clamp the input to [min, max]."""

    def __init__(self, min: float = -1., max: float = 1.):  # noqa: A002 - mmcv's argument names
        super().__init__()
        self.min, self.max = min, max

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, min=self.min, max=self.max)


def build_activation_layer(cfg: dict) -> nn.Module:
    """Build an activation layer from ``cfg`` (``type`` plus the layer's arguments, e.g. ``inplace``)."""
    if not isinstance(cfg, dict):
        raise TypeError(f'activation cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    return ACTIVATION_LAYERS.build(cfg)
