"""Generalized Focal Loss pieces: Quality Focal Loss and Distribution Focal Loss (GFL)."""
import torch.nn.functional as F
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weighted_loss


def _qfl(pred, target, beta, activated):
    label, score = target
    prob = pred if activated else pred.sigmoid()
    bce = F.binary_cross_entropy if activated else F.binary_cross_entropy_with_logits
    # every class starts as a negative whose target quality is 0 ...
    loss = bce(pred, pred.new_zeros(pred.shape), reduction='none') * prob.pow(beta)
    # ... then each positive's own class is pulled towards its IoU quality score
    bg_class_ind = pred.size(1)
    pos = ((label >= 0) & (label < bg_class_ind)).nonzero().squeeze(1)
    pos_label = label[pos].long()
    scale = score[pos] - prob[pos, pos_label]
    loss[pos, pos_label] = bce(pred[pos, pos_label], score[pos], reduction='none') * scale.abs().pow(beta)
    return loss.sum(dim=1)


@weighted_loss
def quality_focal_loss(pred, target, beta=2.0):
    """``pred`` logits (N, C); ``target`` = (labels (N,) with C for background, quality scores (N,))."""
    if len(target) != 2:
        raise ValueError('quality_focal_loss: target must be a (label, score) pair')
    return _qfl(pred, target, beta, activated=False)


@weighted_loss
def quality_focal_loss_with_prob(pred, target, beta=2.0):
    return _qfl(pred, target, beta, activated=True)


@weighted_loss
def distribution_focal_loss(pred, label):
    """``pred`` (N, n+1) logits over integer bins, ``label`` (N,) continuous targets in [0, n)."""
    dis_left = label.long()
    dis_right = dis_left + 1
    weight_left = dis_right.float() - label
    weight_right = label - dis_left.float()
    return (F.cross_entropy(pred, dis_left, reduction='none') * weight_left +
            F.cross_entropy(pred, dis_right, reduction='none') * weight_right)


@LOSSES.register_module()
class QualityFocalLoss(nn.Module):

    def __init__(self, use_sigmoid=True, beta=2.0, reduction='mean', loss_weight=1.0, activated=False):
        super().__init__()
        if not use_sigmoid:
            raise ValueError('QualityFocalLoss: only use_sigmoid=True is supported')
        self.use_sigmoid = use_sigmoid
        self.beta = beta
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight
        self.activated = activated

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        fn = quality_focal_loss_with_prob if self.activated else quality_focal_loss
        return self.loss_weight * fn(pred, target, weight, beta=self.beta, reduction=reduction,
                                     avg_factor=avg_factor)


@LOSSES.register_module()
class DistributionFocalLoss(nn.Module):

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * distribution_focal_loss(pred, target, weight, reduction=reduction,
                                                          avg_factor=avg_factor)
