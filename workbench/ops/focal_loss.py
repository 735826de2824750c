"""Sigmoid focal loss (`sigmoid_focal_loss`, `SigmoidFocalLoss`), forward and backward.

`pred` (N, C) logits; `target` (N,) class indices in [0, C], where C (= num_classes) means background (every class
is a negative). Per element: BCE-with-logits(pred, onehot) * (alpha if positive else 1 - alpha) * pt ** gamma, with
pt = 1 - p for positives and p for negatives — mmdet 2.x's CPU formulation, which the golden fixtures hold.

Differences from mmcv's `sigmoid_focal_loss` kept on purpose (and matching mmdet's use of it):
- `weight` is per sample (N,) or per element (N, C). mmcv's is per class, looked up with the target, which reads
  past its end for background rows.
- reduction='mean' averages over all N * C elements (mmdet); mmcv's CUDA op divides the sum by N.
CPU: vectorised torch, differentiated by autograd. CUDA: `cuda/focal_loss.cu` (element-wise, deterministic).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import Function

from workbench.ops import _cuda

_REDUCTIONS = ('none', 'mean', 'sum')


def _check(pred, target, weight, reduction):
    if not isinstance(pred, torch.Tensor) or pred.dim() != 2:
        raise ValueError(f'sigmoid_focal_loss: pred must be an (N, C) tensor of logits, got '
                         f'{tuple(pred.shape) if isinstance(pred, torch.Tensor) else type(pred).__name__}')
    if not isinstance(target, torch.Tensor) or target.dim() != 1 or target.size(0) != pred.size(0):
        raise ValueError(f'sigmoid_focal_loss: target must be an (N,) tensor with N = {pred.size(0)}, got '
                         f'{tuple(target.shape) if isinstance(target, torch.Tensor) else type(target).__name__}')
    if target.dtype.is_floating_point:
        raise TypeError(f'sigmoid_focal_loss: target must hold integer class indices, got {target.dtype}')
    if weight is not None and tuple(weight.shape) not in ((pred.size(0),), tuple(pred.shape)):
        raise ValueError(f'sigmoid_focal_loss: weight must have shape (N,) = ({pred.size(0)},) or (N, C) = '
                         f'{tuple(pred.shape)}, got {tuple(weight.shape)}')
    if reduction not in _REDUCTIONS:
        raise ValueError(f'sigmoid_focal_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}')
    if not target.is_cuda and target.numel():
        lo, hi = int(target.min()), int(target.max())
        if lo < 0 or hi > pred.size(1):
            raise ValueError(f'sigmoid_focal_loss: target values must lie in [0, {pred.size(1)}] ({pred.size(1)} '
                             f'= background), got range [{lo}, {hi}]')


def _focal_torch(pred, target, gamma, alpha):
    num_classes = pred.size(1)
    # boolean one-hot; a background row (target == num_classes) matches no column
    pos = target.long()[:, None] == torch.arange(num_classes, device=pred.device)
    p = pred.sigmoid()
    # clamped so that pow's backward stays finite where the sigmoid saturates (pt == 0 with gamma < 1 would give
    # inf * 0 = nan); the clamp's zero gradient there is the true limit, and the value change is below tiny**gamma
    pt = torch.where(pos, 1 - p, p).clamp(min=torch.finfo(pred.dtype).tiny)
    focal_weight = torch.where(pos, pred.new_tensor(alpha), pred.new_tensor(1 - alpha)) * pt.pow(gamma)
    return F.binary_cross_entropy_with_logits(pred, pos.to(pred.dtype), reduction='none') * focal_weight


class _FocalCUDA(Function):
    @staticmethod
    def forward(ctx, pred, target, gamma, alpha):
        dtype = pred.dtype
        cdtype = torch.float32 if dtype == torch.float16 else dtype
        x = pred.to(cdtype).contiguous()
        t = target.to(torch.int64).contiguous()
        out = torch.empty_like(x)
        if x.numel():
            launch = _cuda.KernelLauncher('focal_loss.cu', x)
            launch(f'sigmoid_focal_forward_{_cuda.dtype_suffix(cdtype)}', (_cuda.blocks_for(x.numel()),), (256,),
                   (x, t, out, _cuda.i32(x.numel()), _cuda.i32(x.size(1)), _cuda.scalar_for(cdtype, gamma),
                    _cuda.scalar_for(cdtype, alpha)))
        ctx.save_for_backward(x, t)
        ctx.cfg = (dtype, cdtype, gamma, alpha)
        return out.to(dtype)

    @staticmethod
    def backward(ctx, grad_out):
        x, t = ctx.saved_tensors
        dtype, cdtype, gamma, alpha = ctx.cfg
        g = grad_out.to(cdtype).contiguous()
        grad = torch.empty_like(x)
        if x.numel():
            launch = _cuda.KernelLauncher('focal_loss.cu', x)
            launch(f'sigmoid_focal_backward_{_cuda.dtype_suffix(cdtype)}', (_cuda.blocks_for(x.numel()),), (256,),
                   (x, t, g, grad, _cuda.i32(x.numel()), _cuda.i32(x.size(1)), _cuda.scalar_for(cdtype, gamma),
                    _cuda.scalar_for(cdtype, alpha)))
        return grad.to(dtype), None, None, None


def sigmoid_focal_loss(pred: torch.Tensor, target: torch.Tensor, gamma: float = 2.0, alpha: float = 0.25,
                       weight: torch.Tensor | None = None, reduction: str = 'mean') -> torch.Tensor:
    """Sigmoid focal loss (Lin et al.) of logits `pred` (N, C) for class indices `target` (N,), C = background.
    Returns the (N, C) element losses for reduction='none', else their mean or sum."""
    _check(pred, target, weight, reduction)
    if pred.is_cuda:
        loss = _FocalCUDA.apply(pred, target, float(gamma), float(alpha))
    elif pred.dtype == torch.float16:
        loss = _focal_torch(pred.float(), target, float(gamma), float(alpha)).half()
    else:
        loss = _focal_torch(pred, target, float(gamma), float(alpha))
    if weight is not None:
        loss = loss * (weight.reshape(-1, 1) if weight.dim() == 1 else weight).to(loss.dtype)
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    return loss


class SigmoidFocalLoss(nn.Module):
    """nn.Module form of `sigmoid_focal_loss` (mmcv's `SigmoidFocalLoss(gamma, alpha, weight, reduction)`)."""

    def __init__(self, gamma: float, alpha: float, weight: torch.Tensor | None = None, reduction: str = 'mean'):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f'SigmoidFocalLoss: reduction must be one of {_REDUCTIONS}, got {reduction!r}')
        self.gamma = float(gamma)
        self.alpha = float(alpha)
        self.register_buffer('weight', weight)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return sigmoid_focal_loss(input, target, self.gamma, self.alpha, self.weight, self.reduction)

    def extra_repr(self) -> str:
        return f'gamma={self.gamma}, alpha={self.alpha}, reduction={self.reduction}'
