"""Model complexity of a detector config or model: FLOPs, MACs and parameters per module, plus totals.

Counting is ``workbench.cnn.complexity_table`` (torch's FlopCounterMode): FLOPs count 2 per multiply-add in
convolutions and matrix products; MACs = FLOPs / 2 are what mmcv/mmdet's get_flops prints under the name "FLOPs".
Detectors run ``forward_dummy`` (backbone, neck and head outputs, no post-processing), as mmdet's get_flops does.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union


def input_shape_from(shape: Sequence[int], size_divisor: Optional[int] = None) -> Tuple[int, int, int]:
    """(3, H, W) from ``(S,)`` (a square), ``(H, W)`` or ``(C, H, W)``, H and W rounded up to a multiple of
    ``size_divisor`` (the padding the test pipeline applies)."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 1:
        shape = (3, shape[0], shape[0])
    elif len(shape) == 2:
        shape = (3,) + shape
    elif len(shape) != 3:
        raise ValueError(f'input shape must be S, H W or C H W, got {shape}')
    if min(shape) < 1:
        raise ValueError(f'input shape must be positive, got {shape}')
    if size_divisor:
        c, h, w = shape
        shape = (c, -(-h // size_divisor) * size_divisor, -(-w // size_divisor) * size_divisor)
    return shape


def _build(cfg_or_model):
    import torch.nn as nn
    if isinstance(cfg_or_model, nn.Module):
        return cfg_or_model
    from workbench.config import Config
    from workbench.models import build_detector
    cfg = Config.fromfile(str(cfg_or_model)) if not isinstance(cfg_or_model, Config) else cfg_or_model
    model_cfg = cfg.to_dict()['model']
    model_cfg['train_cfg'] = None
    model_cfg.pop('pretrained', None)
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone']['init_cfg'] = None  # no download of pretrained weights to count operations
    return build_detector(model_cfg, test_cfg=cfg.get('test_cfg'))


def model_complexity(cfg_or_model: Union[str, object], input_shape: Sequence[int] = (3, 1280, 800),
                     max_depth: Optional[int] = None):
    """Per-module complexity and totals of a model, a Config or a config path, for one image of ``input_shape``
    ((C, H, W), (H, W) or (S,)).

    Returns ``(table, totals)``: ``table`` is a DataFrame (module, type, depth, params, flops, macs, flops_%,
    params_%; row '' is the whole model) and ``totals`` a dict with input_shape, flops, macs, params.
    """
    from workbench.cnn import complexity_table

    model = _build(cfg_or_model)
    shape = input_shape_from(input_shape)
    was_training = model.training
    model.eval()
    try:
        table = complexity_table(model, shape, max_depth=max_depth)
    finally:
        model.train(was_training)
    total_flops = int(table['flops'].iloc[0])
    totals = dict(input_shape=list(shape), flops=total_flops, macs=total_flops // 2,
                  params=int(sum(p.numel() for p in model.parameters())))
    return table, totals
