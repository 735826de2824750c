"""Error analysis in TIDE's taxonomy (Bolya et al., "TIDE: A General Toolbox for Identifying Object Detection
Errors", ECCV 2020), with the ΔAP each error type costs.

Matching rules (all per image; IoU in continuous coordinates):

1. **True positive**: detections of a class are visited in descending score order; each takes the unmatched GT box
   of the same class with the highest IoU >= ``pos_thr``. A detection that instead covers an ignore region
   (``bboxes_ignore``, e.g. COCO crowd) with IoF >= ``pos_thr`` is ignored. Only the ``max_dets`` highest-scoring
   detections of an image are considered (COCO's maxDets).
2. Every other detection is a false positive and gets exactly one error type, checked in this order:

   * **classification**: IoU >= ``pos_thr`` with a GT box of another class;
   * **duplicate**: IoU >= ``pos_thr`` with a GT box of its class that a higher-scoring detection already matched;
   * **localization**: ``bg_thr`` <= IoU < ``pos_thr`` with a GT box of its class;
   * **both** (classification and localization): ``bg_thr`` <= IoU < ``pos_thr`` with a GT box of another class;
   * **background**: IoU < ``bg_thr`` with every GT box.
3. **missed**: a GT box no true positive matched and no classification, localization or both error points at
   (an object that was detected with a wrong class or a loose box is not also counted as missed).

ΔAP of an error type: fix only the errors of that type with an oracle and recompute mAP (AP at ``pos_thr``, COCO's
101-point interpolation, averaged over classes that have GT). Fixes: classification → the detection takes the GT's
class; localization → the detection takes the GT's box; in both cases a fixed detection that still is no true
positive (its GT was already matched) is removed, as TIDE suppresses it. both, duplicate, background → the
detection is removed. missed → the missed GT boxes are removed. ΔAP values are in AP points (0-100).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from .inputs import box_iof, box_iou, check_lengths, flatten_result, get_annotations, get_class_names

ERROR_TYPES = ('classification', 'localization', 'both', 'duplicate', 'background', 'missed')


@dataclass
class _Dets:
    image: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    index_in_class: np.ndarray

    def subset(self, mask):
        return _Dets(self.image[mask], self.boxes[mask], self.scores[mask], self.labels[mask],
                     self.index_in_class[mask])


@dataclass
class _GTs:
    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    index_in_image: np.ndarray
    ignore: List[np.ndarray]  # per image

    def subset(self, mask):
        return _GTs(self.image[mask], self.boxes[mask], self.labels[mask], self.index_in_image[mask], self.ignore)


@dataclass
class _Match:
    tp: np.ndarray  # bool per detection
    ignored: np.ndarray  # bool per detection
    gt_of_det: np.ndarray  # global gt index or -1
    gt_matched: np.ndarray  # bool per gt


def _match(dets: _Dets, gts: _GTs, num_images: int, pos_thr: float) -> _Match:
    tp = np.zeros(len(dets.scores), dtype=bool)
    ignored = np.zeros(len(dets.scores), dtype=bool)
    gt_of_det = np.full(len(dets.scores), -1, dtype=np.int64)
    gt_matched = np.zeros(len(gts.labels), dtype=bool)
    det_by_image = [np.flatnonzero(dets.image == i) for i in range(num_images)]
    gt_by_image = [np.flatnonzero(gts.image == i) for i in range(num_images)]
    for i in range(num_images):
        d_idx, g_idx = det_by_image[i], gt_by_image[i]
        if len(d_idx) == 0:
            continue
        d_idx = d_idx[np.argsort(-dets.scores[d_idx], kind='stable')]
        ious = box_iou(dets.boxes[d_idx], gts.boxes[g_idx])
        iofs = box_iof(dets.boxes[d_idx], gts.ignore[i])
        for k, d in enumerate(d_idx):
            same = gts.labels[g_idx] == dets.labels[d]
            cand = np.where(same & ~gt_matched[g_idx] & (ious[k] >= pos_thr), ious[k], -1.0)
            if len(cand) and cand.max() >= 0:
                j = int(np.argmax(cand))
                tp[d] = True
                gt_of_det[d] = g_idx[j]
                gt_matched[g_idx[j]] = True
            elif iofs.shape[1] and iofs[k].max() >= pos_thr:
                ignored[d] = True
    return _Match(tp, ignored, gt_of_det, gt_matched)


def _average_precision(scores: np.ndarray, tp: np.ndarray, num_gt: int) -> float:
    """COCO-style 101-point interpolated AP (0-1) of one class; nan when the class has no GT."""
    if num_gt == 0:
        return float('nan')
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind='mergesort')
    tp = tp[order].astype(np.float64)
    tps, fps = np.cumsum(tp), np.cumsum(1.0 - tp)
    recall = tps / num_gt
    precision = tps / np.maximum(tps + fps, np.finfo(np.float64).eps)
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # monotone envelope
    thresholds = np.linspace(0, 1, 101)
    pos = np.searchsorted(recall, thresholds, side='left')
    return float(np.where(pos < len(precision), precision[np.minimum(pos, len(precision) - 1)], 0.0).mean())


def _per_class_ap(dets: _Dets, gts: _GTs, num_classes: int, num_images: int, pos_thr: float) -> np.ndarray:
    m = _match(dets, gts, num_images, pos_thr)
    keep = ~m.ignored
    aps = np.full(num_classes, np.nan)
    for c in range(num_classes):
        sel = keep & (dets.labels == c)
        aps[c] = _average_precision(dets.scores[sel], m.tp[sel], int((gts.labels == c).sum()))
    return aps


@dataclass
class ErrorAnalysis:
    """Result of :func:`error_analysis`.

    Attributes:
        map: mAP (0-100) at ``pos_thr`` before any fix.
        per_class_ap: DataFrame, AP (0-100) per class.
        delta_ap: DataFrame indexed by error type, column ``overall`` (ΔmAP) and one column per class (ΔAP).
        counts: DataFrame of error counts, error type x class (plus ``total``).
        instances: DataFrame with one row per false positive and per missed GT: image_index, error_type, det_label,
            det_index (into the class array of the mmdet result), score, gt_index (within the image), gt_label,
            iou and a human-readable reason.
    """
    map: float
    per_class_ap: object
    delta_ap: object
    counts: object
    instances: object
    class_names: List[str]
    pos_thr: float
    bg_thr: float

    def summary(self):
        """ΔmAP per error type, largest first (TIDE's summary)."""
        return self.delta_ap['overall'].sort_values(ascending=False)


def _collect(results, annotations, num_classes, max_dets):
    d_img, d_box, d_score, d_label, d_pos = [], [], [], [], []
    g_img, g_box, g_label, g_pos, ignore = [], [], [], [], []
    for i, (res, ann) in enumerate(zip(results, annotations)):
        flat = flatten_result(res, num_classes)
        n = min(len(flat.scores), max_dets)
        d_img.append(np.full(n, i))
        d_box.append(flat.bboxes[:n])
        d_score.append(flat.scores[:n])
        d_label.append(flat.labels[:n])
        d_pos.append(flat.index_in_class[:n])
        g_img.append(np.full(len(ann.labels), i))
        g_box.append(ann.bboxes)
        g_label.append(ann.labels)
        g_pos.append(np.arange(len(ann.labels)))
        ignore.append(ann.bboxes_ignore)
    cat = lambda xs, shape: np.concatenate(xs) if xs else np.zeros(shape)  # noqa: E731
    dets = _Dets(cat(d_img, 0).astype(np.int64), cat(d_box, (0, 4)).reshape(-1, 4), cat(d_score, 0),
                 cat(d_label, 0).astype(np.int64), cat(d_pos, 0).astype(np.int64))
    gts = _GTs(cat(g_img, 0).astype(np.int64), cat(g_box, (0, 4)).reshape(-1, 4), cat(g_label, 0).astype(np.int64),
               cat(g_pos, 0).astype(np.int64), ignore)
    return dets, gts


def error_analysis(results, dataset_or_annotations, class_names: Optional[Sequence[str]] = None,
                   pos_thr: float = 0.5, bg_thr: float = 0.1, max_dets: int = 100) -> ErrorAnalysis:
    """Assign every false positive and missed GT to a TIDE error type and measure the ΔAP of each type.

    See the module docstring for the exact matching rules.
    """
    import pandas as pd

    annotations = get_annotations(dataset_or_annotations)
    check_lengths(results, annotations)
    first = results[0] if results else []
    num_classes = len(first[0] if isinstance(first, tuple) else first)
    names = get_class_names(dataset_or_annotations, class_names, num_classes)
    num_images = len(results)
    dets, gts = _collect(results, annotations, num_classes, max_dets)
    m = _match(dets, gts, num_images, pos_thr)

    error = np.full(len(dets.scores), '', dtype=object)
    target_gt = np.full(len(dets.scores), -1, dtype=np.int64)
    target_iou = np.full(len(dets.scores), np.nan)
    reasons = np.full(len(dets.scores), '', dtype=object)
    for d in np.flatnonzero(~m.tp & ~m.ignored):
        g_idx = np.flatnonzero(gts.image == dets.image[d])
        label = dets.labels[d]
        ious = box_iou(dets.boxes[d:d + 1], gts.boxes[g_idx])[0] if len(g_idx) else np.zeros(0)
        same = gts.labels[g_idx] == label
        other_iou = np.where(~same, ious, -1.0)
        same_iou = np.where(same, ious, -1.0)
        best_other = int(np.argmax(other_iou)) if len(g_idx) else -1
        best_same = int(np.argmax(same_iou)) if len(g_idx) else -1
        o = other_iou[best_other] if best_other >= 0 else -1.0
        s = same_iou[best_same] if best_same >= 0 else -1.0
        pred = names[label]
        if o >= pos_thr:
            kind, j, iou = 'classification', best_other, o
            why = f"IoU {o:.2f} >= {pos_thr} with a GT '{names[gts.labels[g_idx[j]]]}', predicted '{pred}'"
        elif s >= pos_thr:
            kind, j, iou = 'duplicate', best_same, s
            why = f'IoU {s:.2f} with a GT already matched by a higher-scoring detection'
        elif s >= bg_thr:
            kind, j, iou = 'localization', best_same, s
            why = f"right class '{pred}' but best IoU {s:.2f} < {pos_thr}"
        elif o >= bg_thr:
            kind, j, iou = 'both', best_other, o
            why = (f"wrong class ('{pred}' vs GT '{names[gts.labels[g_idx[j]]]}') and loose box "
                   f'(IoU {o:.2f} < {pos_thr})')
        else:
            kind, j, iou = 'background', -1, max(o, s, 0.0)
            why = f'IoU {max(o, s, 0.0):.2f} < {bg_thr} with every GT'
        error[d] = kind
        target_gt[d] = g_idx[j] if j >= 0 else -1
        target_iou[d] = iou
        reasons[d] = why

    pointed = set(target_gt[np.isin(error, ['classification', 'localization', 'both'])].tolist())
    missed = np.array([not m.gt_matched[g] and g not in pointed for g in range(len(gts.labels))], dtype=bool)

    base = _per_class_ap(dets, gts, num_classes, num_images, pos_thr)

    def fixed_relabel_or_rebox(kind):
        sel = error == kind
        fixed = dets.subset(np.ones(len(dets.scores), dtype=bool))
        fixed.labels = fixed.labels.copy()
        fixed.boxes = fixed.boxes.copy()
        tg = target_gt[sel]
        if kind == 'classification':
            fixed.labels[sel] = gts.labels[tg]
        else:
            fixed.boxes[sel] = gts.boxes[tg]
        fm = _match(fixed, gts, num_images, pos_thr)
        drop = sel & ~fm.tp  # a fixed detection whose GT is taken is suppressed
        return _per_class_ap(fixed.subset(~drop), gts, num_classes, num_images, pos_thr)

    fixed_aps = {}
    for kind in ERROR_TYPES:
        if kind in ('classification', 'localization'):
            fixed_aps[kind] = fixed_relabel_or_rebox(kind) if (error == kind).any() else base
        elif kind == 'missed':
            # removing a missed GT can leave a class without GT; its AP then no longer counts
            fixed_aps[kind] = _per_class_ap(dets, gts.subset(~missed), num_classes, num_images, pos_thr)
        else:
            fixed_aps[kind] = _per_class_ap(dets.subset(error != kind), gts, num_classes, num_images, pos_thr)

    base_map = float(np.nanmean(base)) * 100 if np.isfinite(base).any() else float('nan')
    delta = {}
    for kind, aps in fixed_aps.items():
        fixed_map = float(np.nanmean(aps)) * 100 if np.isfinite(aps).any() else float('nan')
        row = {'overall': fixed_map - base_map}
        for c, name in enumerate(names):
            row[name] = (aps[c] - base[c]) * 100 if np.isfinite(aps[c]) and np.isfinite(base[c]) else np.nan
        delta[kind] = row
    delta_ap = pd.DataFrame.from_dict(delta, orient='index').loc[list(ERROR_TYPES)]
    delta_ap.index.name = 'error_type'

    rows = []
    for d in np.flatnonzero(error != ''):
        g = target_gt[d]
        rows.append(dict(image_index=int(dets.image[d]), error_type=error[d], det_label=int(dets.labels[d]),
                         det_class=names[dets.labels[d]], det_index=int(dets.index_in_class[d]),
                         score=float(dets.scores[d]), gt_index=int(gts.index_in_image[g]) if g >= 0 else None,
                         gt_label=int(gts.labels[g]) if g >= 0 else None, iou=float(target_iou[d]),
                         reason=reasons[d]))
    for g in np.flatnonzero(missed):
        rows.append(dict(image_index=int(gts.image[g]), error_type='missed', det_label=None, det_class=None,
                         det_index=None, score=None, gt_index=int(gts.index_in_image[g]),
                         gt_label=int(gts.labels[g]), iou=None,
                         reason=f"GT '{names[gts.labels[g]]}' not matched and not explained by another error"))
    instances = pd.DataFrame(rows, columns=['image_index', 'error_type', 'det_label', 'det_class', 'det_index',
                                            'score', 'gt_index', 'gt_label', 'iou', 'reason'])

    count_rows = {}
    for kind in ERROR_TYPES:
        sub = instances[instances.error_type == kind]
        labels = sub.gt_label if kind == 'missed' else sub.det_label
        count_rows[kind] = {name: int((labels == c).sum()) for c, name in enumerate(names)}
    counts = pd.DataFrame.from_dict(count_rows, orient='index')
    counts['total'] = counts.sum(axis=1)
    counts.index.name = 'error_type'

    per_class_ap = pd.Series(base * 100, index=pd.Index(names, name='class'), name='AP')
    return ErrorAnalysis(base_map, per_class_ap, delta_ap, counts, instances, names, pos_thr, bg_thr)


def plot_error_analysis(analysis: ErrorAnalysis, per_class: bool = False, ax=None):
    """Bar chart of ΔAP per error type (overall, or grouped by class); returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    else:
        fig = ax.figure
    if per_class:
        analysis.delta_ap.drop(columns='overall').plot.bar(ax=ax)
        ax.legend(title='class', fontsize=8)
    else:
        analysis.delta_ap['overall'].plot.bar(ax=ax, color='tab:red')
    ax.set_ylabel('ΔAP (points) if fixed')
    ax.set_xlabel('error type')
    ax.set_title(f'TIDE error breakdown  (mAP@{analysis.pos_thr} = {analysis.map:.1f})')
    ax.tick_params(axis='x', rotation=0)
    fig.tight_layout()
    return fig
