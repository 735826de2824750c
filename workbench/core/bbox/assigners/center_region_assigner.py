"""Centre-region assignment of FSAF/CenterNet-style pixel heads (mmdet 2.x ``CenterRegionAssigner``)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_ASSIGNERS
from ..iou_calculators import build_iou_calculator
from .assign_result import AssignResult
from .base_assigner import BaseAssigner


def scale_boxes(bboxes: torch.Tensor, scale: float) -> torch.Tensor:
    """Boxes (m, 4) scaled about their centres."""
    if bboxes.size(1) != 4:
        raise ValueError(f'scale_boxes expects (m, 4) boxes, got {tuple(bboxes.shape)}')
    cx = (bboxes[:, 0] + bboxes[:, 2]) * .5
    cy = (bboxes[:, 1] + bboxes[:, 3]) * .5
    half_w = (bboxes[:, 2] - bboxes[:, 0]) * .5 * scale
    half_h = (bboxes[:, 3] - bboxes[:, 1]) * .5 * scale
    return torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=1)


def is_located_in(points: torch.Tensor, bboxes: torch.Tensor) -> torch.Tensor:
    """(m, n) flags: point i strictly inside box j."""
    x = points[:, 0:1]
    y = points[:, 1:2]
    return (x > bboxes[None, :, 0]) & (x < bboxes[None, :, 2]) & (y > bboxes[None, :, 1]) & (y < bboxes[None, :, 3])


def bboxes_area(bboxes: torch.Tensor) -> torch.Tensor:
    return (bboxes[:, 2] - bboxes[:, 0]) * (bboxes[:, 3] - bboxes[:, 1])


@BBOX_ASSIGNERS.register_module()
class CenterRegionAssigner(BaseAssigner):
    """Priors whose centre lies in a gt's core region (the box scaled by ``pos_scale``) are positive; those that
    only reach its shadow region (scaled by ``neg_scale``) are background whose loss for that gt's class is
    ignored. Where cores overlap, the smaller gt wins and the pixel joins the other gts' shadows.

    The result carries ``shadowed_labels`` (extra property): (num_shadowed, 2) pairs of (prior index, class label),
    None when ``gt_labels`` is not given.

    Args:
        pos_scale (float): scale of the core (positive) region.
        neg_scale (float): scale of the shadow region.
        min_pos_iof (float): minimum IoF of a prior with a region to count as inside it.
        ignore_gt_scale (float): priors whose centre lies in an ignored box scaled by this are ignored (-1).
        foreground_dominate (bool): a prior that is positive for one gt and shadowed by another gt of the same class
            stays positive (True) or becomes background (False).
        iou_calculator (dict): config of the IoU calculator.
    """

    def __init__(self, pos_scale, neg_scale, min_pos_iof=1e-2, ignore_gt_scale=0.5, foreground_dominate=False,
                 iou_calculator=dict(type='BboxOverlaps2D')):
        self.pos_scale = pos_scale
        self.neg_scale = neg_scale
        self.min_pos_iof = min_pos_iof
        self.ignore_gt_scale = ignore_gt_scale
        self.foreground_dominate = foreground_dominate
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def get_gt_priorities(self, gt_bboxes: torch.Tensor) -> torch.Tensor:
        """Per gt, its rank by area: the smallest gt gets the largest priority."""
        order = bboxes_area(gt_bboxes).sort(descending=True, stable=True).indices
        return order.argsort()

    def assign(self, bboxes, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None) -> AssignResult:
        if bboxes.size(1) != 4:
            raise ValueError(f'CenterRegionAssigner: bboxes must be (n, 4), got {tuple(bboxes.shape)}')
        gt_core = scale_boxes(gt_bboxes, self.pos_scale)
        gt_shadow = scale_boxes(gt_bboxes, self.neg_scale)
        centers = (bboxes[:, 2:4] + bboxes[:, 0:2]) / 2
        # IoF against the core lets small priors match large gts
        in_core = is_located_in(centers, gt_bboxes) & (
            self.iou_calculator(bboxes, gt_core, mode='iof') > self.min_pos_iof)
        in_shadow = (self.iou_calculator(bboxes, gt_shadow, mode='iof') > self.min_pos_iof) & ~in_core

        num_gts, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        if num_gts == 0 or num_bboxes == 0:
            assigned = in_core.new_zeros((num_bboxes, ), dtype=torch.long)
            shadowed = assigned.new_empty((0, 2))
        else:
            assigned, shadowed = self.assign_one_hot_gt_indices(in_core, in_shadow,
                                                                gt_priority=self.get_gt_priorities(gt_bboxes))

        if gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0:
            ignore_regions = scale_boxes(gt_bboxes_ignore, scale=self.ignore_gt_scale)
            assigned[is_located_in(centers, ignore_regions).any(dim=1)] = -1

        labels = None
        shadowed_labels = None
        if gt_labels is not None:
            labels = assigned.new_full((num_bboxes, ), -1)
            pos = assigned > 0
            labels[pos] = gt_labels[assigned[pos] - 1]
            shadowed_labels = shadowed.clone()
            if shadowed.numel() > 0:
                pixel_idx, gt_idx = shadowed[:, 0], shadowed[:, 1]
                if (assigned[pixel_idx] == gt_idx).any():
                    raise RuntimeError('CenterRegionAssigner: a prior is both assigned to and shadowed by one gt')
                shadowed_labels[:, 1] = gt_labels[gt_idx - 1]
                same_class = labels[pixel_idx] == shadowed_labels[:, 1]
                if self.foreground_dominate:
                    shadowed_labels = shadowed_labels[~same_class]
                else:
                    labels[pixel_idx[same_class]] = -1
                    assigned[pixel_idx[same_class]] = 0

        result = AssignResult(num_gts, assigned, None, labels=labels)
        result.set_extra_property('shadowed_labels', shadowed_labels)
        return result

    def assign_one_hot_gt_indices(self, is_bbox_in_gt_core, is_bbox_in_gt_shadow, gt_priority=None):
        """One gt per prior among the cores it lies in (highest ``gt_priority`` wins).

        Returns:
            (assigned_gt_inds (num_prior,) 1-based with 0 = background,
             shadowed_gt_inds (num_shadow, 2) of (prior index, 1-based gt index)): the shadow pairs, followed by
             the core pairs that lost to a higher-priority gt.
        """
        num_bboxes, num_gts = is_bbox_in_gt_core.shape
        if gt_priority is None:
            gt_priority = torch.arange(num_gts, device=is_bbox_in_gt_core.device)
        if gt_priority.size(0) != num_gts:
            raise ValueError(f'gt_priority has {gt_priority.size(0)} entries for {num_gts} gts')
        assigned = is_bbox_in_gt_core.new_zeros((num_bboxes, ), dtype=torch.long)
        shadowed = torch.nonzero(is_bbox_in_gt_shadow, as_tuple=False)
        if not is_bbox_in_gt_core.any():
            shadowed[:, 1] += 1
            return assigned, shadowed

        pair_priority = torch.where(is_bbox_in_gt_core, gt_priority[None, :].expand(num_bboxes, num_gts),
                                    torch.full_like(gt_priority, -1)[None, :].expand(num_bboxes, num_gts))
        matched = is_bbox_in_gt_core.any(dim=1)
        winner = pair_priority[matched].max(dim=1).indices
        assigned[matched] = winner + 1
        losers = is_bbox_in_gt_core.clone()
        losers[matched.nonzero(as_tuple=False).squeeze(1), winner] = False
        shadowed = torch.cat((shadowed, torch.nonzero(losers, as_tuple=False)), dim=0)
        if shadowed.numel() > 0:
            shadowed[:, 1] += 1
        return assigned, shadowed
