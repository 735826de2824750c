"""Losses, registered in LOSSES (== MODELS) under mmdet 2.x names."""
from .accuracy import Accuracy, accuracy
from .balanced_l1_loss import BalancedL1Loss, balanced_l1_loss
from .cross_entropy_loss import CrossEntropyLoss, binary_cross_entropy, cross_entropy, mask_cross_entropy
from .focal_loss import FocalLoss, py_focal_loss_with_prob, py_sigmoid_focal_loss, sigmoid_focal_loss
from .gaussian_focal_loss import GaussianFocalLoss, gaussian_focal_loss
from .gfocal_loss import DistributionFocalLoss, QualityFocalLoss, distribution_focal_loss, quality_focal_loss
from .iou_loss import (BoundedIoULoss, CIoULoss, DIoULoss, GIoULoss, IoULoss, bounded_iou_loss, ciou_loss,
                       diou_loss, giou_loss, iou_loss)
from .mse_loss import MSELoss, mse_loss
from .smooth_l1_loss import L1Loss, SmoothL1Loss, l1_loss, smooth_l1_loss
from .utils import reduce_loss, weight_reduce_loss, weighted_loss

__all__ = [
    'Accuracy', 'accuracy', 'BalancedL1Loss', 'balanced_l1_loss', 'CrossEntropyLoss', 'binary_cross_entropy',
    'cross_entropy', 'mask_cross_entropy', 'FocalLoss', 'py_focal_loss_with_prob', 'py_sigmoid_focal_loss',
    'sigmoid_focal_loss', 'GaussianFocalLoss', 'gaussian_focal_loss', 'DistributionFocalLoss', 'QualityFocalLoss',
    'distribution_focal_loss', 'quality_focal_loss', 'BoundedIoULoss', 'CIoULoss', 'DIoULoss', 'GIoULoss',
    'IoULoss', 'bounded_iou_loss', 'ciou_loss', 'diou_loss', 'giou_loss', 'iou_loss', 'MSELoss', 'mse_loss',
    'L1Loss', 'SmoothL1Loss', 'l1_loss', 'smooth_l1_loss', 'reduce_loss', 'weight_reduce_loss', 'weighted_loss'
]
