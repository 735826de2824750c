"""2D IoU / IoF / GIoU between box sets, pure torch (mmdet 2.x ``bbox_overlaps`` and ``BboxOverlaps2D``)."""
from __future__ import annotations

import torch

from workbench.registry import IOU_CALCULATORS


def _cast_tensor_type(x: torch.Tensor, scale: float = 1., dtype=None) -> torch.Tensor:
    if dtype == 'fp16':
        # scaling first keeps large coordinates inside the fp16 range
        x = (x / scale).half()
    return x


def fp16_clamp(x: torch.Tensor, min=None, max=None) -> torch.Tensor:
    # CPU has no half-precision clamp kernel in older torch; go through fp32 there
    if not x.is_cuda and x.dtype == torch.float16:
        return x.float().clamp(min, max).half()
    return x.clamp(min, max)


def bbox_overlaps(bboxes1: torch.Tensor, bboxes2: torch.Tensor, mode: str = 'iou', is_aligned: bool = False,
                  eps: float = 1e-6) -> torch.Tensor:
    """Overlaps between two sets of boxes.

    Args:
        bboxes1: (B..., m, 4) boxes, or empty.
        bboxes2: (B..., n, 4) boxes, or empty. The batch dims B must equal those of ``bboxes1``.
        mode: 'iou' (intersection over union), 'iof' (intersection over the area of ``bboxes1``) or 'giou'.
        is_aligned: if True, m must equal n and the result is (B..., m), pairing box i with box i.
        eps: lower bound of the denominators.

    Returns:
        (B..., m, n) or, aligned, (B..., m).
    """
    if mode not in ('iou', 'iof', 'giou'):
        raise ValueError(f"bbox_overlaps: mode must be 'iou', 'iof' or 'giou', got {mode!r}")
    if not (bboxes1.size(-1) == 4 or bboxes1.size(0) == 0):
        raise ValueError(f'bbox_overlaps: bboxes1 must be (..., 4), got {tuple(bboxes1.shape)}')
    if not (bboxes2.size(-1) == 4 or bboxes2.size(0) == 0):
        raise ValueError(f'bbox_overlaps: bboxes2 must be (..., 4), got {tuple(bboxes2.shape)}')
    if bboxes1.shape[:-2] != bboxes2.shape[:-2]:
        raise ValueError(f'bbox_overlaps: batch dims differ: {tuple(bboxes1.shape)} vs {tuple(bboxes2.shape)}')
    batch_shape = bboxes1.shape[:-2]
    rows = bboxes1.size(-2)
    cols = bboxes2.size(-2)
    if is_aligned and rows != cols:
        raise ValueError(f'bbox_overlaps: is_aligned needs equal counts, got {rows} and {cols}')

    if rows * cols == 0:
        shape = batch_shape + ((rows, ) if is_aligned else (rows, cols))
        return bboxes1.new_zeros(shape)

    area1 = (bboxes1[..., 2] - bboxes1[..., 0]) * (bboxes1[..., 3] - bboxes1[..., 1])
    area2 = (bboxes2[..., 2] - bboxes2[..., 0]) * (bboxes2[..., 3] - bboxes2[..., 1])

    if is_aligned:
        b1_lt, b1_rb = bboxes1[..., :2], bboxes1[..., 2:]
        b2_lt, b2_rb = bboxes2[..., :2], bboxes2[..., 2:]
        a1, a2 = area1, area2
    else:
        b1_lt, b1_rb = bboxes1[..., :, None, :2], bboxes1[..., :, None, 2:]
        b2_lt, b2_rb = bboxes2[..., None, :, :2], bboxes2[..., None, :, 2:]
        a1, a2 = area1[..., None], area2[..., None, :]

    lt = torch.max(b1_lt, b2_lt)
    rb = torch.min(b1_rb, b2_rb)
    wh = fp16_clamp(rb - lt, min=0)
    overlap = wh[..., 0] * wh[..., 1]
    if mode in ('iou', 'giou'):
        union = a1 + a2 - overlap
    else:
        union = a1
    eps_t = union.new_tensor([eps])
    union = torch.max(union, eps_t)
    ious = overlap / union
    if mode in ('iou', 'iof'):
        return ious
    enclosed_lt = torch.min(b1_lt, b2_lt)
    enclosed_rb = torch.max(b1_rb, b2_rb)
    enclose_wh = fp16_clamp(enclosed_rb - enclosed_lt, min=0)
    enclose_area = torch.max(enclose_wh[..., 0] * enclose_wh[..., 1], eps_t)
    return ious - (enclose_area - union) / enclose_area


@IOU_CALCULATORS.register_module()
class BboxOverlaps2D:
    """IoU calculator for 2D boxes; a 5th column (scores) is ignored.

    Args:
        scale (float): divisor applied before casting to fp16 (``dtype='fp16'``), to avoid overflow.
        dtype (str | None): 'fp16' computes in half precision to save memory (results returned as fp32 on CPU).
    """

    def __init__(self, scale: float = 1., dtype=None):
        self.scale = scale
        self.dtype = dtype

    def __call__(self, bboxes1, bboxes2, mode='iou', is_aligned=False):
        for name, b in (('bboxes1', bboxes1), ('bboxes2', bboxes2)):
            if b.size(-1) not in (0, 4, 5):
                raise ValueError(f'BboxOverlaps2D: {name} must have 0, 4 or 5 columns, got {tuple(b.shape)}')
        if bboxes2.size(-1) == 5:
            bboxes2 = bboxes2[..., :4]
        if bboxes1.size(-1) == 5:
            bboxes1 = bboxes1[..., :4]
        if self.dtype == 'fp16':
            bboxes1 = _cast_tensor_type(bboxes1, self.scale, self.dtype)
            bboxes2 = _cast_tensor_type(bboxes2, self.scale, self.dtype)
            overlaps = bbox_overlaps(bboxes1, bboxes2, mode, is_aligned)
            if not overlaps.is_cuda and overlaps.dtype == torch.float16:
                overlaps = overlaps.float()
            return overlaps
        return bbox_overlaps(bboxes1, bboxes2, mode, is_aligned)

    def __repr__(self):
        return f'{self.__class__.__name__}(scale={self.scale}, dtype={self.dtype})'
