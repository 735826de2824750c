"""COCO-style precision breakdown (the Detectron/mmdet ``coco_error_analysis`` plot).

For each class, seven precision-recall curves at COCO's 101 recall points, each a relaxation of the previous one:

* **C75**: PR at IoU 0.75; **C50**: PR at IoU 0.50; **Loc**: PR at IoU 0.10 (localisation errors forgiven, but not
  duplicate detections);
* **Sim**: IoU 0.10 and detections on GT boxes of *other classes of the same supercategory* are ignored;
* **Oth**: IoU 0.10 and detections on GT boxes of *any other class* are ignored (all class confusion forgiven);
* **BG**: all background false positives removed (precision 1 wherever Oth has any precision);
* **FN**: all false negatives removed too (precision 1 everywhere).

The area under each curve (mean interpolated precision) is what the plot legend shows, e.g. ``[.512] C50``.
Without supercategories every class is its own, and Sim equals Loc.
"""
from __future__ import annotations

import copy
from typing import Dict, Optional, Sequence

import numpy as np

from .inputs import get_class_names
from .result_analysis import _num_classes, coco_inputs, run_coco_eval

BREAKDOWN_TYPES = ('C75', 'C50', 'Loc', 'Sim', 'Oth', 'BG', 'FN')
AREA_NAMES = ('all', 'small', 'medium', 'large')


def _ignoring_other_classes(gt: dict, cat: int, others) -> dict:
    """GT where boxes of ``others`` become crowd (ignored) boxes of ``cat``, so detections on them are neutral."""
    gt = copy.deepcopy(gt)
    for ann in gt['annotations']:
        if ann['category_id'] in others and ann['category_id'] != cat:
            ann['iscrowd'] = 1
            ann['ignore'] = 1
            ann['category_id'] = cat
    return gt


def coco_precision_breakdown(results, dataset_or_annotations, class_names: Optional[Sequence[str]] = None,
                             supercategories: Optional[Dict[str, str]] = None,
                             areas: Sequence[float] = (32 ** 2, 96 ** 2, 1e5 ** 2)):
    """Compute the breakdown. Returns ``(table, curves)``: a DataFrame with one row per (class incl. 'all', area,
    type) and its mean precision ``ap``, and an array ``curves[type, recall, class, area]`` (class axis: the
    classes then 'all' as the mean over classes)."""
    import pandas as pd

    num_classes = _num_classes(results)
    names = get_class_names(dataset_or_annotations, class_names, num_classes)
    gt, dets = coco_inputs(results, dataset_or_annotations)
    area_rng = [(0, areas[2]), (0, areas[0]), (areas[0], areas[1]), (areas[1], areas[2])]
    base = run_coco_eval(gt, dets, iou_thrs=[0.75, 0.5, 0.1], max_dets=(100,), area_rng=area_rng)
    ps = base.eval['precision'][:, :, :, :, 0]  # [3, R, K, A]
    ps = np.concatenate([ps, np.zeros((4,) + ps.shape[1:])], axis=0)
    sup = supercategories or {}
    for k, name in enumerate(names):
        own_dets = [d for d in dets if d['category_id'] == k]
        same_super = {j for j, n in enumerate(names) if sup.get(n, f'__{n}') == sup.get(name, f'__{name}')}
        for row, others in ((3, same_super), (4, set(range(num_classes)))):
            ev = run_coco_eval(_ignoring_other_classes(gt, k, others), own_dets, iou_thrs=[0.1], max_dets=(100,),
                               area_rng=area_rng)
            ps[row, :, k, :] = ev.eval['precision'][0, :, k, :, 0]
    no_gt = ps[1] == -1  # classes/areas without GT stay undefined in every row
    ps[ps == -1] = 0
    ps[5] = ps[4] > 0
    ps[6] = 1.0
    ps[:, no_gt] = np.nan
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # an area range without GT in any class stays NaN
        mean_over_classes = np.nanmean(ps, axis=2, keepdims=True)
    curves = np.concatenate([ps, mean_over_classes], axis=2)
    rows = []
    for k, name in enumerate(list(names) + ['all']):
        for a, area in enumerate(AREA_NAMES):
            for t, kind in enumerate(BREAKDOWN_TYPES):
                c = curves[t, :, k, a]
                rows.append(dict(class_name=name, area=area, type=kind,
                                 ap=float(np.mean(c)) if np.isfinite(c).all() else float('nan')))
    return pd.DataFrame(rows), curves


def plot_coco_breakdown(curves, class_index: int = -1, area_index: int = 0, title: Optional[str] = None, ax=None):
    """The stacked-area breakdown plot of one class (default: all classes) and area; returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=100)
    else:
        fig = ax.figure
    recall = np.linspace(0, 1, curves.shape[1])
    colors = [(1, 1, 1), (0.31, 0.51, 0.74), (0.75, 0.31, 0.30), (0.36, 0.90, 0.38), (0.50, 0.39, 0.64),
              (1, 0.6, 0), (0.9, 0.9, 0.9)]
    previous = np.zeros(len(recall))
    for t, kind in enumerate(BREAKDOWN_TYPES):
        curve = np.nan_to_num(curves[t, :, class_index, area_index])
        ap = float(np.mean(curve))
        ax.fill_between(recall, previous, curve, color=colors[t], label=f'[{ap:.3f}] {kind}', step=None)
        ax.plot(recall, curve, color='k', lw=0.5)
        previous = curve
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel('recall')
    ax.set_ylabel('precision')
    ax.set_title(title or f'precision breakdown ({AREA_NAMES[area_index]})')
    ax.legend(loc='lower left', fontsize=8)
    fig.tight_layout()
    return fig
