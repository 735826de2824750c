"""Box format conversions and mappings (mmdet 2.x ``mmdet.core.bbox.transforms``).

Boxes are ``[x1, y1, x2, y2]`` in pixels; RoIs are ``[batch_idx, x1, y1, x2, y2]``.
"""
from __future__ import annotations

from typing import List, Sequence

import numpy as np
import torch


def find_inside_bboxes(bboxes: torch.Tensor, img_h: int, img_w: int) -> torch.Tensor:
    """Boolean mask of boxes that overlap the image area at all."""
    return (bboxes[:, 0] < img_w) & (bboxes[:, 2] > 0) & (bboxes[:, 1] < img_h) & (bboxes[:, 3] > 0)


def bbox_flip(bboxes: torch.Tensor, img_shape, direction: str = 'horizontal') -> torch.Tensor:
    """Flip boxes of shape (..., 4 * k) within ``img_shape`` (h, w, ...).

    ``direction`` is 'horizontal', 'vertical' or 'diagonal' (both).
    """
    if bboxes.shape[-1] % 4 != 0:
        raise ValueError(f'bbox_flip: the last dimension must be a multiple of 4, got shape {tuple(bboxes.shape)}')
    if direction not in ('horizontal', 'vertical', 'diagonal'):
        raise ValueError(f"bbox_flip: direction must be 'horizontal', 'vertical' or 'diagonal', got {direction!r}")
    flipped = bboxes.clone()
    if direction in ('horizontal', 'diagonal'):
        flipped[..., 0::4] = img_shape[1] - bboxes[..., 2::4]
        flipped[..., 2::4] = img_shape[1] - bboxes[..., 0::4]
    if direction in ('vertical', 'diagonal'):
        flipped[..., 1::4] = img_shape[0] - bboxes[..., 3::4]
        flipped[..., 3::4] = img_shape[0] - bboxes[..., 1::4]
    return flipped


def bbox_mapping(bboxes, img_shape, scale_factor, flip, flip_direction='horizontal'):
    """Map boxes from the original image to the (rescaled, maybe flipped) test-time image."""
    new_bboxes = bboxes * bboxes.new_tensor(scale_factor)
    if flip:
        new_bboxes = bbox_flip(new_bboxes, img_shape, flip_direction)
    return new_bboxes


def bbox_mapping_back(bboxes, img_shape, scale_factor, flip, flip_direction='horizontal'):
    """Map boxes from the test-time image back to the original image (inverse of :func:`bbox_mapping`)."""
    new_bboxes = bbox_flip(bboxes, img_shape, flip_direction) if flip else bboxes
    new_bboxes = new_bboxes.view(-1, 4) / new_bboxes.new_tensor(scale_factor)
    return new_bboxes.view(bboxes.shape)


def bbox2roi(bbox_list: Sequence[torch.Tensor]) -> torch.Tensor:
    """Stack per-image boxes (n_i, 4+) into RoIs (sum n_i, 5) whose first column is the image index."""
    rois_list = []
    for img_id, bboxes in enumerate(bbox_list):
        if bboxes.size(0) > 0:
            img_inds = bboxes.new_full((bboxes.size(0), 1), img_id)
            rois = torch.cat([img_inds, bboxes[:, :4]], dim=-1)
        else:
            rois = bboxes.new_zeros((0, 5))
        rois_list.append(rois)
    return torch.cat(rois_list, 0)


def roi2bbox(rois: torch.Tensor) -> List[torch.Tensor]:
    """Split RoIs (n, 5) back into per-image boxes; images without RoIs are absent (as in mmdet)."""
    bbox_list = []
    img_ids = torch.unique(rois[:, 0].cpu(), sorted=True)
    for img_id in img_ids:
        inds = (rois[:, 0] == img_id.item())
        bbox_list.append(rois[inds, 1:])
    return bbox_list


def bbox2result(bboxes, labels, num_classes: int) -> List[np.ndarray]:
    """Detections (n, 5) and labels (n,) -> a list over classes of float32 (n_c, 5) numpy arrays."""
    if bboxes.shape[0] == 0:
        return [np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)]
    if isinstance(bboxes, torch.Tensor):
        bboxes = bboxes.detach().cpu().numpy()
        labels = labels.detach().cpu().numpy()
    return [bboxes[labels == i, :] for i in range(num_classes)]


def distance2bbox(points: torch.Tensor, distance: torch.Tensor, max_shape=None) -> torch.Tensor:
    """Decode (left, top, right, bottom) distances from points into boxes.

    Args:
        points: (..., N, 2) points (x, y).
        distance: (..., N, 4) distances to the four sides.
        max_shape: (h, w) to clip to; for batched input also a (B, 2) tensor or a list of (h, w).
    """
    x1 = points[..., 0] - distance[..., 0]
    y1 = points[..., 1] - distance[..., 1]
    x2 = points[..., 0] + distance[..., 2]
    y2 = points[..., 1] + distance[..., 3]
    bboxes = torch.stack([x1, y1, x2, y2], -1)
    if max_shape is not None:
        bboxes = clip_bboxes(bboxes, max_shape)
    return bboxes


def clip_bboxes(bboxes: torch.Tensor, max_shape) -> torch.Tensor:
    """Clamp x to [0, w] and y to [0, h]; ``max_shape`` is (h, w[, c]) or, for (B, N, 4) boxes, per-image shapes."""
    if bboxes.dim() == 2 and not isinstance(max_shape, torch.Tensor) and not (
            len(max_shape) > 0 and isinstance(max_shape[0], (list, tuple))):
        bboxes[:, 0::2].clamp_(min=0, max=max_shape[1])
        bboxes[:, 1::2].clamp_(min=0, max=max_shape[0])
        return bboxes
    if not isinstance(max_shape, torch.Tensor):
        max_shape = bboxes.new_tensor(max_shape)
    max_shape = max_shape[..., :2].type_as(bboxes)
    if max_shape.ndim == 2:
        if bboxes.ndim != 3 or max_shape.size(0) != bboxes.size(0):
            raise ValueError(f'per-image max_shape {tuple(max_shape.shape)} does not match boxes '
                             f'{tuple(bboxes.shape)}')
        max_xy = torch.cat([max_shape, max_shape], dim=-1).flip(-1).unsqueeze(-2)
    else:
        max_xy = torch.cat([max_shape, max_shape], dim=-1).flip(-1)
    zero = bboxes.new_tensor(0)
    bboxes = torch.where(bboxes < zero, zero, bboxes)
    return torch.where(bboxes > max_xy, max_xy, bboxes)


def bbox2distance(points: torch.Tensor, bbox: torch.Tensor, max_dis=None, eps: float = 0.1) -> torch.Tensor:
    """Encode boxes as (left, top, right, bottom) distances from points; clamped to [0, max_dis - eps] if given."""
    left = points[:, 0] - bbox[:, 0]
    top = points[:, 1] - bbox[:, 1]
    right = bbox[:, 2] - points[:, 0]
    bottom = bbox[:, 3] - points[:, 1]
    if max_dis is not None:
        left = left.clamp(min=0, max=max_dis - eps)
        top = top.clamp(min=0, max=max_dis - eps)
        right = right.clamp(min=0, max=max_dis - eps)
        bottom = bottom.clamp(min=0, max=max_dis - eps)
    return torch.stack([left, top, right, bottom], -1)


def bbox_rescale(bboxes: torch.Tensor, scale_factor: float = 1.0) -> torch.Tensor:
    """Scale boxes (n, 4) or RoIs (n, 5) about their centres."""
    if bboxes.size(1) == 5:
        bboxes_, inds_ = bboxes[:, 1:], bboxes[:, 0]
    else:
        bboxes_ = bboxes
    cx = (bboxes_[:, 0] + bboxes_[:, 2]) * 0.5
    cy = (bboxes_[:, 1] + bboxes_[:, 3]) * 0.5
    w = (bboxes_[:, 2] - bboxes_[:, 0]) * scale_factor
    h = (bboxes_[:, 3] - bboxes_[:, 1]) * scale_factor
    x1, x2 = cx - 0.5 * w, cx + 0.5 * w
    y1, y2 = cy - 0.5 * h, cy + 0.5 * h
    if bboxes.size(1) == 5:
        return torch.stack([inds_, x1, y1, x2, y2], dim=-1)
    return torch.stack([x1, y1, x2, y2], dim=-1)


def bbox_cxcywh_to_xyxy(bbox: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = bbox.split((1, 1, 1, 1), dim=-1)
    return torch.cat([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def bbox_xyxy_to_cxcywh(bbox: torch.Tensor) -> torch.Tensor:
    x1, y1, x2, y2 = bbox.split((1, 1, 1, 1), dim=-1)
    return torch.cat([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)
