"""One-to-one assignment by minimum total cost (mmdet 2.x ``HungarianAssigner``, DETR)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_ASSIGNERS
from ..match_costs import build_match_cost
from ..transforms import bbox_cxcywh_to_xyxy
from .assign_result import AssignResult
from .base_assigner import BaseAssigner


@BBOX_ASSIGNERS.register_module()
class HungarianAssigner(BaseAssigner):
    """Match each gt to exactly one prediction minimising cls_cost + reg_cost + iou_cost (scipy's
    ``linear_sum_assignment``); unmatched predictions are negative (0).

    Predictions are normalised (cx, cy, w, h) boxes; gt boxes are (x1, y1, x2, y2) pixels of
    ``img_meta['img_shape']``.
    """

    def __init__(self, cls_cost=dict(type='ClassificationCost', weight=1.), reg_cost=dict(type='BBoxL1Cost',
                 weight=1.0), iou_cost=dict(type='IoUCost', iou_mode='giou', weight=1.0)):
        self.cls_cost = build_match_cost(cls_cost)
        self.reg_cost = build_match_cost(reg_cost)
        self.iou_cost = build_match_cost(iou_cost)

    def assign(self, bbox_pred, cls_pred, gt_bboxes, gt_labels, img_meta, gt_bboxes_ignore=None, eps=1e-7):
        if gt_bboxes_ignore is not None:
            raise ValueError('HungarianAssigner does not support gt_bboxes_ignore (it must be None)')
        num_gts, num_bboxes = gt_bboxes.size(0), bbox_pred.size(0)
        assigned_gt_inds = bbox_pred.new_full((num_bboxes, ), -1, dtype=torch.long)
        assigned_labels = bbox_pred.new_full((num_bboxes, ), -1, dtype=torch.long)
        if num_gts == 0 or num_bboxes == 0:
            if num_gts == 0:
                assigned_gt_inds[:] = 0
            return AssignResult(num_gts, assigned_gt_inds, None, labels=assigned_labels)

        try:
            from scipy.optimize import linear_sum_assignment
        except ImportError as e:  # pragma: no cover - scipy is a dependency
            raise ImportError('HungarianAssigner needs scipy ("pip install scipy")') from e

        img_h, img_w = img_meta['img_shape'][:2]
        factor = gt_bboxes.new_tensor([img_w, img_h, img_w, img_h]).unsqueeze(0)
        cost = (self.cls_cost(cls_pred, gt_labels) + self.reg_cost(bbox_pred, gt_bboxes / factor)
                + self.iou_cost(bbox_cxcywh_to_xyxy(bbox_pred) * factor, gt_bboxes))
        rows, cols = linear_sum_assignment(cost.detach().cpu().numpy())
        rows = torch.from_numpy(rows).to(bbox_pred.device)
        cols = torch.from_numpy(cols).to(bbox_pred.device)
        assigned_gt_inds[:] = 0
        assigned_gt_inds[rows] = cols + 1
        assigned_labels[rows] = gt_labels[cols]
        return AssignResult(num_gts, assigned_gt_inds, None, labels=assigned_labels)
