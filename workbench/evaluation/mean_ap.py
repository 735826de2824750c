"""VOC-style mean average precision (mmdet 2.x ``eval_map`` semantics).

Per class, detections of all images are matched to ground truth in descending score order (``tpfp_*``),
the cumulative true/false positives give a precision-recall curve, and AP is its area ('area', VOC2010+) or the
11-point interpolation ('11points', VOC2007).
"""
from multiprocessing import Pool

import numpy as np

from .bbox_overlaps import bbox_overlaps
from .class_names import get_classes
from .logging_utils import ascii_table, print_log


def average_precision(recalls, precisions, mode='area'):
    """AP of one or several (one row per scale range) precision-recall curves.

    recalls, precisions: (n,) or (num_scales, n). Returns a float32 scalar array or (num_scales,) array.
    """
    if mode not in ('area', '11points'):
        raise ValueError(f"average_precision: mode must be 'area' or '11points', got {mode!r}")
    single = recalls.ndim == 1
    recalls = np.atleast_2d(recalls)
    precisions = np.atleast_2d(precisions)
    num_scales = recalls.shape[0]
    ap = np.zeros(num_scales, dtype=np.float32)
    if mode == 'area':
        # pad the curve with recall 0 and 1, make precision monotonically non-increasing from the right, then sum
        # rectangle areas where recall changes
        mrec = np.hstack((np.zeros((num_scales, 1), recalls.dtype), recalls, np.ones((num_scales, 1), recalls.dtype)))
        mpre = np.hstack((np.zeros((num_scales, 1), precisions.dtype), precisions,
                          np.zeros((num_scales, 1), precisions.dtype)))
        mpre = np.flip(np.maximum.accumulate(np.flip(mpre, axis=1), axis=1), axis=1)
        for s in range(num_scales):
            idx = np.where(mrec[s, 1:] != mrec[s, :-1])[0]
            ap[s] = np.sum((mrec[s, idx + 1] - mrec[s, idx]) * mpre[s, idx + 1])
    else:
        for s in range(num_scales):
            for thr in np.arange(0, 1 + 1e-3, 0.1):
                precs = precisions[s, recalls[s, :] >= thr]
                ap[s] += precs.max() if precs.size > 0 else 0
        ap /= 11
    return ap[0] if single else ap


def _box_areas(bboxes, extra):
    return (bboxes[:, 2] - bboxes[:, 0] + extra) * (bboxes[:, 3] - bboxes[:, 1] + extra)


def _stack_gts(gt_bboxes, gt_bboxes_ignore):
    if gt_bboxes_ignore is None:
        gt_bboxes_ignore = np.zeros((0, 4), dtype=np.float32)
    is_ignore = np.concatenate((np.zeros(gt_bboxes.shape[0], dtype=bool),
                                np.ones(gt_bboxes_ignore.shape[0], dtype=bool)))
    return np.vstack((gt_bboxes, gt_bboxes_ignore)), is_ignore


def _all_fp(det_bboxes, area_ranges, extra):
    """tp/fp when an image has no gt of the class: every detection (inside the area range) is a false positive."""
    num_scales = len(area_ranges)
    tp = np.zeros((num_scales, det_bboxes.shape[0]), dtype=np.float32)
    fp = np.zeros_like(tp)
    if area_ranges == [(None, None)]:
        fp[...] = 1
    else:
        det_areas = _box_areas(det_bboxes, extra)
        for k, (lo, hi) in enumerate(area_ranges):
            fp[k, (det_areas >= lo) & (det_areas < hi)] = 1
    return tp, fp


def _gt_area_ignore(gt_bboxes, lo, hi, extra):
    if lo is None:
        return np.zeros(gt_bboxes.shape[0], dtype=bool)
    areas = _box_areas(gt_bboxes, extra)
    return (areas < lo) | (areas >= hi)


def _det_in_range(det_bbox, lo, hi, extra):
    area = (det_bbox[2] - det_bbox[0] + extra) * (det_bbox[3] - det_bbox[1] + extra)
    return lo <= area < hi


def tpfp_default(det_bboxes, gt_bboxes, gt_bboxes_ignore=None, iou_thr=0.5, area_ranges=None,
                 use_legacy_coordinate=False, **kwargs):
    """True/false positives of one image and one class (PASCAL VOC matching).

    A detection is a true positive if its best-overlap gt has IoU >= iou_thr, is not ignored and not yet taken by a
    higher-scoring detection; detections matched to ignored gts (or gts outside the area range) count as neither.
    Returns tp, fp of shape (num_scales, num_dets), float32.
    """
    extra = 1. if use_legacy_coordinate else 0.
    gts, is_ignore = _stack_gts(gt_bboxes, gt_bboxes_ignore)
    area_ranges = area_ranges if area_ranges is not None else [(None, None)]
    if gts.shape[0] == 0:
        return _all_fp(det_bboxes, area_ranges, extra)
    num_dets = det_bboxes.shape[0]
    tp = np.zeros((len(area_ranges), num_dets), dtype=np.float32)
    fp = np.zeros_like(tp)
    ious = bbox_overlaps(det_bboxes, gts, use_legacy_coordinate=use_legacy_coordinate)
    ious_max = ious.max(axis=1)
    ious_argmax = ious.argmax(axis=1)
    order = np.argsort(-det_bboxes[:, -1])
    for k, (lo, hi) in enumerate(area_ranges):
        taken = np.zeros(gts.shape[0], dtype=bool)
        out_of_range = _gt_area_ignore(gts, lo, hi, extra)
        for i in order:
            if ious_max[i] >= iou_thr:
                g = ious_argmax[i]
                if is_ignore[g] or out_of_range[g]:
                    continue
                if taken[g]:
                    fp[k, i] = 1
                else:
                    taken[g] = True
                    tp[k, i] = 1
            elif lo is None or _det_in_range(det_bboxes[i], lo, hi, extra):
                fp[k, i] = 1
    return tp, fp


def tpfp_imagenet(det_bboxes, gt_bboxes, gt_bboxes_ignore=None, default_iou_thr=0.5, area_ranges=None,
                  use_legacy_coordinate=False, **kwargs):
    """ImageNet DET/VID matching: per-gt IoU threshold min(0.5, wh / ((w + 10)(h + 10))) so small objects are
    matched more leniently, and each detection takes the best still-free gt above its threshold."""
    extra = 1. if use_legacy_coordinate else 0.
    gts, is_ignore = _stack_gts(gt_bboxes, gt_bboxes_ignore)
    area_ranges = area_ranges if area_ranges is not None else [(None, None)]
    if gts.shape[0] == 0:
        return _all_fp(det_bboxes, area_ranges, extra)
    num_dets, num_gts = det_bboxes.shape[0], gts.shape[0]
    tp = np.zeros((len(area_ranges), num_dets), dtype=np.float32)
    fp = np.zeros_like(tp)
    # ImageNet ground truth is in the inclusive pixel convention; shifting by 1 is what the reference does
    ious = bbox_overlaps(det_bboxes, gts - 1, use_legacy_coordinate=use_legacy_coordinate)
    gt_w = gts[:, 2] - gts[:, 0] + extra
    gt_h = gts[:, 3] - gts[:, 1] + extra
    thrs = np.minimum((gt_w * gt_h) / ((gt_w + 10.0) * (gt_h + 10.0)), default_iou_thr)
    order = np.argsort(-det_bboxes[:, -1])
    for k, (lo, hi) in enumerate(area_ranges):
        taken = np.zeros(num_gts, dtype=bool)
        out_of_range = np.zeros(num_gts, dtype=bool) if lo is None else ((gt_w * gt_h < lo) | (gt_w * gt_h >= hi))
        for i in order:
            best, match = -1, -1
            for j in range(num_gts):
                if not taken[j] and ious[i, j] >= thrs[j] and ious[i, j] > best:
                    best, match = ious[i, j], j
            if match >= 0:
                taken[match] = True
                if not (is_ignore[match] or out_of_range[match]):
                    tp[k, i] = 1
            elif lo is None or _det_in_range(det_bboxes[i], lo, hi, extra):
                fp[k, i] = 1
    return tp, fp


def tpfp_openimages(det_bboxes, gt_bboxes, gt_bboxes_ignore=None, iou_thr=0.5, area_ranges=None,
                    use_legacy_coordinate=False, gt_bboxes_group_of=None, use_group_of=True, ioa_thr=0.5,
                    **kwargs):
    """Open Images matching with group-of boxes.

    Detections are first matched to the ordinary gts by IoU (as ``tpfp_default``). Detections left unmatched are
    then matched to group-of gts by IoA (intersection over the detection's area) >= ``ioa_thr``: every group-of gt
    hit at least once becomes ONE true positive carrying the highest score among its detections, the detections
    absorbed into a group are dropped, and a group-of gt that nothing hit adds a zero-score false positive (ranked
    last). Returns tp, fp and the detections that remain, whose scores define the ranking.
    """
    extra = 1. if use_legacy_coordinate else 0.
    area_ranges = area_ranges if area_ranges is not None else [(None, None)]
    num_scales = len(area_ranges)
    gts, is_ignore = _stack_gts(gt_bboxes, gt_bboxes_ignore)
    if gts.shape[0] == 0:
        tp, fp = _all_fp(det_bboxes, area_ranges, extra)
        return tp, fp, det_bboxes
    if gt_bboxes_group_of is not None and use_group_of:
        group = np.concatenate((np.asarray(gt_bboxes_group_of, dtype=bool),
                                np.zeros(gts.shape[0] - len(gt_bboxes_group_of), dtype=bool)))
    else:
        group = np.zeros(gts.shape[0], dtype=bool)
    plain_gts, plain_ignore = gts[~group], is_ignore[~group]
    group_gts, group_ignore = gts[group], is_ignore[group]
    num_dets = det_bboxes.shape[0]
    tp = np.zeros((num_scales, num_dets), dtype=np.float32)
    fp = np.zeros_like(tp)
    order = np.argsort(-det_bboxes[:, -1])
    if plain_gts.shape[0] > 0:
        ious = bbox_overlaps(det_bboxes, plain_gts, use_legacy_coordinate=use_legacy_coordinate)
        ious_max, ious_argmax = ious.max(axis=1), ious.argmax(axis=1)
        for k, (lo, hi) in enumerate(area_ranges):
            taken = np.zeros(plain_gts.shape[0], dtype=bool)
            out_of_range = _gt_area_ignore(plain_gts, lo, hi, extra)
            for i in order:
                if ious_max[i] >= iou_thr:
                    g = ious_argmax[i]
                    if plain_ignore[g] or out_of_range[g]:
                        continue
                    if taken[g]:
                        fp[k, i] = 1
                    else:
                        taken[g], tp[k, i] = True, 1
                elif lo is None or _det_in_range(det_bboxes[i], lo, hi, extra):
                    fp[k, i] = 1
    else:
        for k, (lo, hi) in enumerate(area_ranges):
            for i in range(num_dets):
                if lo is None or _det_in_range(det_bboxes[i], lo, hi, extra):
                    fp[k, i] = 1
    if group_gts.shape[0] == 0:
        return tp, fp, det_bboxes
    ioas = bbox_overlaps(det_bboxes, group_gts, mode='iof', use_legacy_coordinate=use_legacy_coordinate)
    ioas_max, ioas_argmax = ioas.max(axis=1), ioas.argmax(axis=1)
    if num_scales > 1:
        # the detection list is reshaped per scale below; the reference only supports one scale here as well
        raise ValueError('tpfp_openimages: group-of evaluation supports a single scale range only')
    lo, hi = area_ranges[0]
    out_of_range = _gt_area_ignore(group_gts, lo, hi, extra)
    group_hit = np.zeros(group_gts.shape[0], dtype=bool)
    group_det = np.zeros((group_gts.shape[0], det_bboxes.shape[1]), dtype=det_bboxes.dtype)
    absorbed = np.zeros(num_dets, dtype=bool)
    for i in order:
        if tp[0, i]:
            continue
        g = ioas_argmax[i]
        if ioas_max[i] >= ioa_thr and not (group_ignore[g] or out_of_range[g]):
            absorbed[i] = True
            if not group_hit[g] or group_det[g, -1] < det_bboxes[i, -1]:
                group_det[g] = det_bboxes[i]
            group_hit[g] = True
    # one row per group-of gt: a tp carrying its best detection, or (never hit) a zero-score fp, as the reference
    # does; the zero-score rows rank last and so do not change AP
    tp = np.concatenate((tp[0][~absorbed], group_hit.astype(np.float32)))[None]
    fp = np.concatenate((fp[0][~absorbed], (~group_hit).astype(np.float32)))[None]
    dets = np.concatenate((det_bboxes[~absorbed], group_det))
    return tp, fp, dets


def get_cls_results(det_results, annotations, class_id):
    """Detections, gts and ignored gts of one class, per image."""
    cls_dets = [img_res[class_id] for img_res in det_results]
    cls_gts, cls_gts_ignore = [], []
    for ann in annotations:
        cls_gts.append(ann['bboxes'][ann['labels'] == class_id, :])
        if ann.get('labels_ignore', None) is not None:
            cls_gts_ignore.append(ann['bboxes_ignore'][ann['labels_ignore'] == class_id, :])
        else:
            cls_gts_ignore.append(np.empty((0, 4), dtype=np.float32))
    return cls_dets, cls_gts, cls_gts_ignore


def get_cls_group_ofs(annotations, class_id):
    """Per image, the group-of flags of the gts of one class (all False when an annotation has none)."""
    out = []
    for ann in annotations:
        sel = ann['labels'] == class_id
        if ann.get('gt_is_group_ofs', None) is not None:
            out.append(np.asarray(ann['gt_is_group_ofs'], dtype=bool)[sel])
        else:
            out.append(np.zeros(int(sel.sum()), dtype=bool))
    return out


def _check_inputs(det_results, annotations):
    if len(det_results) != len(annotations):
        raise ValueError(f'eval_map: {len(det_results)} detection results but {len(annotations)} annotations')
    if len(det_results) == 0:
        raise ValueError('eval_map: no images to evaluate')
    num_classes = len(det_results[0])
    for i, (res, ann) in enumerate(zip(det_results, annotations)):
        if len(res) != num_classes:
            raise ValueError(f'eval_map: image {i} has results for {len(res)} classes, image 0 for {num_classes}')
        for key in ('bboxes', 'labels'):
            if key not in ann:
                raise KeyError(f"eval_map: annotation of image {i} has no '{key}' (keys: {sorted(ann)})")
    return num_classes


def eval_map(det_results, annotations, scale_ranges=None, iou_thr=0.5, ioa_thr=None, dataset=None, logger=None,
             tpfp_fn=None, nproc=4, use_legacy_coordinate=False, use_group_of=False, eval_mode='area'):
    """Mean AP of detections against annotations (mmdet 2.x semantics).

    det_results: per image, a list per class of (n, 5) arrays [x1, y1, x2, y2, score].
    annotations: per image, a dict with 'bboxes' (m, 4), 'labels' (m,), optionally 'bboxes_ignore',
        'labels_ignore' and (Open Images) 'gt_is_group_ofs'.
    scale_ranges: [(min_size, max_size), ...]; boxes are binned by area in [min_size**2, max_size**2).
    eval_mode: 'area' or '11points'.
    Returns (mean_ap, eval_results): mean_ap a float (or a list per scale range), eval_results one dict per class
    with 'num_gts', 'num_dets', 'recall', 'precision', 'ap'.
    """
    num_classes = _check_inputs(det_results, annotations)
    num_imgs = len(det_results)
    extra = 1. if use_legacy_coordinate else 0.
    area_ranges = [(lo ** 2, hi ** 2) for lo, hi in scale_ranges] if scale_ranges is not None else None
    num_scales = len(scale_ranges) if scale_ranges is not None else 1
    nproc = max(1, min(nproc, num_imgs))
    # the tpfp functions are plain numpy: the platform's default start method (fork on Linux) is safe and fast
    pool = Pool(nproc) if nproc > 1 else None
    eval_results = []
    try:
        for c in range(num_classes):
            cls_dets, cls_gts, cls_gts_ignore = get_cls_results(det_results, annotations, c)
            fn = tpfp_fn
            if fn is None:
                if dataset in ('det', 'vid'):
                    fn = tpfp_imagenet
                elif dataset in ('oid_challenge', 'oid_v6') or use_group_of:
                    fn = tpfp_openimages
                else:
                    fn = tpfp_default
            extra_args = []
            if use_group_of:
                extra_args += [get_cls_group_ofs(annotations, c), [use_group_of] * num_imgs]
            if ioa_thr is not None:
                extra_args.append([ioa_thr] * num_imgs)
            args = list(zip(cls_dets, cls_gts, cls_gts_ignore, [iou_thr] * num_imgs, [area_ranges] * num_imgs,
                            [use_legacy_coordinate] * num_imgs, *extra_args))
            outs = pool.starmap(fn, args) if pool is not None else [fn(*a) for a in args]
            if len(outs[0]) == 3:
                tp, fp, cls_dets = zip(*outs)
            else:
                tp, fp = zip(*outs)
            num_gts = np.zeros(num_scales, dtype=int)
            for gt in cls_gts:
                if area_ranges is None:
                    num_gts[0] += gt.shape[0]
                else:
                    areas = _box_areas(gt, extra)
                    for k, (lo, hi) in enumerate(area_ranges):
                        num_gts[k] += np.sum((areas >= lo) & (areas < hi))
            cls_dets = np.vstack(cls_dets)
            order = np.argsort(-cls_dets[:, -1])
            tp = np.cumsum(np.hstack(tp)[:, order], axis=1)
            fp = np.cumsum(np.hstack(fp)[:, order], axis=1)
            eps = np.finfo(np.float32).eps
            recalls = tp / np.maximum(num_gts[:, None], eps)
            precisions = tp / np.maximum(tp + fp, eps)
            if scale_ranges is None:
                recalls, precisions, num_gts = recalls[0], precisions[0], num_gts.item()
            eval_results.append(dict(num_gts=num_gts, num_dets=cls_dets.shape[0], recall=recalls,
                                     precision=precisions, ap=average_precision(recalls, precisions, eval_mode)))
    finally:
        if pool is not None:
            pool.close()
    if scale_ranges is not None:
        all_ap = np.vstack([r['ap'] for r in eval_results])
        all_num_gts = np.vstack([r['num_gts'] for r in eval_results])
        mean_ap = [all_ap[all_num_gts[:, k] > 0, k].mean() if np.any(all_num_gts[:, k] > 0) else 0.0
                   for k in range(num_scales)]
    else:
        aps = [r['ap'] for r in eval_results if r['num_gts'] > 0]
        mean_ap = np.array(aps).mean().item() if aps else 0.0
    print_map_summary(mean_ap, eval_results, dataset, area_ranges, logger=logger)
    return mean_ap, eval_results


def print_map_summary(mean_ap, results, dataset=None, scale_ranges=None, logger=None):
    """Print a per-class table (gts, dets, recall, ap) and the mAP, per scale range."""
    if logger == 'silent':
        return
    num_scales = len(results[0]['ap']) if isinstance(results[0]['ap'], np.ndarray) and results[0]['ap'].ndim else 1
    if scale_ranges is not None and len(scale_ranges) != num_scales:
        raise ValueError(f'print_map_summary: {len(scale_ranges)} scale ranges but results have {num_scales}')
    num_classes = len(results)
    recalls = np.zeros((num_scales, num_classes), dtype=np.float32)
    aps = np.zeros((num_scales, num_classes), dtype=np.float32)
    num_gts = np.zeros((num_scales, num_classes), dtype=int)
    for i, r in enumerate(results):
        if r['recall'].size > 0:
            recalls[:, i] = np.array(r['recall'], ndmin=2)[:, -1]
        aps[:, i] = r['ap']
        num_gts[:, i] = r['num_gts']
    if dataset is None:
        names = [str(i) for i in range(num_classes)]
    elif isinstance(dataset, str):
        names = get_classes(dataset)
    else:
        names = list(dataset)
    if not isinstance(mean_ap, list):
        mean_ap = [mean_ap]
    for s in range(num_scales):
        rows = [['class', 'gts', 'dets', 'recall', 'ap']]
        for j in range(num_classes):
            rows.append([names[j], num_gts[s, j], results[j]['num_dets'], f'{recalls[s, j]:.3f}',
                         f'{aps[s, j]:.3f}'])
        rows.append(['mAP', '', '', '', f'{mean_ap[s]:.3f}'])
        title = f'Scale range {scale_ranges[s]}' if scale_ranges is not None else None
        print_log('\n' + ascii_table(rows, title=title, footer_rows=1), logger=logger)
