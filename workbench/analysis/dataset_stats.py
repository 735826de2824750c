"""Dataset statistics: images and instances per class, boxes per image, box size and shape distributions, and how
well a config's anchors cover the ground-truth boxes."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np

from .inputs import box_iou, get_annotations


def _image_sizes(dataset, n: int):
    infos = getattr(dataset, 'data_infos', None)
    if infos is None:
        return [(np.nan, np.nan)] * n
    return [(float(info.get('width', np.nan)), float(info.get('height', np.nan))) for info in infos]


def box_table(dataset_or_annotations, class_names: Optional[Sequence[str]] = None):
    """One row per GT box: image_index, label, class_name, x1, y1, x2, y2, width, height, area, sqrt_area,
    aspect_ratio (h / w), img_width, img_height (NaN when the dataset does not know them)."""
    import pandas as pd

    anns = get_annotations(dataset_or_annotations)
    names = list(class_names if class_names is not None else getattr(dataset_or_annotations, 'CLASSES', []) or [])
    sizes = _image_sizes(dataset_or_annotations, len(anns))
    rows = []
    for i, (ann, (w_img, h_img)) in enumerate(zip(anns, sizes)):
        for box, label in zip(ann.bboxes, ann.labels):
            w, h = float(box[2] - box[0]), float(box[3] - box[1])
            rows.append(dict(image_index=i, label=int(label),
                             class_name=names[label] if label < len(names) else str(label),
                             x1=float(box[0]), y1=float(box[1]), x2=float(box[2]), y2=float(box[3]), width=w,
                             height=h, area=w * h, sqrt_area=np.sqrt(max(w * h, 0)),
                             aspect_ratio=h / w if w > 0 else np.inf, img_width=w_img, img_height=h_img))
    cols = ['image_index', 'label', 'class_name', 'x1', 'y1', 'x2', 'y2', 'width', 'height', 'area', 'sqrt_area',
            'aspect_ratio', 'img_width', 'img_height']
    return pd.DataFrame(rows, columns=cols)


def dataset_statistics(dataset_or_annotations, class_names: Optional[Sequence[str]] = None):
    """A dict of DataFrames: ``per_class`` (images and instances per class), ``boxes_per_image`` (a count per
    image) and ``boxes`` (:func:`box_table`), plus ``size_summary`` (describe() of width/height/area/aspect)."""
    import pandas as pd

    boxes = box_table(dataset_or_annotations, class_names)
    anns = get_annotations(dataset_or_annotations)
    names = list(class_names if class_names is not None else getattr(dataset_or_annotations, 'CLASSES', []) or [])
    if not names:
        names = [str(i) for i in range(int(boxes.label.max()) + 1 if len(boxes) else 0)]
    per_class = pd.DataFrame(dict(
        class_name=names,
        instances=[int((boxes.label == k).sum()) for k in range(len(names))],
        images=[int(boxes[boxes.label == k].image_index.nunique()) for k in range(len(names))]))
    per_image = pd.DataFrame(dict(image_index=range(len(anns)), boxes=[len(a.labels) for a in anns],
                                  ignored=[len(a.bboxes_ignore) for a in anns]))
    summary = boxes[['width', 'height', 'area', 'aspect_ratio']].describe()
    return dict(per_class=per_class, boxes_per_image=per_image, boxes=boxes, size_summary=summary)


def plot_dataset_statistics(stats, figsize=(12, 3.6)):
    """Class histogram, boxes-per-image histogram and a width/height scatter; returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=figsize, dpi=100)
    pc = stats['per_class']
    axes[0].bar(pc.class_name, pc.instances, color='tab:blue', label='instances')
    axes[0].bar(pc.class_name, pc.images, color='tab:orange', alpha=0.7, label='images')
    axes[0].set_title('per class')
    axes[0].legend(fontsize=8)
    axes[0].tick_params(axis='x', rotation=45)
    counts = stats['boxes_per_image'].boxes
    axes[1].hist(counts, bins=np.arange(counts.max() + 2) - 0.5 if len(counts) else 1, color='tab:green')
    axes[1].set_title('boxes per image')
    b = stats['boxes']
    for name, sub in b.groupby('class_name'):
        axes[2].scatter(sub.width, sub.height, s=6, label=name, alpha=0.6)
    axes[2].set_xlabel('width (px)')
    axes[2].set_ylabel('height (px)')
    axes[2].set_title('box sizes')
    axes[2].legend(fontsize=7, markerscale=2)
    fig.tight_layout()
    return fig


def rescale_factor(img_w: float, img_h: float, img_scale: Tuple[int, int]) -> float:
    """The keep-ratio scale factor mmcv's ``imrescale`` applies for ``img_scale=(long, short)``."""
    long_edge, short_edge = max(img_scale), min(img_scale)
    return min(long_edge / max(img_w, img_h), short_edge / min(img_w, img_h))


def anchor_coverage(dataset_or_annotations, prior_generator, img_scale: Optional[Tuple[int, int]] = None,
                    iou_thr: float = 0.5, class_names: Optional[Sequence[str]] = None):
    """For every GT box, the best IoU with any anchor of ``prior_generator`` (an anchor generator object or its
    config dict) laid out on the resized image, as the assigner would see it.

    Boxes are first rescaled as ``Resize(img_scale, keep_ratio=True)`` does (no rescale when ``img_scale`` is None).
    Returns the :func:`box_table` with the columns ``best_anchor_iou`` and ``covered`` (best IoU >= ``iou_thr``).
    """
    import torch

    if isinstance(prior_generator, dict):
        from workbench.core import build_prior_generator
        prior_generator = build_prior_generator(prior_generator)
    table = box_table(dataset_or_annotations, class_names)
    best = np.zeros(len(table))
    for img_idx, rows in table.groupby('image_index'):
        w_img, h_img = rows.img_width.iloc[0], rows.img_height.iloc[0]
        if np.isnan(w_img):
            w_img, h_img = float(rows.x2.max()), float(rows.y2.max())
        scale = rescale_factor(w_img, h_img, img_scale) if img_scale is not None else 1.0
        w_in, h_in = int(w_img * scale + 0.5), int(h_img * scale + 0.5)
        featmap_sizes = [(int(np.ceil(h_in / s[1])), int(np.ceil(w_in / s[0])))
                         for s in _strides(prior_generator)]
        anchors = torch.cat(prior_generator.grid_priors(featmap_sizes, device='cpu')).numpy()
        boxes = rows[['x1', 'y1', 'x2', 'y2']].values * scale
        best[rows.index.values] = box_iou(boxes, anchors).max(axis=1) if len(anchors) else 0.0
    table['best_anchor_iou'] = best
    table['covered'] = best >= iou_thr
    return table


def _strides(prior_generator):
    strides = prior_generator.strides
    return [s if isinstance(s, (tuple, list)) else (s, s) for s in strides]
