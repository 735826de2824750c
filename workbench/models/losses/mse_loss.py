"""Mean-squared-error loss."""
import torch.nn.functional as F
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weighted_loss


@weighted_loss
def mse_loss(pred, target):
    return F.mse_loss(pred, target, reduction='none')


@LOSSES.register_module()
class MSELoss(nn.Module):

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * mse_loss(pred, target, weight, reduction=reduction, avg_factor=avg_factor)
