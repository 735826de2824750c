"""IoU-threshold assignment (mmdet 2.x ``MaxIoUAssigner``): RetinaNet, RPN and R-CNN stages use it."""
from __future__ import annotations

import numbers

import torch

from workbench.registry import BBOX_ASSIGNERS
from ..iou_calculators import build_iou_calculator
from ._labels import empty_assignment, labels_from_gt_inds
from .assign_result import AssignResult
from .base_assigner import BaseAssigner


@BBOX_ASSIGNERS.register_module()
class MaxIoUAssigner(BaseAssigner):
    """Assign each prior to the gt box it overlaps most, by IoU thresholds.

    Each prior gets -1 (ignored), 0 (negative) or i + 1 (positive, gt i):

    1. every prior starts as -1;
    2. priors whose max IoU is in [0, neg_iou_thr) (or in the [lo, hi) range when a tuple) become 0;
    3. priors whose max IoU >= pos_iou_thr take their best gt;
    4. with ``match_low_quality``, each gt whose best IoU >= min_pos_iou claims its best prior(s) (all ties if
       ``gt_max_assign_all``), later gts overriding earlier ones.

    Args:
        pos_iou_thr (float): IoU threshold for positives.
        neg_iou_thr (float | tuple[float, float]): IoU threshold (or range) for negatives.
        min_pos_iou (float): minimum IoU for a gt to claim its best prior in step 4.
        gt_max_assign_all (bool): in step 4, assign all priors tied at the gt's best IoU.
        ignore_iof_thr (float): priors whose IoF with an ignored gt box exceeds this are ignored (-1 disables).
        ignore_wrt_candidates (bool): IoF relative to the priors (True) or to the ignored boxes (False).
        match_low_quality (bool): enable step 4 (RPN, RetinaNet); off for R-CNN stages.
        gpu_assign_thr (int): with more gts than this, assign on CPU to save GPU memory (-1 never).
        iou_calculator (dict): config of the IoU calculator.
    """

    def __init__(self, pos_iou_thr, neg_iou_thr, min_pos_iou=.0, gt_max_assign_all=True, ignore_iof_thr=-1,
                 ignore_wrt_candidates=True, match_low_quality=True, gpu_assign_thr=-1,
                 iou_calculator=dict(type='BboxOverlaps2D')):
        if isinstance(neg_iou_thr, (tuple, list)):
            if len(neg_iou_thr) != 2:
                raise ValueError(f'neg_iou_thr as a range needs two values, got {neg_iou_thr!r}')
            neg_iou_thr = tuple(neg_iou_thr)
        elif not isinstance(neg_iou_thr, numbers.Number):
            raise TypeError(f'neg_iou_thr must be a float or a (lo, hi) tuple, got {neg_iou_thr!r}')
        self.pos_iou_thr = pos_iou_thr
        self.neg_iou_thr = neg_iou_thr
        self.min_pos_iou = min_pos_iou
        self.gt_max_assign_all = gt_max_assign_all
        self.ignore_iof_thr = ignore_iof_thr
        self.ignore_wrt_candidates = ignore_wrt_candidates
        self.gpu_assign_thr = gpu_assign_thr
        self.match_low_quality = match_low_quality
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def assign(self, bboxes, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None) -> AssignResult:
        """Assign ``gt_bboxes`` (k, 4) to ``bboxes`` (n, 4); ``gt_bboxes_ignore`` are boxes to ignore."""
        assign_on_cpu = self.gpu_assign_thr > 0 and gt_bboxes.shape[0] > self.gpu_assign_thr
        if assign_on_cpu:
            device = bboxes.device
            bboxes = bboxes.cpu()
            gt_bboxes = gt_bboxes.cpu()
            if gt_bboxes_ignore is not None:
                gt_bboxes_ignore = gt_bboxes_ignore.cpu()
            if gt_labels is not None:
                gt_labels = gt_labels.cpu()

        overlaps = self.iou_calculator(gt_bboxes, bboxes)

        if (self.ignore_iof_thr > 0 and gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0
                and bboxes.numel() > 0):
            if self.ignore_wrt_candidates:
                ignore_overlaps = self.iou_calculator(bboxes, gt_bboxes_ignore, mode='iof')
                ignore_max_overlaps, _ = ignore_overlaps.max(dim=1)
            else:
                ignore_overlaps = self.iou_calculator(gt_bboxes_ignore, bboxes, mode='iof')
                ignore_max_overlaps, _ = ignore_overlaps.max(dim=0)
            overlaps[:, ignore_max_overlaps > self.ignore_iof_thr] = -1

        result = self.assign_wrt_overlaps(overlaps, gt_labels)
        if assign_on_cpu:
            result.gt_inds = result.gt_inds.to(device)
            result.max_overlaps = result.max_overlaps.to(device)
            if result.labels is not None:
                result.labels = result.labels.to(device)
        return result

    def assign_wrt_overlaps(self, overlaps, gt_labels=None) -> AssignResult:
        """Assign from a (num_gts, num_bboxes) overlap matrix."""
        num_gts, num_bboxes = overlaps.size(0), overlaps.size(1)
        if num_gts == 0 or num_bboxes == 0:
            return empty_assignment(num_gts, num_bboxes, overlaps, gt_labels, default_ind=-1)

        assigned_gt_inds = overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
        max_overlaps, argmax_overlaps = overlaps.max(dim=0)
        gt_max_overlaps, gt_argmax_overlaps = overlaps.max(dim=1)

        # negatives; max_overlaps >= 0 leaves priors marked -1 by the ignore step untouched
        if isinstance(self.neg_iou_thr, tuple):
            neg = (max_overlaps >= self.neg_iou_thr[0]) & (max_overlaps < self.neg_iou_thr[1])
        else:
            neg = (max_overlaps >= 0) & (max_overlaps < self.neg_iou_thr)
        assigned_gt_inds[neg] = 0

        pos = max_overlaps >= self.pos_iou_thr
        assigned_gt_inds[pos] = argmax_overlaps[pos] + 1

        if self.match_low_quality:
            # each qualifying gt claims its best prior(s); when several gts claim one prior the later gt wins, as in
            # a sequential loop over gts, so take the largest claiming index
            qualifies = gt_max_overlaps >= self.min_pos_iou
            gt_ids = torch.arange(1, num_gts + 1, device=overlaps.device)
            if self.gt_max_assign_all:
                claims = (overlaps == gt_max_overlaps[:, None]) & qualifies[:, None]
                claim_ids = (claims.long() * gt_ids[:, None]).max(dim=0).values
                claimed = claim_ids > 0
                assigned_gt_inds[claimed] = claim_ids[claimed]
            else:
                claim_ids = torch.zeros(num_bboxes, dtype=torch.long, device=overlaps.device)
                claim_ids.scatter_reduce_(0, gt_argmax_overlaps[qualifies], gt_ids[qualifies], reduce='amax')
                claimed = claim_ids > 0
                assigned_gt_inds[claimed] = claim_ids[claimed]

        labels = labels_from_gt_inds(assigned_gt_inds, gt_labels)
        return AssignResult(num_gts, assigned_gt_inds, max_overlaps, labels=labels)
