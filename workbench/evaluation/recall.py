"""Proposal recall (mmdet 2.x ``eval_recalls``): for each number of top proposals and IoU threshold, the fraction
of gt boxes covered, with a greedy one-to-one gt/proposal assignment per image."""
from collections.abc import Sequence

import numpy as np

from .bbox_overlaps import bbox_overlaps
from .logging_utils import ascii_table, print_log


def _greedy_gt_ious(ious):
    """Assign proposals to gts greedily by highest IoU (each used once); the IoU each gt obtains."""
    ious = ious.copy()
    gt_ious = np.zeros(ious.shape[0])
    if ious.size == 0:
        return gt_ious
    rows = np.arange(ious.shape[0])
    for j in range(ious.shape[0]):
        best_box = ious.argmax(axis=1)
        best = ious[rows, best_box]
        g = best.argmax()
        gt_ious[j] = best[g]
        b = best_box[g]
        ious[g, :] = -1
        ious[:, b] = -1
    return gt_ious


def _recalls(all_ious, proposal_nums, thrs):
    total_gt = sum(ious.shape[0] for ious in all_ious)
    obtained = np.zeros((proposal_nums.size, total_gt), dtype=np.float32)
    for k, num in enumerate(proposal_nums):
        obtained[k, :] = np.concatenate([_greedy_gt_ious(ious[:, :num]) for ious in all_ious]) if all_ious else []
    obtained = np.fliplr(np.sort(obtained, axis=1))
    recalls = np.zeros((proposal_nums.size, thrs.size))
    for i, thr in enumerate(thrs):
        recalls[:, i] = (obtained >= thr).sum(axis=1) / float(total_gt)
    return recalls


def set_recall_param(proposal_nums, iou_thrs):
    """Normalise proposal numbers and IoU thresholds to 1-d numpy arrays (defaults (100, 300, 1000) and 0.5)."""
    if proposal_nums is None:
        proposal_nums = np.array([100, 300, 1000])
    elif isinstance(proposal_nums, (int, np.integer)):
        proposal_nums = np.array([proposal_nums])
    elif isinstance(proposal_nums, Sequence):
        proposal_nums = np.array(proposal_nums)
    if iou_thrs is None:
        iou_thrs = np.array([0.5])
    elif isinstance(iou_thrs, (float, np.floating)):
        iou_thrs = np.array([iou_thrs])
    elif isinstance(iou_thrs, Sequence):
        iou_thrs = np.array(iou_thrs)
    return proposal_nums, iou_thrs


def eval_recalls(gts, proposals, proposal_nums=None, iou_thrs=0.5, logger=None, use_legacy_coordinate=False):
    """Recall of proposals.

    gts: per image a (n, 4) array (or None); proposals: per image a (k, 4) or (k, 5) array (scored proposals are
    sorted by score first). Returns recalls of shape (len(proposal_nums), len(iou_thrs)).
    """
    if len(gts) != len(proposals):
        raise ValueError(f'eval_recalls: {len(gts)} images of gts but {len(proposals)} of proposals')
    proposal_nums, iou_thrs = set_recall_param(proposal_nums, iou_thrs)
    all_ious = []
    for i, (gt, props) in enumerate(zip(gts, proposals)):
        props = np.asarray(props)
        if props.ndim == 2 and props.shape[1] == 5:
            props = props[np.argsort(props[:, 4])[::-1], :]
        n = min(props.shape[0], int(proposal_nums[-1]))
        if gt is None or gt.shape[0] == 0:
            ious = np.zeros((0, props.shape[0]), dtype=np.float32)
        else:
            ious = bbox_overlaps(gt, props[:n, :4], use_legacy_coordinate=use_legacy_coordinate)
        all_ious.append(ious)
    recalls = _recalls(all_ious, proposal_nums, iou_thrs)
    print_recall_summary(recalls, proposal_nums, iou_thrs, logger=logger)
    return recalls


def print_recall_summary(recalls, proposal_nums, iou_thrs, row_idxs=None, col_idxs=None, logger=None):
    """Table of recalls: one row per proposal number, one column per IoU threshold."""
    if logger == 'silent':
        return
    proposal_nums = np.array(proposal_nums, dtype=np.int32)
    iou_thrs = np.array(iou_thrs)
    row_idxs = np.arange(proposal_nums.size) if row_idxs is None else row_idxs
    col_idxs = np.arange(iou_thrs.size) if col_idxs is None else col_idxs
    rows = [[''] + iou_thrs[col_idxs].tolist()]
    for i, num in enumerate(proposal_nums[row_idxs]):
        rows.append([int(num)] + [f'{v:.3f}' for v in recalls[row_idxs[i], col_idxs]])
    print_log('\n' + ascii_table(rows), logger=logger)


def plot_num_recall(recalls, proposal_nums):
    """Recall against the number of proposals (one IoU threshold per call)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot(np.asarray(proposal_nums), np.asarray(recalls))
    ax.set(xlabel='Proposal num', ylabel='Recall', ylim=(0, 1))
    return fig


def plot_iou_recall(recalls, iou_thrs):
    """Recall against the IoU threshold (one proposal number per call)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot(np.asarray(iou_thrs), np.asarray(recalls))
    ax.set(xlabel='IoU', ylabel='Recall', xlim=(float(np.min(iou_thrs)), 1), ylim=(0, 1))
    return fig
