"""Point assignment of RepPoints (mmdet 2.x ``PointAssigner``)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_ASSIGNERS
from ._labels import labels_from_gt_inds
from .assign_result import AssignResult
from .base_assigner import BaseAssigner


@BBOX_ASSIGNERS.register_module()
class PointAssigner(BaseAssigner):
    """Each gt goes to the ``pos_num`` points closest to its centre on the level matching its size
    (``log2(sqrt(w * h) / scale)``); a point claimed twice keeps the nearer gt. Others are 0 (negative).

    ``points`` are (n, 3) as (x, y, stride). ``max_overlaps`` of the result is None.
    """

    def __init__(self, scale=4, pos_num=3):
        self.scale = scale
        self.pos_num = pos_num

    def assign(self, points, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None) -> AssignResult:
        num_points, num_gts = points.shape[0], gt_bboxes.shape[0]
        if num_gts == 0 or num_points == 0:
            gt_inds = points.new_full((num_points, ), 0, dtype=torch.long)
            labels = None if gt_labels is None else points.new_full((num_points, ), -1, dtype=torch.long)
            return AssignResult(num_gts, gt_inds, None, labels=labels)

        points_xy = points[:, :2]
        points_lvl = torch.log2(points[:, 2]).int()
        lvl_min, lvl_max = points_lvl.min(), points_lvl.max()

        gt_xy = (gt_bboxes[:, :2] + gt_bboxes[:, 2:]) / 2
        gt_wh = (gt_bboxes[:, 2:] - gt_bboxes[:, :2]).clamp(min=1e-6)
        gt_lvl = ((torch.log2(gt_wh[:, 0] / self.scale) + torch.log2(gt_wh[:, 1] / self.scale)) / 2).int()
        gt_lvl = torch.clamp(gt_lvl, min=lvl_min, max=lvl_max)

        assigned_gt_inds = points.new_zeros((num_points, ), dtype=torch.long)
        assigned_gt_dist = points.new_full((num_points, ), float('inf'))
        points_range = torch.arange(num_points, device=points.device)
        for idx in range(num_gts):
            lvl_mask = gt_lvl[idx] == points_lvl
            points_index = points_range[lvl_mask]
            dist = ((points_xy[lvl_mask, :] - gt_xy[[idx], :]) / gt_wh[[idx], :]).norm(dim=1)
            min_dist, min_dist_index = torch.topk(dist, min(self.pos_num, dist.numel()), largest=False)
            chosen = points_index[min_dist_index]
            closer = min_dist < assigned_gt_dist[chosen]
            chosen = chosen[closer]
            assigned_gt_inds[chosen] = idx + 1
            assigned_gt_dist[chosen] = min_dist[closer]

        labels = labels_from_gt_inds(assigned_gt_inds, gt_labels)
        return AssignResult(num_gts, assigned_gt_inds, None, labels=labels)
