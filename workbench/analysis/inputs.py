"""Normalising the inputs every analysis function takes: detection results and ground truth.

Results come in MMDetection 2.x format: one entry per image, each a list (one item per class) of ``(n, 5)`` arrays
``[x1, y1, x2, y2, score]``; for instance segmentation models an image entry is a ``(bbox_results, segm_results)``
pair, of which only the boxes are used here. Ground truth comes from a dataset (anything with ``get_ann_info(i)``
and ``CLASSES``) or from a plain list of dicts with ``bboxes`` (n, 4) and ``labels`` (n,), optionally
``bboxes_ignore``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np


@dataclass
class ImageDetections:
    """The detections of one image, flattened across classes and sorted by descending score."""
    bboxes: np.ndarray  # (n, 4) float
    scores: np.ndarray  # (n,)
    labels: np.ndarray  # (n,) int
    index_in_class: np.ndarray  # (n,) position of the detection inside its class array of the mmdet result


@dataclass
class ImageAnnotations:
    bboxes: np.ndarray  # (m, 4)
    labels: np.ndarray  # (m,)
    bboxes_ignore: np.ndarray  # (k, 4)


def flatten_result(result, num_classes: Optional[int] = None) -> ImageDetections:
    """Turn one image's mmdet-format result into flat arrays sorted by score (stable, so ties keep class order)."""
    if isinstance(result, tuple):
        result = result[0]
    if num_classes is not None and len(result) != num_classes:
        raise ValueError(f'a result has {len(result)} class entries but the dataset has {num_classes} classes')
    boxes, scores, labels, positions = [], [], [], []
    for label, dets in enumerate(result):
        dets = np.asarray(dets, dtype=np.float64).reshape(-1, 5)
        boxes.append(dets[:, :4])
        scores.append(dets[:, 4])
        labels.append(np.full(len(dets), label, dtype=np.int64))
        positions.append(np.arange(len(dets)))
    if not boxes:
        return ImageDetections(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64))
    boxes, scores = np.concatenate(boxes), np.concatenate(scores)
    labels, positions = np.concatenate(labels), np.concatenate(positions)
    order = np.argsort(-scores, kind='stable')
    return ImageDetections(boxes[order], scores[order], labels[order], positions[order])


def _as_annotations(ann) -> ImageAnnotations:
    bboxes = np.asarray(ann.get('bboxes', np.zeros((0, 4))), dtype=np.float64).reshape(-1, 4)
    labels = np.asarray(ann.get('labels', np.zeros(0)), dtype=np.int64).reshape(-1)
    if len(bboxes) != len(labels):
        raise ValueError(f'annotation has {len(bboxes)} boxes but {len(labels)} labels')
    ignore = ann.get('bboxes_ignore')
    ignore = np.zeros((0, 4)) if ignore is None else np.asarray(ignore, dtype=np.float64).reshape(-1, 4)
    return ImageAnnotations(bboxes, labels, ignore)


def get_annotations(dataset_or_annotations) -> List[ImageAnnotations]:
    """Ground truth per image from a dataset (``get_ann_info``) or a sequence of annotation dicts."""
    if hasattr(dataset_or_annotations, 'get_ann_info'):
        return [_as_annotations(dataset_or_annotations.get_ann_info(i))
                for i in range(len(dataset_or_annotations))]
    return [_as_annotations(a) for a in dataset_or_annotations]


def get_class_names(dataset_or_annotations, class_names: Optional[Sequence[str]], num_classes: int) -> List[str]:
    if class_names is not None:
        return list(class_names)
    names = getattr(dataset_or_annotations, 'CLASSES', None)
    if names is not None:
        return list(names)
    return [str(i) for i in range(num_classes)]


def check_lengths(results, annotations) -> None:
    if len(results) != len(annotations):
        raise ValueError(f'got results for {len(results)} images but ground truth for {len(annotations)} images')


def box_iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU matrix of (n, 4) and (m, 4) xyxy boxes, continuous coordinates (no +1), as mmdet 2.x evaluation."""
    boxes1 = np.asarray(boxes1, dtype=np.float64).reshape(-1, 4)
    boxes2 = np.asarray(boxes2, dtype=np.float64).reshape(-1, 4)
    if len(boxes1) == 0 or len(boxes2) == 0:
        return np.zeros((len(boxes1), len(boxes2)))
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    lt = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = np.maximum(area1[:, None] + area2[None, :] - inter, np.finfo(np.float64).eps)
    return inter / union


def box_iof(boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Intersection over the area of ``boxes`` (used for ignore regions)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    regions = np.asarray(regions, dtype=np.float64).reshape(-1, 4)
    if len(boxes) == 0 or len(regions) == 0:
        return np.zeros((len(boxes), len(regions)))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    lt = np.maximum(boxes[:, None, :2], regions[None, :, :2])
    rb = np.minimum(boxes[:, None, 2:], regions[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    return wh[..., 0] * wh[..., 1] / np.maximum(area[:, None], np.finfo(np.float64).eps)
