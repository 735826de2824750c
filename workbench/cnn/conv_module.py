"""``ConvModule``: a conv / norm / activation bundle with mmcv's arguments and parameter names."""
import warnings
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from workbench.registry import PADDING_LAYERS

from .activation import build_activation_layer
from .conv import build_conv_layer
from .norm import build_norm_layer
from .padding import build_padding_layer
from .weight_init import constant_init, kaiming_init

# activations whose constructors take no ``inplace`` argument
_NO_INPLACE_ACTS = ('Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU', 'Clamp')


class ConvModule(nn.Module):
    """Conv, then norm, then activation (or any ``order`` of the three).

    Sub-modules are named ``conv``, the norm by its abbreviation (``bn``, ``gn``, ``ln``, ``in``) and ``activate``,
    so mmcv / mmdet checkpoints load unchanged.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups: as in ``nn.Conv2d``.
        bias: True/False, or 'auto' = bias only when there is no norm layer.
        conv_cfg: conv type (None means Conv2d). norm_cfg: norm type (None: no norm).
        act_cfg: activation (None: no activation). Default ReLU.
        inplace: in-place activation where the activation supports it.
        with_spectral_norm: wrap the conv in spectral normalisation.
        padding_mode: 'zeros' and 'circular' are handled by the conv; other modes ('reflect', 'replicate') by an
            explicit padding layer named ``padding_layer``.
        order: a permutation of ('conv', 'norm', 'act').
    """

    _abbr_ = 'conv_block'

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, Tuple[int, int]],
                 stride: Union[int, Tuple[int, int]] = 1, padding: Union[int, Tuple[int, int]] = 0,
                 dilation: Union[int, Tuple[int, int]] = 1, groups: int = 1, bias: Union[bool, str] = 'auto',
                 conv_cfg: Optional[Dict] = None, norm_cfg: Optional[Dict] = None,
                 act_cfg: Optional[Dict] = dict(type='ReLU'), inplace: bool = True, with_spectral_norm: bool = False,
                 padding_mode: str = 'zeros', order: tuple = ('conv', 'norm', 'act')):
        super().__init__()
        if conv_cfg is not None and not isinstance(conv_cfg, dict):
            raise TypeError(f'conv_cfg must be None or a dict, got {conv_cfg!r}')
        if norm_cfg is not None and not isinstance(norm_cfg, dict):
            raise TypeError(f'norm_cfg must be None or a dict, got {norm_cfg!r}')
        if act_cfg is not None and not isinstance(act_cfg, dict):
            raise TypeError(f'act_cfg must be None or a dict, got {act_cfg!r}')
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.inplace = inplace
        self.with_spectral_norm = with_spectral_norm
        self.with_explicit_padding = padding_mode not in ('zeros', 'circular')
        if not (isinstance(order, tuple) and len(order) == 3 and set(order) == {'conv', 'norm', 'act'}):
            raise ValueError(f"order must be a tuple holding 'conv', 'norm' and 'act' once each, got {order!r}")
        self.order = order

        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        if bias == 'auto':
            bias = not self.with_norm
        elif not isinstance(bias, bool):
            raise ValueError(f"bias must be True, False or 'auto', got {bias!r}")
        self.with_bias = bias

        if self.with_explicit_padding:
            if padding_mode not in PADDING_LAYERS:
                raise KeyError(f"padding_mode {padding_mode!r} is not supported; use 'zeros', 'circular' or a "
                               f"registered padding layer ({', '.join(PADDING_LAYERS.list())})")
            self.padding_layer = build_padding_layer(dict(type=padding_mode), padding)
        conv_padding = 0 if self.with_explicit_padding else padding
        conv_kwargs = dict(stride=stride, padding=conv_padding, dilation=dilation, groups=groups, bias=bias)
        if padding_mode == 'circular':
            conv_kwargs['padding_mode'] = 'circular'
        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, **conv_kwargs)
        # mirror the conv's attributes, as mmcv does, for code that reads them off the module
        self.in_channels = self.conv.in_channels
        self.out_channels = self.conv.out_channels
        self.kernel_size = self.conv.kernel_size
        self.stride = self.conv.stride
        self.padding = padding
        self.dilation = self.conv.dilation
        self.transposed = getattr(self.conv, 'transposed', False)
        self.output_padding = getattr(self.conv, 'output_padding', 0)
        self.groups = self.conv.groups

        if self.with_spectral_norm:
            self.conv = nn.utils.spectral_norm(self.conv)

        if self.with_norm:
            norm_channels = out_channels if order.index('norm') > order.index('conv') else in_channels
            self.norm_name, norm = build_norm_layer(norm_cfg, norm_channels)
            self.add_module(self.norm_name, norm)
            if self.with_bias and isinstance(norm, (_BatchNorm, _InstanceNorm)):
                warnings.warn('Unnecessary conv bias before batch/instance norm')
        else:
            self.norm_name = None

        if self.with_activation:
            act_cfg_ = dict(act_cfg)
            if act_cfg_['type'] not in _NO_INPLACE_ACTS:
                act_cfg_.setdefault('inplace', inplace)
            self.activate = build_activation_layer(act_cfg_)

        self.init_weights()

    @property
    def norm(self) -> Optional[nn.Module]:
        return getattr(self, self.norm_name) if self.norm_name else None

    def init_weights(self) -> None:
        """Kaiming-normal conv (leaky_relu gain for LeakyReLU, else relu) unless the conv has its own
        ``init_weights``; norm weight 1, bias 0 (mmcv's defaults)."""
        if not hasattr(self.conv, 'init_weights'):
            if self.with_activation and self.act_cfg['type'] == 'LeakyReLU':
                nonlinearity, a = 'leaky_relu', self.act_cfg.get('negative_slope', 0.01)
            else:
                nonlinearity, a = 'relu', 0
            kaiming_init(self.conv, a=a, nonlinearity=nonlinearity)
        if self.with_norm:
            constant_init(self.norm, 1, bias=0)

    def forward(self, x: torch.Tensor, activate: bool = True, norm: bool = True) -> torch.Tensor:
        for layer in self.order:
            if layer == 'conv':
                if self.with_explicit_padding:
                    x = self.padding_layer(x)
                x = self.conv(x)
            elif layer == 'norm' and norm and self.with_norm:
                x = self.norm(x)
            elif layer == 'act' and activate and self.with_activation:
                x = self.activate(x)
        return x

