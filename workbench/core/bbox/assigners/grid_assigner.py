"""YOLOv3 assignment by responsible grid cells (mmdet 2.x ``GridAssigner``)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_ASSIGNERS
from ..iou_calculators import build_iou_calculator
from ._labels import empty_assignment, labels_from_gt_inds
from .assign_result import AssignResult
from .base_assigner import BaseAssigner


@BBOX_ASSIGNERS.register_module()
class GridAssigner(BaseAssigner):
    """Like :class:`MaxIoUAssigner` but only priors of the grid cell holding the gt centre (the "responsible"
    flags) may become positive. Thresholds compare strictly (> pos_iou_thr, <= neg_iou_thr), as in mmdet.

    Args:
        pos_iou_thr (float): IoU threshold for positives.
        neg_iou_thr (float | tuple[float, float]): IoU threshold (or (lo, hi] range) for negatives.
        min_pos_iou (float): minimum IoU for a gt to claim its best responsible prior.
        gt_max_assign_all (bool): let a gt claim all responsible priors tied at its best IoU.
        iou_calculator (dict): config of the IoU calculator.
    """

    def __init__(self, pos_iou_thr, neg_iou_thr, min_pos_iou=.0, gt_max_assign_all=True,
                 iou_calculator=dict(type='BboxOverlaps2D')):
        self.pos_iou_thr = pos_iou_thr
        self.neg_iou_thr = tuple(neg_iou_thr) if isinstance(neg_iou_thr, list) else neg_iou_thr
        self.min_pos_iou = min_pos_iou
        self.gt_max_assign_all = gt_max_assign_all
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def assign(self, bboxes, box_responsible_flags, gt_bboxes, gt_labels=None) -> AssignResult:
        num_gts, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        overlaps = self.iou_calculator(gt_bboxes, bboxes)
        if num_gts == 0 or num_bboxes == 0:
            return empty_assignment(num_gts, num_bboxes, overlaps, gt_labels, default_ind=-1)

        assigned_gt_inds = overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
        responsible = box_responsible_flags.type(torch.bool)

        # negatives are decided on all priors, responsible or not
        max_overlaps, _ = overlaps.max(dim=0)
        if isinstance(self.neg_iou_thr, tuple):
            if len(self.neg_iou_thr) != 2:
                raise ValueError(f'neg_iou_thr range needs two values, got {self.neg_iou_thr}')
            neg = (max_overlaps > self.neg_iou_thr[0]) & (max_overlaps <= self.neg_iou_thr[1])
        else:
            neg = (max_overlaps >= 0) & (max_overlaps <= self.neg_iou_thr)
        assigned_gt_inds[neg] = 0

        # positives only among responsible priors
        overlaps[:, ~responsible] = -1.
        max_overlaps, argmax_overlaps = overlaps.max(dim=0)
        gt_max_overlaps, gt_argmax_overlaps = overlaps.max(dim=1)
        pos = (max_overlaps > self.pos_iou_thr) & responsible
        assigned_gt_inds[pos] = argmax_overlaps[pos] + 1

        # low-quality matches, later gts overriding earlier ones (as a sequential loop would)
        qualifies = gt_max_overlaps > self.min_pos_iou
        gt_ids = torch.arange(1, num_gts + 1, device=overlaps.device)
        if self.gt_max_assign_all:
            claims = (overlaps == gt_max_overlaps[:, None]) & responsible[None, :] & qualifies[:, None]
            claim_ids = (claims.long() * gt_ids[:, None]).max(dim=0).values
        else:
            ok = qualifies & responsible[gt_argmax_overlaps]
            claim_ids = torch.zeros(num_bboxes, dtype=torch.long, device=overlaps.device)
            claim_ids.scatter_reduce_(0, gt_argmax_overlaps[ok], gt_ids[ok], reduce='amax')
        claimed = claim_ids > 0
        assigned_gt_inds[claimed] = claim_ids[claimed]

        labels = labels_from_gt_inds(assigned_gt_inds, gt_labels)
        return AssignResult(num_gts, assigned_gt_inds, max_overlaps, labels=labels)
