"""Drawing detections and ground truth with matplotlib: figures or RGB arrays, never a window.

``imshow_det_bboxes`` and ``imshow_gt_det_bboxes`` keep mmdet 2.x's argument names; images are taken in BGR (as
mmdet/OpenCV load them) unless ``channel_order='rgb'``.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from .palette import get_palette


def _to_rgb(img, channel_order: str) -> np.ndarray:
    if isinstance(img, str):
        import cv2
        arr = cv2.imread(img, cv2.IMREAD_COLOR)
        if arr is None:
            raise FileNotFoundError(f'could not read image {img}')
        return arr[..., ::-1].copy()
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return img[..., ::-1].copy() if channel_order == 'bgr' else img.copy()


def _figure_for(img: np.ndarray, ax=None, dpi: int = 100):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    if ax is not None:
        return ax.figure, ax
    h, w = img.shape[:2]
    # a Figure not attached to pyplot: nothing is shown, nothing leaks into notebook output
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.axis('off')
    del plt
    return fig, ax


def figure_to_rgb(fig) -> np.ndarray:
    """Render a matplotlib Figure to an (H, W, 3) uint8 RGB array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) else fig.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def draw_instances(ax, bboxes=None, labels=None, scores=None, segms=None, class_names=None, colors=None,
                   thickness: float = 2, font_size: float = 8, linestyle: str = '-', show_text: bool = True,
                   mask_alpha: float = 0.5):
    """Draw boxes (xyxy), optional masks and "class|score" captions onto a matplotlib axis."""
    import matplotlib.patches as mpatches

    n = 0 if bboxes is None else len(bboxes)
    labels = np.zeros(n, dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    num_colors = max(int(labels.max()) + 1 if len(labels) else 1, len(class_names or []))
    colors = colors or get_palette(None, num_colors)
    if segms is not None and len(segms):
        h, w = np.asarray(segms[0]).shape[:2]
        overlay = np.zeros((h, w, 4), dtype=np.float32)
        for mask, label in zip(segms, labels):
            c = np.array(colors[label % len(colors)], dtype=np.float32) / 255
            overlay[np.asarray(mask, dtype=bool)] = [*c, mask_alpha]
        ax.imshow(overlay, interpolation='nearest')
    for i in range(n):
        x1, y1, x2, y2 = [float(v) for v in bboxes[i][:4]]
        color = np.array(colors[labels[i] % len(colors)]) / 255
        ax.add_patch(mpatches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color,
                                        linewidth=thickness, linestyle=linestyle))
        if show_text:
            name = class_names[labels[i]] if class_names is not None else f'class {labels[i]}'
            text = name if scores is None else f'{name}|{float(scores[i]):.2f}'
            ax.text(x1, y1, text, fontsize=font_size, color='white', va='bottom', ha='left',
                    bbox=dict(facecolor=color, alpha=0.8, pad=0.7, edgecolor='none'))


def imshow_det_bboxes(img, bboxes=None, labels=None, segms=None, class_names: Optional[Sequence[str]] = None,
                      score_thr: float = 0, bbox_color=None, text_color=None, mask_color=None, thickness: float = 2,
                      font_size: float = 8, win_name: str = '', show: bool = False, wait_time: float = 0,
                      out_file: Optional[str] = None, channel_order: str = 'bgr', ax=None,
                      return_figure: bool = False):
    """Draw detections: ``bboxes`` (n, 4) or (n, 5) with scores, ``labels`` (n,), optional ``segms`` (n, h, w).

    Returns an RGB uint8 array of the image size (or the Figure with ``return_figure=True``). ``out_file`` also
    writes it; ``show`` is accepted for mmdet compatibility and ignored (nothing ever opens a window).
    """
    rgb = _to_rgb(img, channel_order)
    bboxes = np.zeros((0, 4)) if bboxes is None else np.asarray(bboxes, dtype=np.float64)
    labels = np.zeros(len(bboxes), np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    if len(bboxes) != len(labels):
        raise ValueError(f'{len(bboxes)} boxes but {len(labels)} labels')
    scores = bboxes[:, 4] if bboxes.ndim == 2 and bboxes.shape[1] == 5 else None
    if score_thr > 0:
        if scores is None:
            raise ValueError('score_thr > 0 needs (n, 5) boxes with scores')
        keep = scores >= score_thr
        bboxes, labels, scores = bboxes[keep], labels[keep], scores[keep]
        if segms is not None:
            segms = np.asarray(segms)[keep]
    num_classes = len(class_names) if class_names is not None else (int(labels.max()) + 1 if len(labels) else 1)
    colors = get_palette(bbox_color, num_classes)
    fig, ax = _figure_for(rgb, ax)
    ax.imshow(rgb)
    draw_instances(ax, bboxes, labels, scores, segms, class_names, colors, thickness, font_size)
    ax.set_xlim(0, rgb.shape[1])
    ax.set_ylim(rgb.shape[0], 0)
    if win_name:
        ax.set_title(win_name)
    if return_figure:
        return fig
    out = figure_to_rgb(fig)
    if out_file is not None:
        _write_rgb(out_file, out)
    return out


def imshow_gt_det_bboxes(img, annotation: dict, result, class_names: Optional[Sequence[str]] = None,
                         score_thr: float = 0, gt_bbox_color=(61, 102, 255), det_bbox_color=(241, 101, 72),
                         thickness: float = 2, font_size: float = 8, show: bool = False, out_file=None,
                         channel_order: str = 'bgr', overlay: bool = True, return_figure: bool = False):
    """GT (``annotation`` with ``gt_bboxes``/``gt_labels`` or ``bboxes``/``labels``) and mmdet-format detections
    ``result`` on the same image (``overlay=True``: GT dashed, detections solid) or side by side."""
    from matplotlib.figure import Figure

    rgb = _to_rgb(img, channel_order)
    gt_boxes = np.asarray(annotation.get('gt_bboxes', annotation.get('bboxes', np.zeros((0, 4)))))
    gt_labels = np.asarray(annotation.get('gt_labels', annotation.get('labels', np.zeros(0))), dtype=np.int64)
    det = result[0] if isinstance(result, tuple) else result
    det_boxes = np.concatenate([np.asarray(d).reshape(-1, 5) for d in det]) if len(det) else np.zeros((0, 5))
    det_labels = np.concatenate([np.full(len(d), i) for i, d in enumerate(det)]) if len(det) else np.zeros(0)
    keep = det_boxes[:, 4] >= score_thr
    det_boxes, det_labels = det_boxes[keep], det_labels[keep].astype(np.int64)
    n = len(class_names) if class_names else max(len(det), 1)
    h, w = rgb.shape[:2]
    if overlay:
        fig = Figure(figsize=(w / 100, h / 100), dpi=100)
        ax_gt = ax_det = fig.add_axes([0, 0, 1, 1])
        axes = [ax_gt]
    else:
        fig = Figure(figsize=(2 * w / 100, h / 100), dpi=100)
        ax_gt, ax_det = fig.add_axes([0, 0, 0.5, 1]), fig.add_axes([0.5, 0, 0.5, 1])
        axes = [ax_gt, ax_det]
    for ax in axes:
        ax.imshow(rgb)
        ax.axis('off')
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
    draw_instances(ax_gt, gt_boxes, gt_labels, None, None, class_names, get_palette(gt_bbox_color, n),
                   thickness, font_size, linestyle='--')
    draw_instances(ax_det, det_boxes, det_labels, det_boxes[:, 4], None, class_names,
                   get_palette(det_bbox_color, n), thickness, font_size)
    if return_figure:
        return fig
    out = figure_to_rgb(fig)
    if out_file is not None:
        _write_rgb(out_file, out)
    return out


def _write_rgb(path, rgb: np.ndarray) -> None:
    import os

    import cv2
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if not cv2.imwrite(str(path), rgb[..., ::-1]):
        raise OSError(f'could not write image {path}')


def draw_tp_fp_fn(img, annotation: dict, result, class_names: Optional[Sequence[str]] = None,
                  score_thr: float = 0.3, iou_thr: float = 0.5, channel_order: str = 'bgr', ax=None):
    """Colour detections by outcome: true positives green, false positives red, missed GT (false negatives) orange
    dashed. Matching: per class, greedy by score to the unmatched GT with the highest IoU >= ``iou_thr``.
    Returns the Figure."""
    from workbench.analysis.inputs import box_iou, flatten_result

    rgb = _to_rgb(img, channel_order)
    gt_boxes = np.asarray(annotation.get('gt_bboxes', annotation.get('bboxes', np.zeros((0, 4)))),
                          dtype=np.float64).reshape(-1, 4)
    gt_labels = np.asarray(annotation.get('gt_labels', annotation.get('labels', np.zeros(0))), dtype=np.int64)
    flat = flatten_result(result)
    keep = flat.scores >= score_thr
    boxes, scores, labels = flat.bboxes[keep], flat.scores[keep], flat.labels[keep]
    ious = box_iou(boxes, gt_boxes)
    matched = np.zeros(len(gt_boxes), dtype=bool)
    is_tp = np.zeros(len(boxes), dtype=bool)
    for k in range(len(boxes)):
        cand = np.where((gt_labels == labels[k]) & ~matched & (ious[k] >= iou_thr), ious[k], -1)
        if len(cand) and cand.max() >= 0:
            matched[int(np.argmax(cand))] = True
            is_tp[k] = True
    fig, ax = _figure_for(rgb, ax)
    ax.imshow(rgb)
    ax.set_xlim(0, rgb.shape[1])
    ax.set_ylim(rgb.shape[0], 0)
    for sel, color in ((is_tp, (0, 170, 0)), (~is_tp, (220, 20, 20))):
        draw_instances(ax, boxes[sel], labels[sel], scores[sel], None, class_names,
                       [color] * (len(class_names) if class_names else int(labels.max(initial=0)) + 1))
    fn = ~matched
    draw_instances(ax, gt_boxes[fn], gt_labels[fn], None, None, class_names,
                   [(255, 140, 0)] * (len(class_names) if class_names else int(gt_labels.max(initial=0)) + 1),
                   linestyle='--')
    fig.tp_fp_fn = dict(tp=int(is_tp.sum()), fp=int((~is_tp).sum()), fn=int(fn.sum()))
    return fig
