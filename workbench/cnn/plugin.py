"""Plugin layer builder (``build_plugin_layer``): returns (abbreviation + postfix, layer)."""
import inspect
import re
from typing import Tuple, Union

import torch.nn as nn

from workbench.registry import PLUGIN_LAYERS


def infer_plugin_abbr(class_type) -> str:
    """``_abbr_`` if the class sets it, else its CamelCase name in snake_case (mmcv's rule)."""
    if not inspect.isclass(class_type):
        raise TypeError(f'class_type must be a type, but got {type(class_type).__name__}')
    if hasattr(class_type, '_abbr_'):
        return class_type._abbr_
    name = class_type.__name__
    name = re.sub('([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    return re.sub('([a-z0-9])([A-Z])', r'\1_\2', name).lower()


def build_plugin_layer(cfg: dict, postfix: Union[int, str] = '', **kwargs) -> Tuple[str, nn.Module]:
    """Build a plugin layer registered in PLUGIN_LAYERS."""
    if not isinstance(cfg, dict):
        raise TypeError(f'plugin cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    if 'type' not in cfg:
        raise KeyError(f'the plugin cfg {cfg!r} must contain the key "type"')
    cfg_ = dict(cfg)
    layer_type = cfg_.pop('type')
    plugin_layer = PLUGIN_LAYERS.get(layer_type)
    if plugin_layer is None:
        raise KeyError(PLUGIN_LAYERS.missing_message(layer_type))
    if not isinstance(postfix, (int, str)):
        raise TypeError(f'postfix must be int or str, but got {type(postfix).__name__}')
    name = infer_plugin_abbr(plugin_layer) + str(postfix)
    return name, plugin_layer(**kwargs, **cfg_)
