"""Matching costs for set-prediction assignment (mmdet 2.x ``mmdet.core.bbox.match_costs``).

Each cost maps predictions (n, ...) and ground truths (k, ...) to an (n, k) cost matrix (lower is better).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from workbench.registry import MATCH_COST
from ..iou_calculators import bbox_overlaps
from ..transforms import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh


@MATCH_COST.register_module()
class BBoxL1Cost:
    """L1 distance between predicted boxes (normalised cx, cy, w, h) and gt boxes (normalised x1, y1, x2, y2).

    Args:
        weight (float): cost weight.
        box_format (str): 'xyxy' compares in corner form, 'xywh' in centre form.
    """

    def __init__(self, weight=1., box_format='xyxy'):
        if box_format not in ('xyxy', 'xywh'):
            raise ValueError(f"box_format must be 'xyxy' or 'xywh', got {box_format!r}")
        self.weight = weight
        self.box_format = box_format

    def __call__(self, bbox_pred, gt_bboxes):
        if self.box_format == 'xywh':
            gt_bboxes = bbox_xyxy_to_cxcywh(gt_bboxes)
        else:
            bbox_pred = bbox_cxcywh_to_xyxy(bbox_pred)
        return torch.cdist(bbox_pred, gt_bboxes, p=1) * self.weight


@MATCH_COST.register_module()
class FocalLossCost:
    """Sigmoid focal-loss cost of classifying each prediction as each gt's class (or, with ``binary_input``, of
    predicting each gt mask pixel-wise).
    """

    def __init__(self, weight=1., alpha=0.25, gamma=2, eps=1e-12, binary_input=False):
        self.weight = weight
        self.alpha = alpha
        self.gamma = gamma
        self.eps = eps
        self.binary_input = binary_input

    def _pos_neg(self, cls_pred):
        p = cls_pred.sigmoid()
        neg = -(1 - p + self.eps).log() * (1 - self.alpha) * p.pow(self.gamma)
        pos = -(p + self.eps).log() * self.alpha * (1 - p).pow(self.gamma)
        return pos, neg

    def __call__(self, cls_pred, gt_labels):
        if self.binary_input:
            cls_pred = cls_pred.flatten(1)
            gt = gt_labels.flatten(1).float()
            pos, neg = self._pos_neg(cls_pred)
            cost = torch.einsum('nc,mc->nm', pos, gt) + torch.einsum('nc,mc->nm', neg, 1 - gt)
            return cost / cls_pred.shape[1] * self.weight
        pos, neg = self._pos_neg(cls_pred)
        return (pos[:, gt_labels] - neg[:, gt_labels]) * self.weight


@MATCH_COST.register_module()
class ClassificationCost:
    """Negative softmax probability of each gt's class."""

    def __init__(self, weight=1.):
        self.weight = weight

    def __call__(self, cls_pred, gt_labels):
        return -cls_pred.softmax(-1)[:, gt_labels] * self.weight


@MATCH_COST.register_module()
class IoUCost:
    """Negative IoU (or GIoU) between predicted and gt boxes, both (x1, y1, x2, y2) in pixels."""

    def __init__(self, iou_mode='giou', weight=1.):
        self.weight = weight
        self.iou_mode = iou_mode

    def __call__(self, bboxes, gt_bboxes):
        return -bbox_overlaps(bboxes, gt_bboxes, mode=self.iou_mode, is_aligned=False) * self.weight


@MATCH_COST.register_module()
class DiceCost:
    """Dice cost between predicted masks (n, H, W) and binary gt masks (k, H, W).

    Args:
        weight (float): cost weight.
        pred_act (bool): apply a sigmoid to the predictions first.
        eps (float): smoothing term.
        naive_dice (bool): denominator sum(p) + sum(g) (True) or sum(p^2) + sum(g^2) (V-Net, False).
    """

    def __init__(self, weight=1., pred_act=False, eps=1e-3, naive_dice=True):
        self.weight = weight
        self.pred_act = pred_act
        self.eps = eps
        self.naive_dice = naive_dice

    def __call__(self, mask_preds, gt_masks):
        if self.pred_act:
            mask_preds = mask_preds.sigmoid()
        p = mask_preds.flatten(1)
        g = gt_masks.flatten(1).float()
        numerator = 2 * torch.einsum('nc,mc->nm', p, g)
        if self.naive_dice:
            denominator = p.sum(-1)[:, None] + g.sum(-1)[None, :]
        else:
            denominator = p.pow(2).sum(1)[:, None] + g.pow(2).sum(1)[None, :]
        return (1 - (numerator + self.eps) / (denominator + self.eps)) * self.weight


@MATCH_COST.register_module()
class CrossEntropyLossCost:
    """Binary cross-entropy cost between mask logits (n, ...) and binary targets (k, ...); sigmoid only."""

    def __init__(self, weight=1., use_sigmoid=True):
        if not use_sigmoid:
            raise NotImplementedError('CrossEntropyLossCost supports use_sigmoid=True only (as mmdet 2.x)')
        self.weight = weight
        self.use_sigmoid = use_sigmoid

    def __call__(self, cls_pred, gt_labels):
        p = cls_pred.flatten(1).float()
        g = gt_labels.flatten(1).float()
        pos = F.binary_cross_entropy_with_logits(p, torch.ones_like(p), reduction='none')
        neg = F.binary_cross_entropy_with_logits(p, torch.zeros_like(p), reduction='none')
        cost = torch.einsum('nc,mc->nm', pos, g) + torch.einsum('nc,mc->nm', neg, 1 - g)
        return cost / p.shape[1] * self.weight
