"""Helpers around anchors: inside-image flags, proportional regions and per-image -> per-level regrouping."""
from __future__ import annotations

from typing import List, Sequence

import torch


def images_to_levels(target: Sequence[torch.Tensor], num_levels: Sequence[int]) -> List[torch.Tensor]:
    """Regroup per-image targets into per-level targets.

    ``[target_img0, target_img1]`` (each (num_anchors_total, ...)) -> ``[target_level0, target_level1, ...]`` (each
    (num_imgs, num_anchors_level, ...)), splitting along the anchors at the counts in ``num_levels``.
    """
    target = torch.stack(target, 0)
    level_targets = []
    start = 0
    for n in num_levels:
        end = start + n
        level_targets.append(target[:, start:end])
        start = end
    return level_targets


def anchor_inside_flags(flat_anchors: torch.Tensor, valid_flags: torch.Tensor, img_shape,
                        allowed_border: int = 0) -> torch.Tensor:
    """``valid_flags`` restricted to anchors inside the image (with ``allowed_border`` pixels of slack).

    A negative ``allowed_border`` disables the check and returns ``valid_flags``.
    """
    img_h, img_w = img_shape[:2]
    if allowed_border >= 0:
        return (valid_flags & (flat_anchors[:, 0] >= -allowed_border) & (flat_anchors[:, 1] >= -allowed_border)
                & (flat_anchors[:, 2] < img_w + allowed_border) & (flat_anchors[:, 3] < img_h + allowed_border))
    return valid_flags


def calc_region(bbox, ratio: float, featmap_size=None):
    """The region of ``bbox`` (x1, y1, x2, y2) shrunk towards its centre: h' = h * (1 - 2 * ratio) etc.

    Coordinates are rounded to integers (long tensors) and clipped to ``featmap_size`` (h, w) when given.
    """
    x1 = torch.round((1 - ratio) * bbox[0] + ratio * bbox[2]).long()
    y1 = torch.round((1 - ratio) * bbox[1] + ratio * bbox[3]).long()
    x2 = torch.round(ratio * bbox[0] + (1 - ratio) * bbox[2]).long()
    y2 = torch.round(ratio * bbox[1] + (1 - ratio) * bbox[3]).long()
    if featmap_size is not None:
        x1 = x1.clamp(min=0, max=featmap_size[1])
        y1 = y1.clamp(min=0, max=featmap_size[0])
        x2 = x2.clamp(min=0, max=featmap_size[1])
        y2 = y2.clamp(min=0, max=featmap_size[0])
    return (x1, y1, x2, y2)
