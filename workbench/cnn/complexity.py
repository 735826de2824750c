"""Model complexity (FLOPs and parameter counts) measured with ``torch.utils.flop_counter.FlopCounterMode``.

What is counted: FLOPs as PyTorch's flop counter defines them, i.e. 2 per multiply-add in convolutions, matrix
products (linear, matmul, bmm, addmm, baddbmm) and attention kernels; bias additions, normalisation, activations,
pooling and other element-wise ops are *not* counted. mmcv's ``get_model_complexity_info`` reports multiply-adds
(MACs) under the name "FLOPs" and adds small terms for biases/norms/activations; pass ``count='macs'`` to get
MACs (= FLOPs / 2) comparable with mmcv / mmdet published numbers.
"""
import sys
from typing import Callable, Dict, Optional, Tuple

import torch
import torch.nn as nn


def _format(value: float, unit: str, precision: int = 2) -> str:
    for scale, prefix in ((1e12, 'T'), (1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if value >= scale:
            return f'{value / scale:.{precision}f} {prefix}{unit}'
    return f'{value:.{precision}f} {unit}' if unit else f'{value:.{precision}f}'


def params_to_string(num_params: float, precision: int = 2) -> str:
    """2_000_000 -> '2.00 M', 3_000 -> '3.00 K', 224 -> '224' (the parameter count strings mmcv prints)."""
    if num_params < 1e3:
        return str(int(num_params))
    return _format(num_params, '', precision).rstrip()


def _run_counted(model: nn.Module, input_shape: Tuple[int, ...],
                 input_constructor: Optional[Callable]) -> Tuple[int, Dict[str, int]]:
    from torch.utils.flop_counter import FlopCounterMode

    if not isinstance(input_shape, tuple) or len(input_shape) < 1:
        raise ValueError(f'input_shape must be a non-empty tuple such as (3, 224, 224), got {input_shape!r}')
    dummy = getattr(model, 'forward_dummy', None)
    # call forward_dummy *through* the root module (as mmdet's get_flops sets model.forward = model.forward_dummy):
    # FlopCounterMode names modules from the first module whose forward runs, so calling model.forward_dummy
    # directly would name the backbone 'ResNet' instead of '<Detector>.backbone' and every per-module row is 0
    if dummy is not None:
        model.forward = dummy
    forward = model
    try:
        param = next(model.parameters())
        device, dtype = param.device, param.dtype
    except StopIteration:
        device, dtype = torch.device('cpu'), torch.float32
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False, depth=None) as counter:
            if input_constructor is not None:
                inputs = input_constructor(input_shape)
                if isinstance(inputs, dict):
                    forward(**inputs)
                else:
                    forward(inputs)
            else:
                forward(torch.ones((1, *input_shape), device=device, dtype=dtype))
    finally:
        model.train(was_training)
        if dummy is not None:
            del model.forward  # back to the class's forward
    root = model.__class__.__name__
    per_module = {}
    for name, ops in counter.get_flop_counts().items():
        if name == 'Global':
            continue
        # counter names are '<RootClass>.<dotted path>'; map them to named_modules() names ('' for the root)
        rel = '' if name == root else (name[len(root) + 1:] if name.startswith(root + '.') else name)
        per_module[rel] = per_module.get(rel, 0) + int(sum(ops.values()))
    return int(counter.get_total_flops()), per_module


def complexity_table(model: nn.Module, input_shape: Tuple[int, ...], input_constructor: Optional[Callable] = None,
                     max_depth: Optional[int] = None):
    """A pandas DataFrame with one row per sub-module: ``module``, ``type``, ``depth``, ``params`` (own + children),
    ``flops`` (FlopCounterMode FLOPs, 2 per multiply-add), ``macs`` (= flops / 2), ``flops_%`` and ``params_%`` of
    the whole model. Row '' is the whole model. ``max_depth`` keeps rows up to that nesting depth."""
    import pandas as pd

    total_flops, per_module = _run_counted(model, input_shape, input_constructor)
    total_params = sum(p.numel() for p in model.parameters())
    rows = []
    for name, module in model.named_modules():
        depth = 0 if name == '' else name.count('.') + 1
        if max_depth is not None and depth > max_depth:
            continue
        params = sum(p.numel() for p in module.parameters())
        flops = total_flops if name == '' else per_module.get(name, 0)
        rows.append(dict(module=name, type=module.__class__.__name__, depth=depth, params=params, flops=flops,
                         macs=flops // 2,
                         **{'flops_%': 100.0 * flops / total_flops if total_flops else 0.0,
                            'params_%': 100.0 * params / total_params if total_params else 0.0}))
    return pd.DataFrame(rows, columns=['module', 'type', 'depth', 'params', 'flops', 'macs', 'flops_%',
                                       'params_%'])


def get_model_complexity_info(model: nn.Module, input_shape: Tuple[int, ...], print_per_layer_stat: bool = True,
                              as_strings: bool = True, input_constructor: Optional[Callable] = None,
                              flush: bool = False, ost=sys.stdout, count: str = 'flops'):
    """Return ``(flops, params)`` of ``model`` for an input of shape ``(1, *input_shape)``.

    ``count='flops'`` (default) gives FLOPs with a multiply-add counted as 2; ``count='macs'`` gives multiply-adds,
    the quantity mmcv calls "FLOPs". See the module docstring for what is and is not counted. With ``as_strings``
    the values are strings such as ``'4.11 GFLOPs'`` / ``'4.11 GMACs'`` and ``'23.51 M'``; otherwise numbers.
    ``print_per_layer_stat`` prints the per-module table (``complexity_table``) to ``ost``. If the model has
    ``forward_dummy`` (mmdet detectors), that is what is run.
    """
    if count not in ('flops', 'macs'):
        raise ValueError(f"count must be 'flops' or 'macs', got {count!r}")
    table = complexity_table(model, input_shape, input_constructor)
    total = int(table['flops'].iloc[0])  # row 0 is the whole model
    value = total if count == 'flops' else total // 2
    params = sum(p.numel() for p in model.parameters())
    if print_per_layer_stat:
        unit = 'FLOPs (2 per multiply-add)' if count == 'flops' else 'MACs (multiply-adds)'
        print(f'Complexity counted with torch FlopCounterMode; unit: {unit}; bias/norm/activation/pooling ops '
              'not counted.', file=ost)
        print(table.to_string(index=False), file=ost, flush=flush)
    if as_strings:
        return _format(value, 'FLOPs' if count == 'flops' else 'MACs'), params_to_string(params)
    return value, params
