"""Adaptive Training Sample Selection (mmdet 2.x ``ATSSAssigner``)."""
from __future__ import annotations

import warnings

import torch

from workbench.registry import BBOX_ASSIGNERS
from ..iou_calculators import build_iou_calculator
from ._labels import labels_from_gt_inds
from .assign_result import AssignResult
from .base_assigner import BaseAssigner

INF = 100000000


@BBOX_ASSIGNERS.register_module()
class ATSSAssigner(BaseAssigner):
    """ATSS: per gt, take the ``topk`` priors closest (by centre distance) on every level as candidates; positives
    are the candidates with IoU >= mean + std of the candidates' IoUs whose centre lies inside the gt. A prior
    claimed by several gts goes to the one with the highest IoU. Unassigned priors are 0 (negative).

    ``max_overlaps`` of the result is the IoU with the assigned gt, and -INF (-1e8) for negatives, as in mmdet.

    Args:
        topk (int): candidates per level per gt.
        alpha (float | None): if set, use the cost ``sigmoid(cls)**(1 - alpha) * IoU(pred, gt)**alpha`` instead of
            the prior IoU (needs ``cls_scores`` and ``bbox_preds`` in :meth:`assign`).
        iou_calculator (dict): config of the IoU calculator.
        ignore_iof_thr (float): priors whose IoF with an ignored box exceeds this are ignored (-1 disables).
    """

    def __init__(self, topk, alpha=None, iou_calculator=dict(type='BboxOverlaps2D'), ignore_iof_thr=-1):
        self.topk = topk
        self.alpha = alpha
        self.iou_calculator = build_iou_calculator(iou_calculator)
        self.ignore_iof_thr = ignore_iof_thr

    def assign(self, bboxes, num_level_bboxes, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None, cls_scores=None,
               bbox_preds=None) -> AssignResult:
        """Assign ``gt_bboxes`` to ``bboxes`` (all levels concatenated; ``num_level_bboxes`` per level)."""
        bboxes = bboxes[:, :4]
        num_gt, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        if sum(num_level_bboxes) != num_bboxes:
            raise ValueError(f'ATSSAssigner: num_level_bboxes {list(num_level_bboxes)} sum to '
                             f'{sum(num_level_bboxes)} but there are {num_bboxes} bboxes')

        message = ('Invalid alpha parameter because cls_scores or bbox_preds are None. If you want to use the '
                   'cost-based ATSSAssigner, please set cls_scores, bbox_preds and self.alpha at the same time. ')
        if self.alpha is None:
            overlaps = self.iou_calculator(bboxes, gt_bboxes)
            if cls_scores is not None or bbox_preds is not None:
                warnings.warn(message)
        else:
            if cls_scores is None or bbox_preds is None:
                raise ValueError(message)
            cls_cost = torch.sigmoid(cls_scores[:, gt_labels])
            overlaps = self.iou_calculator(bbox_preds, gt_bboxes)
            overlaps = cls_cost**(1 - self.alpha) * overlaps**self.alpha

        assigned_gt_inds = overlaps.new_full((num_bboxes, ), 0, dtype=torch.long)
        if num_gt == 0 or num_bboxes == 0:
            max_overlaps = overlaps.new_zeros((num_bboxes, ))
            labels = None if gt_labels is None else overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
            return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=labels)

        gt_points = torch.stack(((gt_bboxes[:, 0] + gt_bboxes[:, 2]) / 2.0,
                                 (gt_bboxes[:, 1] + gt_bboxes[:, 3]) / 2.0), dim=1)
        bboxes_cx = (bboxes[:, 0] + bboxes[:, 2]) / 2.0
        bboxes_cy = (bboxes[:, 1] + bboxes[:, 3]) / 2.0
        bboxes_points = torch.stack((bboxes_cx, bboxes_cy), dim=1)
        distances = (bboxes_points[:, None, :] - gt_points[None, :, :]).pow(2).sum(-1).sqrt()

        if (self.ignore_iof_thr > 0 and gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0
                and bboxes.numel() > 0):
            ignore_overlaps = self.iou_calculator(bboxes, gt_bboxes_ignore, mode='iof')
            ignore_idxs = ignore_overlaps.max(dim=1).values > self.ignore_iof_thr
            distances[ignore_idxs, :] = INF
            assigned_gt_inds[ignore_idxs] = -1

        # candidates: the topk closest priors of every level, per gt -> (sum_k, num_gt) flat prior indices
        candidate_idxs = []
        start = 0
        for n in num_level_bboxes:
            end = start + n
            k = min(self.topk, n)
            if k > 0:
                _, idx = distances[start:end, :].topk(k, dim=0, largest=False)
                candidate_idxs.append(idx + start)
            start = end
        candidate_idxs = torch.cat(candidate_idxs, dim=0)

        gt_range = torch.arange(num_gt, device=overlaps.device)
        candidate_overlaps = overlaps[candidate_idxs, gt_range]
        thr_per_gt = candidate_overlaps.mean(0) + candidate_overlaps.std(0)
        is_pos = candidate_overlaps >= thr_per_gt[None, :]

        # candidate centres must lie inside their gt (by more than 0.01)
        cand_cx = bboxes_cx[candidate_idxs]
        cand_cy = bboxes_cy[candidate_idxs]
        l_ = cand_cx - gt_bboxes[:, 0]
        t_ = cand_cy - gt_bboxes[:, 1]
        r_ = gt_bboxes[:, 2] - cand_cx
        b_ = gt_bboxes[:, 3] - cand_cy
        is_in_gts = torch.stack([l_, t_, r_, b_], dim=1).min(dim=1)[0] > 0.01
        is_pos = is_pos & is_in_gts

        # a prior claimed by several gts goes to the gt with the highest overlap
        flat_idx = (candidate_idxs + gt_range[None, :] * num_bboxes).view(-1)
        overlaps_t = overlaps.t().contiguous().view(-1)
        overlaps_inf = torch.full_like(overlaps_t, -INF)
        index = flat_idx[is_pos.view(-1)]
        overlaps_inf[index] = overlaps_t[index]
        overlaps_inf = overlaps_inf.view(num_gt, -1).t()

        max_overlaps, argmax_overlaps = overlaps_inf.max(dim=1)
        found = max_overlaps != -INF
        assigned_gt_inds[found] = argmax_overlaps[found] + 1

        labels = labels_from_gt_inds(assigned_gt_inds, gt_labels)
        return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=labels)
