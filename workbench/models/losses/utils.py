"""Reduction helpers shared by all losses (mmdet 2.x ``weight``/``reduction``/``avg_factor`` semantics)."""
import functools
from typing import Callable, Optional

import torch

_REDUCTIONS = ('none', 'mean', 'sum')


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce an element-wise loss with 'none', 'mean' or 'sum'."""
    if reduction == 'none':
        return loss
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    raise ValueError(f'reduction must be one of {_REDUCTIONS}, but got {reduction!r}')


def weight_reduce_loss(loss: torch.Tensor, weight: Optional[torch.Tensor] = None, reduction: str = 'mean',
                       avg_factor=None) -> torch.Tensor:
    """Multiply ``loss`` by ``weight`` (if given) and reduce it.

    With ``avg_factor`` and ``reduction='mean'`` the sum is divided by ``avg_factor`` (plus float32 eps, so an
    avg_factor of 0 gives 0 instead of NaN); ``avg_factor`` with ``reduction='sum'`` is an error.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        return reduce_loss(loss, reduction)
    if reduction == 'mean':
        eps = torch.finfo(torch.float32).eps
        return loss.sum() / (avg_factor + eps)
    if reduction == 'none':
        return loss
    raise ValueError(f'avg_factor can not be used with reduction={reduction!r}')


def weighted_loss(loss_func: Callable) -> Callable:
    """Turn an element-wise ``loss_func(pred, target, **kwargs)`` into one taking ``weight``, ``reduction`` and
    ``avg_factor`` keyword arguments (the mmdet decorator)."""

    @functools.wraps(loss_func)
    def wrapper(pred, target, weight=None, reduction='mean', avg_factor=None, **kwargs):
        loss = loss_func(pred, target, **kwargs)
        return weight_reduce_loss(loss, weight, reduction, avg_factor)

    return wrapper


def check_reduction(reduction_override, default: str) -> str:
    """The reduction to use: the override when given (validated), else the loss's own."""
    if reduction_override not in (None, ) + _REDUCTIONS:
        raise ValueError(f'reduction_override must be None or one of {_REDUCTIONS}, but got {reduction_override!r}')
    return reduction_override if reduction_override else default
