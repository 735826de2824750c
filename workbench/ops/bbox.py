"""`bbox_overlaps`: pairwise (or aligned) IoU / IoF / GIoU of axis-aligned boxes, mmcv.ops semantics."""
from __future__ import annotations

import torch

from workbench.ops import _cuda

_MODES = {'iou': 0, 'iof': 1, 'giou': 2}


def _check(bboxes1, bboxes2, mode, aligned, offset):
    if mode not in _MODES:
        raise ValueError(f'bbox_overlaps: mode must be one of {sorted(_MODES)}, got {mode!r}')
    if offset not in (0, 1):
        raise ValueError(f'bbox_overlaps: offset must be 0 or 1, got {offset!r}')
    for name, b in (('bboxes1', bboxes1), ('bboxes2', bboxes2)):
        if not isinstance(b, torch.Tensor):
            raise TypeError(f'bbox_overlaps: {name} must be a torch.Tensor, got {type(b).__name__}')
        if b.numel() and (b.dim() != 2 or b.size(-1) != 4):
            raise ValueError(f'bbox_overlaps: {name} must have shape (n, 4), got {tuple(b.shape)}')
    if aligned and bboxes1.size(0) != bboxes2.size(0):
        raise ValueError(f'bbox_overlaps: aligned=True needs as many bboxes1 as bboxes2, got {bboxes1.size(0)} and '
                         f'{bboxes2.size(0)}')


def _overlaps_torch(b1, b2, mode_flag, aligned, offset):
    # Same operation order as mmcv's kernel so float32 results agree bitwise; per-coordinate columns and in-place
    # ops keep the (m, n) temporaries to a handful (this op is memory-bound).
    x1a, y1a, x2a, y2a = (c.contiguous() for c in b1.unbind(1))
    x1b, y1b, x2b, y2b = (c.contiguous() for c in b2.unbind(1))
    area1 = (x2a - x1a + offset) * (y2a - y1a + offset)
    area2 = (x2b - x1b + offset) * (y2b - y1b + offset)
    if not aligned:
        x1a, y1a, x2a, y2a, area1 = (c[:, None] for c in (x1a, y1a, x2a, y2a, area1))
        x1b, y1b, x2b, y2b, area2 = (c[None, :] for c in (x1b, y1b, x2b, y2b, area2))
    w = torch.minimum(x2a, x2b).sub_(torch.maximum(x1a, x1b))
    h = torch.minimum(y2a, y2b).sub_(torch.maximum(y1a, y1b))
    if offset:
        w.add_(offset)
        h.add_(offset)
    inter = w.clamp_(min=0).mul_(h.clamp_(min=0))
    if mode_flag == 1:
        return inter.div_(area1.clamp(min=offset))
    union = (area1 + area2).sub_(inter)
    if mode_flag == 0:
        return inter.div_(union.clamp_(min=offset))
    iou = inter / union.clamp(min=offset)
    # GIoU: IoU minus the share of the enclosing box not covered by the union.
    ew = torch.maximum(x2a, x2b).sub_(torch.minimum(x1a, x1b))
    eh = torch.maximum(y2a, y2b).sub_(torch.minimum(y1a, y1b))
    if offset:
        ew.add_(offset)
        eh.add_(offset)
    enclose = ew.clamp_(min=0).mul_(eh.clamp_(min=0)).clamp_(min=offset)
    return iou.sub_((enclose - union).div_(enclose))


def _overlaps_cuda(b1, b2, mode_flag, aligned, offset):
    compute_dtype = torch.float32 if b1.dtype == torch.float16 else b1.dtype
    b1c = b1.to(compute_dtype).contiguous()
    b2c = b2.to(compute_dtype).contiguous()
    rows, cols = b1c.size(0), b2c.size(0)
    out = b1c.new_empty((rows,) if aligned else (rows, cols))
    n = out.numel()
    launch = _cuda.KernelLauncher('bbox_overlaps.cu', b1c)
    launch(f'bbox_overlaps_{_cuda.dtype_suffix(compute_dtype)}', (_cuda.blocks_for(n),), (256,),
           (b1c, b2c, out, _cuda.i32(rows), _cuda.i32(cols), _cuda.i32(mode_flag), _cuda.i32(int(aligned)),
            _cuda.i32(offset)))
    return out.to(b1.dtype)


def bbox_overlaps(bboxes1: torch.Tensor, bboxes2: torch.Tensor, mode: str = 'iou', aligned: bool = False,
                  offset: int = 0) -> torch.Tensor:
    """Overlaps between two sets of (x1, y1, x2, y2) boxes.

    mode: 'iou' (intersection over union), 'iof' (intersection over the area of bboxes1) or 'giou' (generalised
    IoU; an addition to mmcv.ops). offset 0 or 1: box width is x2 - x1 + offset. Returns (m, n), or (m,) when
    aligned (as mmcv: (m, 1) when a set is empty and aligned). Denominators are clamped at `offset`, as in mmcv, so
    degenerate boxes give nan/inf with offset=0 exactly where mmcv does.
    """
    _check(bboxes1, bboxes2, mode, aligned, offset)
    mode_flag = _MODES[mode]
    rows, cols = bboxes1.size(0), bboxes2.size(0)
    if rows * cols == 0:
        return bboxes1.new_zeros((rows, 1) if aligned else (rows, cols))
    if bboxes1.is_cuda:
        return _overlaps_cuda(bboxes1, bboxes2, mode_flag, aligned, offset)
    if bboxes1.dtype == torch.float16:  # CPU half arithmetic is slow and lossy; compute in float32
        return _overlaps_torch(bboxes1.float(), bboxes2.float(), mode_flag, aligned, offset).half()
    return _overlaps_torch(bboxes1, bboxes2, mode_flag, aligned, offset)
