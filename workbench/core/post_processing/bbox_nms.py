"""Per-class NMS over multi-class detections (mmdet 2.x ``multiclass_nms``)."""
from __future__ import annotations

import torch


def _batched_nms(*args, **kwargs):
    # imported lazily: workbench.ops is a separate package that may load compiled/CuPy kernels
    from workbench.ops import batched_nms
    return batched_nms(*args, **kwargs)


def multiclass_nms(multi_bboxes, multi_scores, score_thr, nms_cfg, max_num=-1, score_factors=None,
                   return_inds=False):
    """NMS for multi-class boxes.

    Args:
        multi_bboxes (Tensor): (n, 4) class-agnostic boxes or (n, 4 * C) class-specific boxes.
        multi_scores (Tensor): (n, C + 1) scores; the last column is the background and is dropped.
        score_thr (float): boxes with a class score <= this are dropped (before ``score_factors`` apply).
        nms_cfg (dict): NMS config for ``workbench.ops.batched_nms``, e.g. ``dict(type='nms', iou_threshold=0.5)``.
        max_num (int): keep at most this many detections (-1: all).
        score_factors (Tensor | None): (n,) factors multiplied into the scores after thresholding (e.g. YOLO
            objectness, FCOS centerness).
        return_inds (bool): also return the indices of the kept entries in the flattened (n * C) score array.

    Returns:
        dets (Tensor): (k, 5) boxes with scores, sorted by score; labels (LongTensor): (k,); [inds (k,)].
    """
    num_classes = multi_scores.size(1) - 1
    if multi_bboxes.shape[1] > 4:
        bboxes = multi_bboxes.view(multi_scores.size(0), -1, 4)
    else:
        bboxes = multi_bboxes[:, None].expand(multi_scores.size(0), num_classes, 4)
    scores = multi_scores[:, :-1]
    labels = torch.arange(num_classes, dtype=torch.long, device=scores.device)
    labels = labels.view(1, -1).expand_as(scores)

    bboxes = bboxes.reshape(-1, 4)
    scores = scores.reshape(-1)
    labels = labels.reshape(-1)

    valid_mask = scores > score_thr
    # the factors apply after thresholding so that more boxes survive (mmdet: +1% mAP for YOLOv3)
    if score_factors is not None:
        score_factors = score_factors.view(-1, 1).expand(multi_scores.size(0), num_classes).reshape(-1)
        scores = scores * score_factors

    inds = valid_mask.nonzero(as_tuple=False).squeeze(1)
    bboxes, scores, labels = bboxes[inds], scores[inds], labels[inds]

    if bboxes.numel() == 0:
        dets = torch.cat([bboxes, scores[:, None]], -1)
        return (dets, labels, inds) if return_inds else (dets, labels)

    dets, keep = _batched_nms(bboxes, scores, labels, nms_cfg)
    if max_num > 0:
        dets = dets[:max_num]
        keep = keep[:max_num]
    if return_inds:
        return dets, labels[keep], inds[keep]
    return dets, labels[keep]
