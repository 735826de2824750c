"""IoU / IoF between two sets of boxes in numpy, as the evaluation code (mean_ap, recall) uses it.

Everything is computed in float32 so the numbers equal mmdet's evaluation-side ``bbox_overlaps`` bit for bit.
"""
import numpy as np


def bbox_overlaps(bboxes1, bboxes2, mode='iou', eps=1e-6, use_legacy_coordinate=False):
    """Overlaps of every box in ``bboxes1`` (n, 4+) with every box in ``bboxes2`` (k, 4+), shape (n, k).

    mode: 'iou' (intersection over union) or 'iof' (intersection over the area of the box of ``bboxes1``).
    use_legacy_coordinate: widths are x2 - x1 + 1 (the old VOC convention) instead of x2 - x1.
    """
    if mode not in ('iou', 'iof'):
        raise ValueError(f"bbox_overlaps: mode must be 'iou' or 'iof', got {mode!r}")
    extra = np.float32(1.0 if use_legacy_coordinate else 0.0)
    b1 = np.asarray(bboxes1, dtype=np.float32).reshape(-1, np.shape(bboxes1)[-1] if np.ndim(bboxes1) else 4)
    b2 = np.asarray(bboxes2, dtype=np.float32).reshape(-1, np.shape(bboxes2)[-1] if np.ndim(bboxes2) else 4)
    rows, cols = b1.shape[0], b2.shape[0]
    if rows * cols == 0:
        return np.zeros((rows, cols), dtype=np.float32)
    area1 = (b1[:, 2] - b1[:, 0] + extra) * (b1[:, 3] - b1[:, 1] + extra)
    area2 = (b2[:, 2] - b2[:, 0] + extra) * (b2[:, 3] - b2[:, 1] + extra)
    x_start = np.maximum(b1[:, None, 0], b2[None, :, 0])
    y_start = np.maximum(b1[:, None, 1], b2[None, :, 1])
    x_end = np.minimum(b1[:, None, 2], b2[None, :, 2])
    y_end = np.minimum(b1[:, None, 3], b2[None, :, 3])
    overlap = np.maximum(x_end - x_start + extra, 0) * np.maximum(y_end - y_start + extra, 0)
    if mode == 'iou':
        union = area1[:, None] + area2[None, :] - overlap
    else:
        union = np.broadcast_to(area1[:, None], overlap.shape)
    union = np.maximum(union, np.float32(eps))
    return (overlap / union).astype(np.float32)
