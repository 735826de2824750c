"""Result analysis: PR curves and per-class AP from COCO evaluation, score-threshold sweeps, per-image mAP and the
best/worst images (MMDetection's ``analyze_results``).

PR curves and per-class AP come from pycocotools' ``COCOeval`` run on the same ground truth, so they agree with the
COCO evaluation by construction: AP of a class is the mean of its interpolated precision over the 101 recall
thresholds and the chosen IoU thresholds (area 'all', maxDets 100), exactly as mmdet's ``classwise`` table.
"""
from __future__ import annotations

import contextlib
import io
from typing import Optional, Sequence

import numpy as np

from .inputs import check_lengths, flatten_result, get_annotations, get_class_names

COCO_IOU_THRS = np.linspace(0.5, 0.95, 10)


def _num_classes(results) -> int:
    first = results[0] if results else []
    return len(first[0] if isinstance(first, tuple) else first)


def coco_inputs(results, dataset_or_annotations):
    """In-memory COCO ground truth (a dataset dict) and detections (a list) from mmdet-format inputs.

    Category ids are the contiguous labels. Ignore boxes become crowd annotations (as COCO's own crowd boxes become
    mmdet's ``bboxes_ignore``), added once per class since a crowd region blocks detections of any class. Areas are
    box areas (the original COCO file's mask areas are not known here).
    """
    annotations = get_annotations(dataset_or_annotations)
    check_lengths(results, annotations)
    num_classes = _num_classes(results)
    images, anns, dets = [], [], []
    ann_id = 1
    for img_id, (ann, res) in enumerate(zip(annotations, results)):
        images.append(dict(id=img_id))
        for boxes, crowd, labels in ((ann.bboxes, 0, ann.labels),
                                     (ann.bboxes_ignore, 1, np.zeros(len(ann.bboxes_ignore), np.int64))):
            for box, label in zip(boxes, labels):
                w, h = float(box[2] - box[0]), float(box[3] - box[1])
                for cat in (range(num_classes) if crowd else [int(label)]):
                    anns.append(dict(id=ann_id, image_id=img_id, category_id=cat,
                                     bbox=[float(box[0]), float(box[1]), w, h], area=w * h, iscrowd=crowd))
                    ann_id += 1
        flat = flatten_result(res, num_classes)
        for box, score, label in zip(flat.bboxes, flat.scores, flat.labels):
            dets.append(dict(image_id=img_id, category_id=int(label), score=float(score),
                             bbox=[float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]))
    gt = dict(images=images, annotations=anns, categories=[dict(id=c) for c in range(num_classes)])
    return gt, dets


def run_coco_eval(gt_dataset: dict, dets: list, iou_thrs=None, max_dets: Sequence[int] = (1, 10, 100),
                  area_rng=None):
    """Evaluate (bbox) with pycocotools, silently; returns the accumulated ``COCOeval``."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = gt_dataset
        gt.createIndex()
        if dets:
            dt = gt.loadRes(dets)
        else:
            dt = COCO()
            dt.dataset = dict(images=gt_dataset['images'], annotations=[], categories=gt_dataset['categories'])
            dt.createIndex()
        coco_eval = COCOeval(gt, dt, 'bbox')
        coco_eval.params.catIds = [c['id'] for c in gt_dataset['categories']]
        coco_eval.params.imgIds = [i['id'] for i in gt_dataset['images']]
        coco_eval.params.maxDets = list(max_dets)
        if iou_thrs is not None:
            coco_eval.params.iouThrs = np.asarray(iou_thrs, dtype=np.float64)
        if area_rng is not None:
            coco_eval.params.areaRng = [list(a) for a in area_rng]
            coco_eval.params.areaRngLbl = ['all', 'small', 'medium', 'large'][:len(area_rng)]
        coco_eval.evaluate()
        coco_eval.accumulate()
    return coco_eval


def build_coco_eval(results, dataset_or_annotations, iou_thrs: Optional[Sequence[float]] = None,
                    max_dets: int = 100):
    """Run pycocotools' COCOeval (bbox) on in-memory ground truth and results; returns the evaluated ``COCOeval``."""
    gt, dets = coco_inputs(results, dataset_or_annotations)
    return run_coco_eval(gt, dets, iou_thrs, (1, 10, max_dets))


def per_class_ap(results, dataset_or_annotations, class_names: Optional[Sequence[str]] = None,
                 iou_thrs: Optional[Sequence[float]] = None):
    """Per-class AP (0-1) as mmdet's classwise COCO table, plus AP50 and AP75, as a DataFrame."""
    import pandas as pd

    names = get_class_names(dataset_or_annotations, class_names, _num_classes(results))
    ev = build_coco_eval(results, dataset_or_annotations, iou_thrs)
    precision = ev.eval['precision']  # [T, R, K, A, M]
    thrs = ev.params.iouThrs
    rows = []
    for k, name in enumerate(names):
        def ap_at(sel):
            p = precision[sel, :, k, 0, -1]
            p = p[p > -1]
            return float(p.mean()) if p.size else float('nan')
        row = dict(class_name=name, AP=ap_at(slice(None)))
        for t in (0.5, 0.75):
            idx = np.flatnonzero(np.isclose(thrs, t))
            row[f'AP{int(t * 100)}'] = ap_at(idx) if len(idx) else float('nan')
        rows.append(row)
    return pd.DataFrame(rows)


def pr_curves(results, dataset_or_annotations, class_names: Optional[Sequence[str]] = None,
              iou_thrs: Sequence[float] = (0.5,)):
    """Interpolated precision at COCO's 101 recall points, per class and for the class mean ('all'), at each IoU
    threshold. Long-form DataFrame: class_name, iou_thr, recall, precision (NaN where the class has no GT)."""
    import pandas as pd

    names = get_class_names(dataset_or_annotations, class_names, _num_classes(results))
    ev = build_coco_eval(results, dataset_or_annotations, iou_thrs)
    precision = ev.eval['precision'][:, :, :, 0, -1]  # [T, R, K]
    rec = ev.params.recThrs
    frames = []
    for t, thr in enumerate(ev.params.iouThrs):
        p = np.where(precision[t] > -1, precision[t], np.nan)
        for k, name in enumerate(names):
            frames.append(pd.DataFrame(dict(class_name=name, iou_thr=float(thr), recall=rec, precision=p[:, k])))
        with np.errstate(all='ignore'):
            mean = np.nanmean(p, axis=1) if np.isfinite(p).any() else np.full(len(rec), np.nan)
        frames.append(pd.DataFrame(dict(class_name='all', iou_thr=float(thr), recall=rec, precision=mean)))
    return pd.concat(frames, ignore_index=True)


def plot_pr_curves(curves, ax=None, classes: Optional[Sequence[str]] = None):
    """Draw the output of :func:`pr_curves`; returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=100)
    else:
        fig = ax.figure
    for (name, thr), df in curves.groupby(['class_name', 'iou_thr'], sort=False):
        if classes is not None and name not in classes:
            continue
        ax.plot(df.recall, df.precision, lw=2.5 if name == 'all' else 1.2,
                ls='--' if name == 'all' else '-', label=f'{name} @IoU {thr:.2f}')
    ax.set_xlabel('recall')
    ax.set_ylabel('precision (interpolated)')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title('Precision-recall curves')
    fig.tight_layout()
    return fig


def score_threshold_sweep(results, dataset_or_annotations, class_names: Optional[Sequence[str]] = None,
                          iou_thr: float = 0.5, thresholds: Optional[Sequence[float]] = None):
    """Precision, recall and F1 against the score threshold, per class and overall.

    Matching is greedy in descending score (COCO style), so a detection's TP/FP status does not depend on
    lower-scoring detections, and raising the threshold just truncates the ranked list.
    """
    import pandas as pd

    from .error_analysis import _collect, _match

    annotations = get_annotations(dataset_or_annotations)
    check_lengths(results, annotations)
    num_classes = _num_classes(results)
    names = get_class_names(dataset_or_annotations, class_names, num_classes)
    dets, gts = _collect(results, annotations, num_classes, max_dets=10 ** 9)
    m = _match(dets, gts, len(results), iou_thr)
    keep = ~m.ignored
    if thresholds is None:
        thresholds = np.round(np.linspace(0, 1, 21), 3)
    rows = []
    for k, name in [(None, 'all')] + list(enumerate(names)):
        sel = keep if k is None else keep & (dets.labels == k)
        n_gt = len(gts.labels) if k is None else int((gts.labels == k).sum())
        scores, tp = dets.scores[sel], m.tp[sel]
        for thr in thresholds:
            above = scores >= thr
            n_tp, n_det = int(tp[above].sum()), int(above.sum())
            precision = n_tp / n_det if n_det else float('nan')
            recall = n_tp / n_gt if n_gt else float('nan')
            f1 = (2 * precision * recall / (precision + recall)
                  if n_det and n_gt and (precision + recall) > 0 else 0.0 if n_gt else float('nan'))
            rows.append(dict(class_name=name, score_thr=float(thr), precision=precision, recall=recall, f1=f1,
                             tp=n_tp, fp=n_det - n_tp, fn=n_gt - n_tp))
    return pd.DataFrame(rows)


def per_image_map(results, dataset_or_annotations, iou_thrs: Sequence[float] = tuple(COCO_IOU_THRS)):
    """mAP of every image alone, averaged over ``iou_thrs`` with VOC-style ``eval_map`` (mmdet's
    ``analyze_results``). Returns a DataFrame: image_index, mAP, n_gt, n_det."""
    import pandas as pd

    from workbench.evaluation import eval_map

    annotations = get_annotations(dataset_or_annotations)
    check_lengths(results, annotations)
    rows = []
    for i, (res, ann) in enumerate(zip(results, annotations)):
        det = res[0] if isinstance(res, tuple) else res
        ann_dict = dict(bboxes=ann.bboxes.astype(np.float32), labels=ann.labels,
                        bboxes_ignore=ann.bboxes_ignore.astype(np.float32),
                        labels_ignore=np.zeros(len(ann.bboxes_ignore), np.int64))
        maps = [eval_map([det], [ann_dict], iou_thr=float(t), logger='silent')[0] for t in iou_thrs]
        rows.append(dict(image_index=i, mAP=float(np.mean(maps)), n_gt=len(ann.labels),
                         n_det=int(sum(len(d) for d in det))))
    return pd.DataFrame(rows)


def top_k_images(per_image, k: int = 20):
    """(best, worst) DataFrames of the k images with the highest and lowest per-image mAP."""
    ranked = per_image.sort_values('mAP', kind='stable')
    return ranked.iloc[::-1].head(k).reset_index(drop=True), ranked.head(k).reset_index(drop=True)
