"""Confusion matrix for object detection, with MMDetection 2.x's semantics (``tools/analysis_tools/confusion_matrix.py``).

Layout of the ``(C + 1) x (C + 1)`` matrix, C = number of classes:

* **Rows are ground truth**, columns are predictions. Row ``i < C`` is GT class ``i``; column ``j < C`` is predicted
  class ``j``.
* Cell ``(i, j)``: a detection of class ``j`` (score >= ``score_thr``) overlaps a GT box of class ``i`` with
  IoU >= ``tp_iou_thr``. The diagonal holds true positives, off-diagonal cells class confusions. One detection
  that overlaps several GT boxes is counted once per GT box, as mmdet does.
* **Last row, "background"**: detections that overlap no GT box at IoU >= ``tp_iou_thr`` — false positives on
  background. There is no GT behind them, so this row has no diagonal and its last cell is always 0.
* **Last column, "background"**: GT boxes that no detection of their own class matched — missed objects (false
  negatives). A GT box matched only by a wrong-class detection counts both in that confusion cell and here.
* The **row-normalised** view divides each row by its sum: for a GT class it reads "of the detections/misses
  recorded for objects of class i, which fraction went where"; for the background row it reads "of all
  background false positives, which fraction was predicted as class j" — it is *not* a false-positive rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .inputs import box_iou, check_lengths, get_annotations, get_class_names


@dataclass(frozen=True)
class CellInstance:
    """One contribution to a matrix cell. ``gt_index`` is None for background false positives, ``det_label`` and
    ``det_index`` are None for missed GT. ``det_index`` indexes the class array of the mmdet result."""
    image_index: int
    gt_index: Optional[int]
    det_label: Optional[int]
    det_index: Optional[int]
    score: Optional[float]
    iou: Optional[float]


@dataclass
class DetectionConfusionMatrix:
    counts: np.ndarray
    class_names: List[str]
    cells: Dict[Tuple[int, int], List[CellInstance]] = field(default_factory=dict)
    score_thr: float = 0.0
    tp_iou_thr: float = 0.5
    nms_iou_thr: Optional[float] = None

    @property
    def labels(self) -> List[str]:
        """Row/column labels: the class names and 'background'."""
        return list(self.class_names) + ['background']

    def normalized(self) -> np.ndarray:
        """Row-normalised matrix (each non-empty row sums to 1; empty rows stay 0)."""
        sums = self.counts.sum(axis=1, keepdims=True)
        return np.divide(self.counts, sums, out=np.zeros_like(self.counts, dtype=np.float64), where=sums > 0)

    def to_dataframe(self, normalize: bool = False):
        import pandas as pd
        data = self.normalized() if normalize else self.counts
        df = pd.DataFrame(data, index=pd.Index(self.labels, name='ground truth'),
                          columns=pd.Index(self.labels, name='prediction'))
        return df

    def instances(self, row, col):
        """The (image, gt, detection) contributions of one cell as a DataFrame; row/col by index or name."""
        import pandas as pd
        row = self.labels.index(row) if isinstance(row, str) else int(row)
        col = self.labels.index(col) if isinstance(col, str) else int(col)
        items = self.cells.get((row, col), [])
        return pd.DataFrame([vars(i) for i in items],
                            columns=['image_index', 'gt_index', 'det_label', 'det_index', 'score', 'iou'])

    def per_class_summary(self):
        """True positives, confusions, background false positives and misses per class."""
        import pandas as pd
        c = len(self.class_names)
        rows = []
        for k, name in enumerate(self.class_names):
            rows.append(dict(
                class_name=name, tp=int(self.counts[k, k]),
                confused_as_other=int(self.counts[k, :c].sum() - self.counts[k, k]),
                predicted_from_other=int(self.counts[:c, k].sum() - self.counts[k, k]),
                background_fp=int(self.counts[c, k]), missed=int(self.counts[k, c])))
        return pd.DataFrame(rows)


def _nms_numpy(boxes: np.ndarray, scores: np.ndarray, iou_thr: float) -> np.ndarray:
    order = np.argsort(-scores, kind='stable')
    keep = []
    suppressed = np.zeros(len(boxes), dtype=bool)
    ious = box_iou(boxes, boxes)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= ious[i] > iou_thr
    return np.asarray(keep, dtype=np.int64)


def confusion_matrix(results, dataset_or_annotations, class_names: Optional[Sequence[str]] = None,
                     score_thr: float = 0.0, tp_iou_thr: float = 0.5,
                     nms_iou_thr: Optional[float] = None) -> DetectionConfusionMatrix:
    """Compute the detection confusion matrix (see the module docstring for what each row and column means).

    Args:
        results: mmdet 2.x results, one per image.
        dataset_or_annotations: a dataset with ``get_ann_info`` or a list of ``dict(bboxes, labels)``.
        class_names: names of the classes; taken from ``dataset.CLASSES`` when omitted.
        score_thr: detections below this score are ignored.
        tp_iou_thr: IoU at which a detection counts as overlapping a GT box.
        nms_iou_thr: if set, per-class NMS is applied to the detections first (as mmdet's ``--nms-iou-thr``).
    """
    annotations = get_annotations(dataset_or_annotations)
    check_lengths(results, annotations)
    num_classes = len(results[0][0] if results and isinstance(results[0], tuple) else results[0]) if results else 0
    names = get_class_names(dataset_or_annotations, class_names, num_classes)
    c = len(names)
    counts = np.zeros((c + 1, c + 1), dtype=np.int64)
    cells: Dict[Tuple[int, int], List[CellInstance]] = {}

    def add(row, col, inst):
        counts[row, col] += 1
        cells.setdefault((row, col), []).append(inst)

    for img_idx, (result, ann) in enumerate(zip(results, annotations)):
        per_class = result[0] if isinstance(result, tuple) else result
        if len(per_class) != c:
            raise ValueError(f'image {img_idx}: result has {len(per_class)} classes, expected {c}')
        gt_boxes, gt_labels = ann.bboxes, ann.labels
        if len(gt_labels) and (gt_labels.min() < 0 or gt_labels.max() >= c):
            raise ValueError(f'image {img_idx}: GT label out of range [0, {c}): {gt_labels.tolist()}')
        gt_matched_same_class = np.zeros(len(gt_boxes), dtype=bool)
        for det_label, dets in enumerate(per_class):
            dets = np.asarray(dets, dtype=np.float64).reshape(-1, 5)
            det_index = np.arange(len(dets))
            if nms_iou_thr is not None and len(dets):
                valid = dets[:, 4] > score_thr
                kept = _nms_numpy(dets[valid, :4], dets[valid, 4], nms_iou_thr)
                det_index = det_index[valid][kept]
                dets = dets[det_index]
            ious = box_iou(dets[:, :4], gt_boxes)
            for k, det in enumerate(dets):
                score = float(det[4])
                if score < score_thr:
                    continue
                matched = False
                for j, gt_label in enumerate(gt_labels):
                    if ious[k, j] >= tp_iou_thr:
                        matched = True
                        if gt_label == det_label:
                            gt_matched_same_class[j] = True
                        add(int(gt_label), det_label,
                            CellInstance(img_idx, j, det_label, int(det_index[k]), score, float(ious[k, j])))
                if not matched:
                    best = float(ious[k].max()) if ious.shape[1] else None
                    add(c, det_label, CellInstance(img_idx, None, det_label, int(det_index[k]), score, best))
        for j, gt_label in enumerate(gt_labels):
            if not gt_matched_same_class[j]:
                add(int(gt_label), c, CellInstance(img_idx, j, None, None, None, None))
    return DetectionConfusionMatrix(counts, names, cells, score_thr, tp_iou_thr, nms_iou_thr)


def plot_confusion_matrix(cm: DetectionConfusionMatrix, normalize: bool = True, ax=None, cmap: str = 'Blues',
                          title: Optional[str] = None, annotate: bool = True):
    """Draw the matrix with seaborn; returns the matplotlib Figure. Rows: ground truth (last: background = false
    positives with no GT); columns: prediction (last: background = missed GT)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = cm.normalized() * 100 if normalize else cm.counts
    n = len(cm.labels)
    if ax is None:
        # wide enough for the axis titles even with few classes
        fig, ax = plt.subplots(figsize=(max(7.5, 1.5 + 0.7 * n), max(6.0, 1.5 + 0.6 * n)), dpi=100)
    else:
        fig = ax.figure
    sns.heatmap(data, ax=ax, cmap=cmap, annot=annotate, fmt='.0f' if normalize else 'd',
                xticklabels=cm.labels, yticklabels=cm.labels, cbar=True, square=True, linewidths=0.5,
                vmin=0, vmax=100 if normalize else None)
    ax.set_xlabel('Prediction  (last column "background": GT not detected = missed)')
    ax.set_ylabel('Ground truth  (last row "background": detection with no GT = false positive)')
    if title is None:
        title = ('Row-normalised confusion matrix (% of each row)' if normalize else 'Confusion matrix (counts)')
        title += f'\nscore_thr={cm.score_thr}, tp_iou_thr={cm.tp_iou_thr}'
        if cm.nms_iou_thr is not None:
            title += f', nms_iou_thr={cm.nms_iou_thr}'
    ax.set_title(title)
    ax.tick_params(axis='x', rotation=45)
    ax.tick_params(axis='y', rotation=0)
    fig.tight_layout()
    return fig
