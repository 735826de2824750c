"""IoU-family box regression losses on (x1, y1, x2, y2) boxes: IoU, Bounded IoU, GIoU, DIoU, CIoU."""
import math
import warnings

import torch
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weighted_loss


def _aligned_overlaps(pred, target, mode, eps):
    # the core IoU calculator owns the box-overlap semantics; imported lazily to keep models -> core one-way
    from workbench.core import bbox_overlaps
    return bbox_overlaps(pred, target, mode=mode, is_aligned=True, eps=eps)


@weighted_loss
def iou_loss(pred, target, linear=False, mode='log', eps=1e-6):
    """1 - IoU ('linear'), 1 - IoU^2 ('square') or -log(IoU) ('log'), IoU clamped at ``eps``."""
    if linear:
        mode = 'linear'
        warnings.warn('iou_loss: linear=True is deprecated, use mode="linear"')
    ious = _aligned_overlaps(pred, target, 'iou', 1e-6).clamp(min=eps)
    if mode == 'linear':
        return 1 - ious
    if mode == 'square':
        return 1 - ious**2
    if mode == 'log':
        return -ious.log()
    raise ValueError(f'iou_loss: mode must be linear, square or log, got {mode!r}')


@weighted_loss
def bounded_iou_loss(pred, target, beta=0.2, eps=1e-3):
    """Bounded IoU loss (per coordinate, smooth-L1 shaped); the target side carries no gradient."""
    pred_ctrx = (pred[:, 0] + pred[:, 2]) * 0.5
    pred_ctry = (pred[:, 1] + pred[:, 3]) * 0.5
    pred_w = pred[:, 2] - pred[:, 0]
    pred_h = pred[:, 3] - pred[:, 1]
    with torch.no_grad():
        target_ctrx = (target[:, 0] + target[:, 2]) * 0.5
        target_ctry = (target[:, 1] + target[:, 3]) * 0.5
        target_w = target[:, 2] - target[:, 0]
        target_h = target[:, 3] - target[:, 1]
    dx = target_ctrx - pred_ctrx
    dy = target_ctry - pred_ctry
    zeros = torch.zeros_like(dx)
    loss_dx = 1 - torch.max((target_w - 2 * dx.abs()) / (target_w + 2 * dx.abs() + eps), zeros)
    loss_dy = 1 - torch.max((target_h - 2 * dy.abs()) / (target_h + 2 * dy.abs() + eps), zeros)
    loss_dw = 1 - torch.min(target_w / (pred_w + eps), pred_w / (target_w + eps))
    loss_dh = 1 - torch.min(target_h / (pred_h + eps), pred_h / (target_h + eps))
    loss_comb = torch.stack([loss_dx, loss_dy, loss_dw, loss_dh], dim=-1).flatten(1)
    return torch.where(loss_comb < beta, 0.5 * loss_comb * loss_comb / beta, loss_comb - 0.5 * beta)


@weighted_loss
def giou_loss(pred, target, eps=1e-7):
    return 1 - _aligned_overlaps(pred, target, 'giou', eps)


def _iou_and_center_penalty(pred, target, eps):
    """IoU, the squared centre distance and the squared enclosing-box diagonal (DIoU/CIoU pieces)."""
    lt = torch.max(pred[:, :2], target[:, :2])
    rb = torch.min(pred[:, 2:], target[:, 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[:, 0] * wh[:, 1]
    area_p = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    area_t = (target[:, 2] - target[:, 0]) * (target[:, 3] - target[:, 1])
    ious = overlap / (area_p + area_t - overlap + eps)

    enclose_wh = (torch.max(pred[:, 2:], target[:, 2:]) - torch.min(pred[:, :2], target[:, :2])).clamp(min=0)
    c2 = enclose_wh[:, 0]**2 + enclose_wh[:, 1]**2 + eps
    dx = (target[:, 0] + target[:, 2]) - (pred[:, 0] + pred[:, 2])
    dy = (target[:, 1] + target[:, 3]) - (pred[:, 1] + pred[:, 3])
    rho2 = dx**2 / 4 + dy**2 / 4
    return ious, rho2, c2


@weighted_loss
def diou_loss(pred, target, eps=1e-7):
    ious, rho2, c2 = _iou_and_center_penalty(pred, target, eps)
    return 1 - (ious - rho2 / c2)


@weighted_loss
def ciou_loss(pred, target, eps=1e-7):
    ious, rho2, c2 = _iou_and_center_penalty(pred, target, eps)
    w1 = pred[:, 2] - pred[:, 0]
    h1 = pred[:, 3] - pred[:, 1] + eps
    w2 = target[:, 2] - target[:, 0]
    h2 = target[:, 3] - target[:, 1] + eps
    v = (4 / math.pi**2) * torch.pow(torch.atan(w2 / h2) - torch.atan(w1 / h1), 2)
    with torch.no_grad():
        # the aspect-ratio term only switches on for well-overlapping boxes, and is a constant for gradients
        alpha = (ious > 0.5).float() * v / (1 - ious + v)
    cious = ious - (rho2 / c2 + alpha * v)
    return 1 - cious.clamp(min=-1.0, max=1.0)


class _BoxLoss(nn.Module):
    """Shared forward: all-zero weights short-circuit to a graph-keeping zero; (N, 4) weights average to (N,)."""

    _fn = None
    _reduce_box_weight = True

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def _extra_kwargs(self):
        return {}

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = check_reduction(reduction_override, self.reduction)
        if weight is not None and not torch.any(weight > 0):
            if pred.dim() == weight.dim() + 1:
                weight = weight.unsqueeze(1)
            return (pred * weight).sum()
        if self._reduce_box_weight and weight is not None and weight.dim() > 1:
            if weight.shape != pred.shape:
                raise ValueError(f'{type(self).__name__}: weight {tuple(weight.shape)} must match pred '
                                 f'{tuple(pred.shape)}')
            weight = weight.mean(-1)
        return self.loss_weight * type(self)._fn(pred, target, weight, reduction=reduction, avg_factor=avg_factor,
                                                 **self._extra_kwargs(), **kwargs)


@LOSSES.register_module()
class IoULoss(_BoxLoss):
    _fn = staticmethod(iou_loss)

    def __init__(self, linear=False, eps=1e-6, reduction='mean', loss_weight=1.0, mode='log'):
        super().__init__(reduction, loss_weight)
        if mode not in ('linear', 'square', 'log'):
            raise ValueError(f'IoULoss: mode must be linear, square or log, got {mode!r}')
        if linear:
            mode = 'linear'
            warnings.warn('IoULoss: linear=True is deprecated, use mode="linear"')
        self.mode = mode
        self.linear = linear
        self.eps = eps

    def _extra_kwargs(self):
        return dict(mode=self.mode, eps=self.eps)


@LOSSES.register_module()
class BoundedIoULoss(_BoxLoss):
    _fn = staticmethod(bounded_iou_loss)
    _reduce_box_weight = False

    def __init__(self, beta=0.2, eps=1e-3, reduction='mean', loss_weight=1.0):
        super().__init__(reduction, loss_weight)
        self.beta = beta
        self.eps = eps

    def _extra_kwargs(self):
        return dict(beta=self.beta, eps=self.eps)


class _EpsBoxLoss(_BoxLoss):

    def __init__(self, eps=1e-6, reduction='mean', loss_weight=1.0):
        super().__init__(reduction, loss_weight)
        self.eps = eps

    def _extra_kwargs(self):
        return dict(eps=self.eps)


@LOSSES.register_module()
class GIoULoss(_EpsBoxLoss):
    _fn = staticmethod(giou_loss)


@LOSSES.register_module()
class DIoULoss(_EpsBoxLoss):
    _fn = staticmethod(diou_loss)


@LOSSES.register_module()
class CIoULoss(_EpsBoxLoss):
    _fn = staticmethod(ciou_loss)
