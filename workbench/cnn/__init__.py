"""CNN bricks (mmcv.cnn names): layer builders, ConvModule, weight initialisation, BaseModule containers,
fuse_conv_bn and model complexity."""
from workbench.registry import (ACTIVATION_LAYERS, CONV_LAYERS, INITIALIZERS, NORM_LAYERS, PADDING_LAYERS,
                                PLUGIN_LAYERS, UPSAMPLE_LAYERS)

from .activation import GELU, Clamp, HSigmoid, Swish, build_activation_layer
from .base_module import BaseModule, ModuleDict, ModuleList, Sequential
from .complexity import complexity_table, get_model_complexity_info, params_to_string
from .conv import ConvWS2d, build_conv_layer
from .conv_module import ConvModule
from .depthwise_separable_conv_module import DepthwiseSeparableConvModule
from .fuse_conv_bn import fuse_conv_bn
from .norm import build_norm_layer, infer_abbr, is_norm
from .padding import build_padding_layer
from .plugin import build_plugin_layer
from .scale import Scale
from .upsample import PixelShufflePack, build_upsample_layer
from .weight_init import (BaseInit, Caffe2XavierInit, ConstantInit, KaimingInit, NormalInit, PretrainedInit,
                          TruncNormalInit, UniformInit, XavierInit, bias_init_with_prob, caffe2_xavier_init,
                          constant_init, initialize, kaiming_init, normal_init, trunc_normal_init, uniform_init,
                          xavier_init)

__all__ = [
    'CONV_LAYERS', 'NORM_LAYERS', 'ACTIVATION_LAYERS', 'UPSAMPLE_LAYERS', 'PADDING_LAYERS', 'PLUGIN_LAYERS',
    'INITIALIZERS', 'build_conv_layer', 'build_norm_layer', 'build_activation_layer', 'build_upsample_layer',
    'build_padding_layer', 'build_plugin_layer', 'infer_abbr', 'is_norm', 'ConvModule',
    'DepthwiseSeparableConvModule', 'ConvWS2d', 'Scale', 'GELU', 'Swish', 'HSigmoid', 'Clamp', 'PixelShufflePack',
    'fuse_conv_bn', 'BaseModule', 'Sequential', 'ModuleList', 'ModuleDict', 'constant_init', 'xavier_init',
    'normal_init', 'trunc_normal_init', 'uniform_init', 'kaiming_init', 'caffe2_xavier_init', 'bias_init_with_prob',
    'initialize', 'BaseInit', 'ConstantInit', 'XavierInit', 'NormalInit', 'TruncNormalInit', 'UniformInit',
    'KaimingInit', 'Caffe2XavierInit', 'PretrainedInit', 'get_model_complexity_info', 'complexity_table',
    'params_to_string'
]
