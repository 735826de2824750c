"""Tidy pandas DataFrames of evaluation results (one row per class) for notebooks."""
from collections import Counter

import numpy as np
import pandas as pd

from .mean_ap import eval_map


def _mean_valid(x):
    x = x[x > -1]
    return float(np.mean(x)) if x.size else float('nan')


def coco_eval_to_dataframe(coco_eval, class_names=None):
    """Per class of an evaluated ``COCOeval``: AP (mean over IoU thresholds), AP50, AP75, AP_s/m/l, recall
    (AR at the largest max_dets), n_gt (non-crowd gts) and n_det (detections in the evaluated images).

    Columns absent from the evaluation's IoU thresholds (e.g. AP75 with iou_thrs=[0.5]) are NaN.
    """
    params = coco_eval.params
    precision = coco_eval.eval['precision']  # (T iou, R recall points, K classes, A areas, M max_dets)
    recall = coco_eval.eval['recall']  # (T, K, A, M)
    cat_ids = list(params.catIds) if params.useCats else [-1]
    if class_names is None:
        class_names = ([coco_eval.cocoGt.cats[int(c)]['name'] for c in cat_ids] if params.useCats
                       else ['(all classes)'])
    img_ids = set(params.imgIds)
    # one pass over the annotations (not one per class: 80 x 500k detections took seconds)
    n_gt = Counter(a['category_id'] for a in coco_eval.cocoGt.dataset['annotations']
                   if a['image_id'] in img_ids and not a.get('iscrowd', 0))
    n_det = Counter(a['category_id'] for a in coco_eval.cocoDt.dataset['annotations'] if a['image_id'] in img_ids)
    iou_thrs = np.asarray(params.iouThrs)

    def at_iou(thr):
        hit = np.where(np.isclose(iou_thrs, thr))[0]
        return hit[0] if hit.size else None

    t50, t75 = at_iou(0.5), at_iou(0.75)
    rows = []
    for k, (cid, name) in enumerate(zip(cat_ids, class_names)):
        rows.append({
            'class': name,
            'AP': _mean_valid(precision[:, :, k, 0, -1]),
            'AP50': _mean_valid(precision[t50, :, k, 0, -1]) if t50 is not None else float('nan'),
            'AP75': _mean_valid(precision[t75, :, k, 0, -1]) if t75 is not None else float('nan'),
            'AP_s': _mean_valid(precision[:, :, k, 1, -1]),
            'AP_m': _mean_valid(precision[:, :, k, 2, -1]),
            'AP_l': _mean_valid(precision[:, :, k, 3, -1]),
            'recall': _mean_valid(recall[:, k, 0, -1]),
            'n_gt': sum(n_gt.values()) if cid == -1 else n_gt[cid],
            'n_det': sum(n_det.values()) if cid == -1 else n_det[cid],
        })
    return pd.DataFrame(rows)


def map_results_to_dataframe(eval_results, class_names=None, scale_ranges=None):
    """``eval_map``'s per-class results as a DataFrame: class, n_gt, n_det, recall and precision at the last
    detection, AP; with scale ranges, one row per (class, scale range)."""
    class_names = class_names if class_names is not None else [str(i) for i in range(len(eval_results))]
    rows = []
    for name, r in zip(class_names, eval_results):
        rec = np.array(r['recall'], ndmin=2)
        prec = np.array(r['precision'], ndmin=2)
        aps = np.atleast_1d(r['ap'])
        n_gts = np.atleast_1d(r['num_gts'])
        for s in range(aps.size):
            row = {'class': name}
            if scale_ranges is not None:
                row['scale_range'] = tuple(scale_ranges[s])
            row.update({
                'n_gt': int(n_gts[s]), 'n_det': int(r['num_dets']),
                'recall': float(rec[s, -1]) if rec.shape[1] else 0.0,
                'precision': float(prec[s, -1]) if prec.shape[1] else 0.0,
                'AP': float(aps[s]),
            })
            rows.append(row)
    return pd.DataFrame(rows)


def eval_map_dataframe(det_results, annotations, class_names=None, iou_thrs=(0.5, 0.75), eval_mode='area',
                       **kwargs):
    """VOC-style per-class table at several IoU thresholds: AP (mean over ``iou_thrs``), AP50/AP75 (or AP@thr),
    recall at the first threshold, n_gt, n_det."""
    df = None
    for thr in iou_thrs:
        _, res = eval_map(det_results, annotations, iou_thr=thr, eval_mode=eval_mode, logger='silent', nproc=1,
                          **kwargs)
        one = map_results_to_dataframe(res, class_names)
        col = f'AP{int(round(thr * 100))}'
        if df is None:
            df = one.drop(columns=['precision']).rename(columns={'AP': col})
        else:
            df[col] = one['AP'].values
    ap_cols = [f'AP{int(round(t * 100))}' for t in iou_thrs]
    df.insert(1, 'AP', df[ap_cols].mean(axis=1))
    return df[['class', 'AP'] + ap_cols + ['n_gt', 'n_det', 'recall']]
