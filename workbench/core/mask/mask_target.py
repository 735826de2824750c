"""Mask R-CNN mask targets (mmdet 2.x ``mmdet.core.mask.mask_target``)."""
from __future__ import annotations

import numpy as np
import torch
from torch.nn.modules.utils import _pair


def _cfg_get(cfg, key, default=None):
    if isinstance(cfg, dict):
        return cfg.get(key, default)
    return getattr(cfg, key, default)


def mask_target(pos_proposals_list, pos_assigned_gt_inds_list, gt_masks_list, cfg):
    """Mask targets of the positive proposals of every image, concatenated.

    Args:
        pos_proposals_list (list[Tensor]): per image, positive proposals (n_i, 4).
        pos_assigned_gt_inds_list (list[Tensor]): per image, the gt index (0-based) of each positive.
        gt_masks_list (list[BitmapMasks | PolygonMasks]): per image, the gt masks.
        cfg (dict): the rcnn train config; ``mask_size`` (int or (h, w)) and optional ``soft_mask_target``
            (keep the RoIAlign-interpolated values instead of binarising at 0.5).

    Returns:
        Tensor: (sum n_i, h, w) float targets; a list stays empty (``[]``) when there are no images, as in mmdet.
    """
    targets = [mask_target_single(p, i, m, cfg)
               for p, i, m in zip(pos_proposals_list, pos_assigned_gt_inds_list, gt_masks_list)]
    if len(targets) > 0:
        return torch.cat(targets)
    return targets


def mask_target_single(pos_proposals, pos_assigned_gt_inds, gt_masks, cfg):
    """Mask targets of one image: each gt mask cropped to its proposal (clipped to the image) and resized to
    ``cfg.mask_size`` with RoIAlign (via ``gt_masks.crop_and_resize``)."""
    device = pos_proposals.device
    mask_size = _pair(_cfg_get(cfg, 'mask_size'))
    if mask_size[0] is None:
        raise KeyError(f'mask_target: cfg has no "mask_size": {cfg!r}')
    binarize = not _cfg_get(cfg, 'soft_mask_target', False)
    num_pos = pos_proposals.size(0)
    if num_pos == 0:
        return pos_proposals.new_zeros((0, ) + mask_size)

    proposals_np = pos_proposals.detach().cpu().numpy()
    maxh, maxw = gt_masks.height, gt_masks.width
    proposals_np[:, [0, 2]] = np.clip(proposals_np[:, [0, 2]], 0, maxw)
    proposals_np[:, [1, 3]] = np.clip(proposals_np[:, [1, 3]], 0, maxh)
    inds_np = pos_assigned_gt_inds.detach().cpu().numpy()
    resized = gt_masks.crop_and_resize(proposals_np, mask_size, device=device, inds=inds_np,
                                       binarize=binarize).to_ndarray()
    return torch.from_numpy(resized).float().to(device)
