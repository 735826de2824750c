"""L1 and smooth-L1 regression losses."""
import torch
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weighted_loss


@weighted_loss
def smooth_l1_loss(pred, target, beta=1.0):
    """Quadratic below ``beta``, linear above; an empty target gives a zero that keeps the graph."""
    if beta <= 0:
        raise ValueError(f'smooth_l1_loss: beta must be > 0, got {beta}')
    if target.numel() == 0:
        return pred.sum() * 0
    if pred.size() != target.size():
        raise ValueError(f'smooth_l1_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ')
    diff = torch.abs(pred - target)
    return torch.where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta)


@weighted_loss
def l1_loss(pred, target):
    if target.numel() == 0:
        return pred.sum() * 0
    if pred.size() != target.size():
        raise ValueError(f'l1_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ')
    return torch.abs(pred - target)


@LOSSES.register_module()
class SmoothL1Loss(nn.Module):

    def __init__(self, beta=1.0, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.beta = beta
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * smooth_l1_loss(pred, target, weight, beta=self.beta, reduction=reduction,
                                                 avg_factor=avg_factor, **kwargs)


@LOSSES.register_module()
class L1Loss(nn.Module):

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * l1_loss(pred, target, weight, reduction=reduction, avg_factor=avg_factor)
