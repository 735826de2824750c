"""build_optimizer from ``cfg.optimizer``; every ``torch.optim`` optimizer is registered in OPTIMIZERS by name."""
from __future__ import annotations

import copy
import inspect

import torch

from workbench.registry import OPTIMIZER_BUILDERS, OPTIMIZERS


def register_torch_optimizers() -> list:
    names = []
    for name in dir(torch.optim):
        if name.startswith('__'):
            continue
        obj = getattr(torch.optim, name)
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer:
            if OPTIMIZERS.get(name) is None:
                OPTIMIZERS.register_module(module=obj)
            names.append(name)
    return names


TORCH_OPTIMIZERS = register_torch_optimizers()


def build_optimizer_constructor(cfg: dict):
    return OPTIMIZER_BUILDERS.build(cfg)


def build_optimizer(model: torch.nn.Module, cfg: dict):
    """``build_optimizer(model, dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4,
    paramwise_cfg=dict(...), constructor='DefaultOptimizerConstructor'))``."""
    if not isinstance(cfg, dict):
        raise TypeError(f'optimizer config must be a dict, got {type(cfg).__name__}')
    optimizer_cfg = copy.deepcopy(dict(cfg))
    constructor_type = optimizer_cfg.pop('constructor', 'DefaultOptimizerConstructor')
    paramwise_cfg = optimizer_cfg.pop('paramwise_cfg', None)
    optim_constructor = build_optimizer_constructor(
        dict(type=constructor_type, optimizer_cfg=optimizer_cfg, paramwise_cfg=paramwise_cfg))
    return optim_constructor(model)
