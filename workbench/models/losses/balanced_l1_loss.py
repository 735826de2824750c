"""Balanced L1 loss (Libra R-CNN)."""
import numpy as np
import torch
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weighted_loss


@weighted_loss
def balanced_l1_loss(pred, target, beta=1.0, alpha=0.5, gamma=1.5):
    if beta <= 0:
        raise ValueError(f'balanced_l1_loss: beta must be > 0, got {beta}')
    if target.numel() == 0:
        return pred.sum() * 0
    diff = torch.abs(pred - target)
    # b is chosen so that the inlier and outlier branches meet with equal gradient at |x| = beta
    b = np.e**(gamma / alpha) - 1
    return torch.where(diff < beta,
                       alpha / b * (b * diff + 1) * torch.log(b * diff / beta + 1) - alpha * diff,
                       gamma * diff + gamma / b - alpha * beta)


@LOSSES.register_module()
class BalancedL1Loss(nn.Module):

    def __init__(self, alpha=0.5, gamma=1.5, beta=1.0, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma
        self.beta = beta
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * balanced_l1_loss(pred, target, weight, alpha=self.alpha, gamma=self.gamma,
                                                   beta=self.beta, reduction=reduction, avg_factor=avg_factor,
                                                   **kwargs)
