"""YOLO-style anchor optimisation on a dataset's box shapes (mmdet's ``tools/analysis_tools/optimize_anchors.py``).

Boxes are compared by shape only: both boxes centred at the origin, IoU of their (w, h). Two optimisers:
k-means with 1 - IoU as distance, and differential evolution (scipy) minimising 1 - mean best IoU.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from .inputs import get_annotations


def box_shapes(dataset_or_annotations, input_size: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """(n, 2) widths and heights of all GT boxes; with ``input_size=(w, h)`` each image is scaled so that it fits
    the input size keeping its aspect ratio, as the YOLO pipeline resizes it."""
    anns = get_annotations(dataset_or_annotations)
    infos = getattr(dataset_or_annotations, 'data_infos', None)
    whs = []
    for i, ann in enumerate(anns):
        wh = ann.bboxes[:, 2:4] - ann.bboxes[:, :2]
        if input_size is not None:
            if infos is None:
                raise ValueError('input_size needs a dataset with data_infos (image width/height)')
            w_img, h_img = infos[i]['width'], infos[i]['height']
            wh = wh * min(input_size[0] / w_img, input_size[1] / h_img)
        whs.append(wh)
    return np.concatenate(whs) if whs else np.zeros((0, 2))


def shape_iou(whs: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """IoU of centre-aligned boxes: (n, 2) x (k, 2) -> (n, k)."""
    inter = np.minimum(whs[:, None, 0], anchors[None, :, 0]) * np.minimum(whs[:, None, 1], anchors[None, :, 1])
    union = whs[:, None, 0] * whs[:, None, 1] + anchors[None, :, 0] * anchors[None, :, 1] - inter
    return inter / np.maximum(union, 1e-12)


@dataclass
class AnchorOptimizationResult:
    anchors: np.ndarray  # (k, 2) sorted by area
    mean_iou: float
    method: str

    def as_yolo_base_sizes(self, num_levels: int = 3):
        """Split the anchors (small to large) into ``num_levels`` groups, largest level first, as YOLOAnchorGenerator
        ``base_sizes`` expects."""
        groups = np.array_split(np.round(self.anchors).astype(int), num_levels)
        return [[tuple(int(v) for v in a) for a in g] for g in groups][::-1]


def _finish(anchors, whs, method):
    anchors = anchors[np.argsort(anchors[:, 0] * anchors[:, 1])]
    return AnchorOptimizationResult(anchors, float(shape_iou(whs, anchors).max(1).mean()), method)


def kmeans_anchors(whs: np.ndarray, num_anchors: int = 9, iters: int = 1000, seed: int = 0) -> AnchorOptimizationResult:
    """k-means on box shapes with 1 - IoU as distance; centres are the mean shape of their members."""
    whs = np.asarray(whs, dtype=np.float64)
    if len(whs) < num_anchors:
        raise ValueError(f'{len(whs)} boxes cannot give {num_anchors} anchors')
    rng = np.random.RandomState(seed)
    centers = whs[rng.choice(len(whs), num_anchors, replace=False)].copy()
    assign = None
    for _ in range(iters):
        new_assign = shape_iou(whs, centers).argmax(1)
        if assign is not None and np.array_equal(assign, new_assign):
            break
        assign = new_assign
        for k in range(num_anchors):
            if (assign == k).any():
                centers[k] = whs[assign == k].mean(0)
    return _finish(centers, whs, 'kmeans')


def differential_evolution_anchors(whs: np.ndarray, num_anchors: int = 9, iters: int = 1000, seed: int = 0,
                                   popsize: int = 15) -> AnchorOptimizationResult:
    """Differential evolution (scipy) minimising 1 - mean over boxes of the best shape IoU."""
    from scipy.optimize import differential_evolution

    whs = np.asarray(whs, dtype=np.float64)
    hi = whs.max(0)
    bounds = [(1.0, float(hi[j % 2])) for j in range(2 * num_anchors)]

    def cost(params):
        return 1 - shape_iou(whs, params.reshape(-1, 2)).max(1).mean()

    res = differential_evolution(cost, bounds, maxiter=iters, popsize=popsize, seed=seed, tol=1e-6, polish=False)
    return _finish(res.x.reshape(-1, 2), whs, 'differential_evolution')


def optimize_anchors(dataset_or_annotations, num_anchors: int = 9, input_size: Optional[Tuple[int, int]] = None,
                     method: str = 'kmeans', iters: int = 1000, seed: int = 0) -> AnchorOptimizationResult:
    whs = box_shapes(dataset_or_annotations, input_size)
    if method == 'kmeans':
        return kmeans_anchors(whs, num_anchors, iters, seed)
    if method in ('differential_evolution', 'de'):
        return differential_evolution_anchors(whs, num_anchors, iters, seed)
    raise ValueError(f"method must be 'kmeans' or 'differential_evolution', got {method!r}")


def mean_best_iou(dataset_or_annotations, anchors: Sequence[Tuple[float, float]],
                  input_size: Optional[Tuple[int, int]] = None) -> float:
    """Mean over GT boxes of the best shape IoU with ``anchors`` (to compare a config's anchors)."""
    whs = box_shapes(dataset_or_annotations, input_size)
    return float(shape_iou(whs, np.asarray(anchors, dtype=np.float64).reshape(-1, 2)).max(1).mean())
