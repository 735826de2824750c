"""DefaultOptimizerConstructor (mmcv 1.x): per-parameter lr / weight decay from ``paramwise_cfg``.

- ``custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=0.9)}``: a key that is a substring of the parameter's
  full name sets its multipliers and no other rule applies; the longest key wins (alphabetical among equals).
- ``bias_lr_mult``: lr of biases, except norm layers' and DCN offset layers'.
- ``bias_decay_mult``: weight decay of biases, except norm, depthwise-conv and DCN layers'.
- ``norm_decay_mult``: weight decay of norm-layer weights and biases.
- ``dwconv_decay_mult``: weight decay of depthwise-conv parameters.
- ``dcn_offset_lr_mult``: lr of the offset convs inside DCN layers (weight and bias).
- ``bypass_duplicate``: skip parameters already added (shared modules) instead of failing in torch.
Parameters with ``requires_grad=False`` are added with the global settings (so a later unfreeze trains them).
"""
from __future__ import annotations

import warnings
from typing import Dict, List, Optional

import torch
from torch.nn import GroupNorm, LayerNorm
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from workbench.registry import OPTIMIZER_BUILDERS, OPTIMIZERS, build_from_cfg

_DCN_NAMES = ('DeformConv2d', 'ModulatedDeformConv2d')


def _is_dcn(module) -> bool:
    # by class name so that this works whether or not the DCN ops are compiled / importable
    return any(c.__name__ in _DCN_NAMES for c in type(module).__mro__)


@OPTIMIZER_BUILDERS.register_module()
class DefaultOptimizerConstructor:

    def __init__(self, optimizer_cfg: Dict, paramwise_cfg: Optional[Dict] = None):
        if not isinstance(optimizer_cfg, dict):
            raise TypeError(f'optimizer_cfg should be a dict, but got {type(optimizer_cfg).__name__}')
        self.optimizer_cfg = optimizer_cfg
        self.paramwise_cfg = {} if paramwise_cfg is None else paramwise_cfg
        self.base_lr = optimizer_cfg.get('lr', None)
        self.base_wd = optimizer_cfg.get('weight_decay', None)
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        if not isinstance(self.paramwise_cfg, dict):
            raise TypeError(f'paramwise_cfg should be None or a dict, but got {type(self.paramwise_cfg).__name__}')
        if 'custom_keys' in self.paramwise_cfg and not isinstance(self.paramwise_cfg['custom_keys'], dict):
            raise TypeError('If specified, custom_keys must be a dict, but got '
                            f'{type(self.paramwise_cfg["custom_keys"]).__name__}')
        if self.base_wd is None:
            for key in ('bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult'):
                if key in self.paramwise_cfg:
                    raise ValueError(f'paramwise_cfg.{key} needs optimizer.weight_decay to be set')
        known = {'custom_keys', 'bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult',
                 'dcn_offset_lr_mult', 'bypass_duplicate'}
        unknown = set(self.paramwise_cfg) - known
        if unknown:
            raise KeyError(f'unknown paramwise_cfg keys {sorted(unknown)}; valid keys are {sorted(known)}')

    @staticmethod
    def _is_in(param_group: dict, param_group_list: List[dict]) -> bool:
        param = set(param_group['params'])
        seen = set()
        for group in param_group_list:
            seen.update(group['params'])
        return not param.isdisjoint(seen)

    def add_params(self, params: List[Dict], module: torch.nn.Module, prefix: str = '',
                   is_dcn_module: Optional[bool] = None) -> None:
        """Append one param group per parameter of ``module`` (recursively) with its lr / weight decay."""
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        sorted_keys = sorted(sorted(custom_keys.keys()), key=len, reverse=True)
        bias_lr_mult = self.paramwise_cfg.get('bias_lr_mult', 1.)
        bias_decay_mult = self.paramwise_cfg.get('bias_decay_mult', 1.)
        norm_decay_mult = self.paramwise_cfg.get('norm_decay_mult', 1.)
        dwconv_decay_mult = self.paramwise_cfg.get('dwconv_decay_mult', 1.)
        bypass_duplicate = self.paramwise_cfg.get('bypass_duplicate', False)
        dcn_offset_lr_mult = self.paramwise_cfg.get('dcn_offset_lr_mult', 1.)

        is_norm = isinstance(module, (_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm))
        is_dwconv = isinstance(module, torch.nn.Conv2d) and module.in_channels == module.groups

        for name, param in module.named_parameters(recurse=False):
            param_group = {'params': [param]}
            if not param.requires_grad:
                params.append(param_group)
                continue
            if bypass_duplicate and self._is_in(param_group, params):
                warnings.warn(f'{prefix} is duplicate. It is skipped since bypass_duplicate={bypass_duplicate}')
                continue
            is_custom = False
            for key in sorted_keys:
                if key in f'{prefix}.{name}':
                    is_custom = True
                    param_group['lr'] = self.base_lr * custom_keys[key].get('lr_mult', 1.)
                    if self.base_wd is not None:
                        param_group['weight_decay'] = self.base_wd * custom_keys[key].get('decay_mult', 1.)
                    break
            if not is_custom:
                if name == 'bias' and not (is_norm or is_dcn_module):
                    param_group['lr'] = self.base_lr * bias_lr_mult
                if prefix.find('conv_offset') != -1 and is_dcn_module and isinstance(module, torch.nn.Conv2d):
                    param_group['lr'] = self.base_lr * dcn_offset_lr_mult
                if self.base_wd is not None:
                    if is_norm:
                        param_group['weight_decay'] = self.base_wd * norm_decay_mult
                    elif is_dwconv:
                        param_group['weight_decay'] = self.base_wd * dwconv_decay_mult
                    elif name == 'bias' and not is_dcn_module:
                        param_group['weight_decay'] = self.base_wd * bias_decay_mult
            params.append(param_group)

        child_is_dcn = _is_dcn(module)
        for child_name, child_mod in module.named_children():
            child_prefix = f'{prefix}.{child_name}' if prefix else child_name
            self.add_params(params, child_mod, prefix=child_prefix, is_dcn_module=child_is_dcn)

    def __call__(self, model: torch.nn.Module):
        if hasattr(model, 'module'):
            model = model.module
        optimizer_cfg = self.optimizer_cfg.copy()
        if not self.paramwise_cfg:
            optimizer_cfg['params'] = model.parameters()
            return build_from_cfg(optimizer_cfg, OPTIMIZERS)
        params: List[Dict] = []
        self.add_params(params, model)
        optimizer_cfg['params'] = params
        return build_from_cfg(optimizer_cfg, OPTIMIZERS)
