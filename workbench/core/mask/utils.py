"""Helpers for mask results: RLE encoding of test outputs and splitting of concatenated polygons."""
from __future__ import annotations

import numpy as np
import torch


def _slice_list(items, lens):
    """Split ``items`` into consecutive pieces of the given lengths."""
    lens = [int(n) for n in lens]
    if sum(lens) != len(items):
        raise ValueError(f'lengths sum to {sum(lens)} but there are {len(items)} items')
    out, start = [], 0
    for n in lens:
        out.append(items[start:start + n])
        start += n
    return out


def split_combined_polys(polys, poly_lens, polys_per_mask):
    """Undo the batching of polygons: per image, one flat coordinate array -> per mask, a list of polygons.

    Args:
        polys: per image, a 1-D array of all polygon coordinates concatenated.
        poly_lens: per image, the number of coordinates of each polygon.
        polys_per_mask: per image, the number of polygons of each mask.
    """
    out = []
    for img_polys, lens, per_mask in zip(polys, poly_lens, polys_per_mask):
        lens = lens.tolist() if hasattr(lens, 'tolist') else list(lens)
        per_mask = per_mask.tolist() if hasattr(per_mask, 'tolist') else list(per_mask)
        split = _slice_list(img_polys, lens)
        out.append(_slice_list(split, per_mask))
    return out


def encode_mask_results(mask_results):
    """RLE-encode per-class lists of (H, W) binary masks; a (masks, scores) tuple keeps its scores."""
    import pycocotools.mask as mask_utils
    if isinstance(mask_results, tuple):
        cls_segms, cls_scores = mask_results
    else:
        cls_segms = mask_results
    encoded = [[] for _ in range(len(cls_segms))]
    for i, segms in enumerate(cls_segms):
        for segm in segms:
            arr = np.asarray(segm.cpu().numpy() if isinstance(segm, torch.Tensor) else segm)
            encoded[i].append(mask_utils.encode(np.array(arr[:, :, None], order='F', dtype='uint8'))[0])
    if isinstance(mask_results, tuple):
        return encoded, cls_scores
    return encoded


def mask2bbox(masks: torch.Tensor) -> torch.Tensor:
    """Tight (x1, y1, x2, y2) boxes (x2/y2 exclusive) of (N, H, W) binary masks; zeros for empty masks."""
    n = masks.shape[0]
    bboxes = masks.new_zeros((n, 4), dtype=torch.float32)
    x_any = torch.any(masks, dim=1)
    y_any = torch.any(masks, dim=2)
    for i in range(n):
        x = torch.where(x_any[i, :])[0]
        y = torch.where(y_any[i, :])[0]
        if len(x) > 0 and len(y) > 0:
            bboxes[i, :] = bboxes.new_tensor([x[0], y[0], x[-1] + 1, y[-1] + 1])
    return bboxes
