"""Non-maximum suppression family with mmcv 1.x semantics: `nms`, `soft_nms`, `batched_nms`, `nms_match`.

CPU: torchvision's compiled NMS (offset 1 is handled exactly by shifting x2/y2 in float64, see `_nms_index_cpu`); from
2048 boxes on, the same keep list from the sparse overlap graph (`_nms_sparse`, several times faster); vectorised
torch for soft-NMS (one Python step per *kept* box) and nms_match. CUDA: `cuda/nms.cu`, a bitmask kernel
plus an on-device reduction kernel, so the whole suppression runs without a per-box host round trip.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from workbench.ops import _cpu_parallel, _cuda, _nms_sparse

_NMS_THREADS = 64  # one uint64 mask word per 64 boxes


# --------------------------------------------------------------------------------------------------------------------
# input handling

def _to_tensor(x, name: str, fn: str) -> tuple[torch.Tensor, bool]:
    if isinstance(x, np.ndarray):
        return torch.from_numpy(x), True
    if isinstance(x, torch.Tensor):
        return x, False
    raise TypeError(f'{fn}: {name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}')


def _check_boxes(boxes: torch.Tensor, scores: torch.Tensor, fn: str, box_dim=(4,)):
    if boxes.dim() != 2 or boxes.size(1) not in box_dim:
        if not (boxes.numel() == 0):
            raise ValueError(f'{fn}: boxes must have shape (N, {"|".join(map(str, box_dim))}), got '
                             f'{tuple(boxes.shape)}')
    if scores.dim() != 1 or scores.size(0) != boxes.size(0):
        raise ValueError(f'{fn}: scores must have shape (N,) with N = boxes.size(0) = {boxes.size(0)}, got '
                         f'{tuple(scores.shape)}')


def _iou_thr_alias(kwargs: dict, fn: str) -> None:
    if 'iou_thr' in kwargs:  # mmcv's deprecated spelling, still found in old configs
        warnings.warn(f'{fn}: "iou_thr" is deprecated, use "iou_threshold"', DeprecationWarning, stacklevel=3)
        kwargs['iou_threshold'] = kwargs.pop('iou_thr')


# --------------------------------------------------------------------------------------------------------------------
# plain NMS

def _nms_index_cpu(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float, offset: int) -> torch.Tensor:
    import torchvision
    # the kernel has no half types (CPU autocast gives bfloat16): decide in float32, as on CUDA
    if boxes.dtype in (torch.float16, torch.bfloat16):
        boxes = boxes.float()
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.float()
    if offset:
        # torchvision has no offset. In float64 the shifted widths (x2 + 1) - x1 are exactly x2 - x1 + 1 for
        # float32 inputs, so suppression decisions equal mmcv's offset=1 kernel.
        b = boxes.double()
        boxes, scores = torch.cat([b[:, :2], b[:, 2:] + offset], dim=1), scores.double()
    if _nms_sparse.applicable(boxes, iou_threshold):
        return _nms_sparse.nms_index(boxes, scores, float(iou_threshold))
    # the registered kernel itself (importing torchvision registers it): torchvision.ops.nms only adds API-usage
    # logging around it, which per-category calls would pay many times
    return torch.ops.torchvision.nms(boxes, scores, float(iou_threshold))


def _nms_index_cuda(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float, offset: int,
                    ge: bool = False) -> torch.Tensor:
    """Indices kept by greedy NMS, computed entirely on the GPU. `ge` suppresses at IoU >= thr (nms_match)."""
    n = boxes.size(0)
    if n == 0:
        return torch.empty(0, dtype=torch.long, device=boxes.device)
    compute_dtype = torch.float64 if boxes.dtype == torch.float64 else torch.float32
    order = torch.sort(scores, descending=True, stable=True).indices
    sorted_boxes = boxes.index_select(0, order).to(compute_dtype).contiguous()
    col_blocks = (n + _NMS_THREADS - 1) // _NMS_THREADS
    mask = torch.empty((n, col_blocks), dtype=torch.int64, device=boxes.device)
    launch = _cuda.KernelLauncher('nms.cu', sorted_boxes)
    sfx = _cuda.dtype_suffix(compute_dtype)
    launch(f'nms_mask_{sfx}', (col_blocks, col_blocks), (_NMS_THREADS,),
           (sorted_boxes, mask, _cuda.i32(n), _cuda.scalar_for(compute_dtype, iou_threshold), _cuda.i32(offset),
            _cuda.i32(int(ge))))
    remv = torch.zeros(col_blocks, dtype=torch.int64, device=boxes.device)
    keep_flags = torch.zeros(n, dtype=torch.uint8, device=boxes.device)
    launch('nms_reduce', (1,), (1024,), (mask, remv, keep_flags, _cuda.i32(n), _cuda.i32(col_blocks)))
    # one device->host sync here, for the output size; never one per box
    return order[keep_flags.nonzero().squeeze(1)]


def _nms_index(boxes, scores, iou_threshold, offset):
    if boxes.is_cuda:
        return _nms_index_cuda(boxes, scores, iou_threshold, offset)
    return _nms_index_cpu(boxes, scores, iou_threshold, offset)


def nms(boxes, scores, iou_threshold: float | None = None, offset: int = 0, score_threshold: float = 0,
        max_num: int = -1, **kwargs):
    """Greedy NMS. Returns `(dets, keep)`: dets (K, 5) = kept boxes and scores in descending score order, keep (K,)
    their indices in the input. Numpy in gives numpy out. Suppresses a box when IoU > iou_threshold with a kept box;
    boxes with score <= score_threshold are dropped first (when score_threshold > 0); at most max_num are kept."""
    _iou_thr_alias(kwargs, 'nms')
    if 'iou_threshold' in kwargs:
        iou_threshold = kwargs.pop('iou_threshold')
    if kwargs:
        raise TypeError(f'nms: unexpected arguments {sorted(kwargs)}')
    if iou_threshold is None:
        raise TypeError('nms: iou_threshold is required')
    boxes_t, is_numpy = _to_tensor(boxes, 'boxes', 'nms')
    scores_t, _ = _to_tensor(scores, 'scores', 'nms')
    _check_boxes(boxes_t, scores_t, 'nms')
    if offset not in (0, 1):
        raise ValueError(f'nms: offset must be 0 or 1, got {offset!r}')
    boxes_t = boxes_t.reshape(-1, 4)
    if score_threshold > 0:
        valid = torch.nonzero(scores_t > score_threshold).squeeze(1)
        inds = valid[_nms_index(boxes_t[valid], scores_t[valid], iou_threshold, offset)]
    else:
        inds = _nms_index(boxes_t, scores_t, iou_threshold, offset)
    if max_num > 0:
        inds = inds[:max_num]
    # index_select gathers faster than advanced indexing (about 40% at 1k-20k boxes)
    dets = torch.cat([boxes_t.index_select(0, inds), scores_t.index_select(0, inds).reshape(-1, 1).to(boxes_t.dtype)],
                     dim=1)
    if is_numpy:
        return dets.cpu().numpy(), inds.cpu().numpy()
    return dets, inds


# --------------------------------------------------------------------------------------------------------------------
# soft-NMS

_SOFT_METHODS = {'naive': 0, 'linear': 1, 'gaussian': 2}


def _soft_nms_cpu(boxes: np.ndarray, scores: np.ndarray, iou_threshold, sigma, min_score, method, offset):
    """mmcv's soft-NMS (CPU semantics) with one Python step per kept box and vectorised (numpy) inner work.

    mmcv keeps the candidates in an array; each step swaps the best one to the front, decays the rest, and drops a
    decayed box by moving the *last* candidate into its slot. That order decides ties between equal scores, so it is
    reproduced exactly here (see `_compact`). numpy rather than torch: per-step array ops on a few thousand
    elements are dominated by call overhead, which is several times lower in numpy. Arithmetic stays in the input's
    float type, as in mmcv's kernel.
    """
    ft = boxes.dtype.type
    x1, y1, x2, y2 = (np.ascontiguousarray(boxes[:, k]) for k in range(4))
    off = ft(offset)
    areas = (x2 - x1 + off) * (y2 - y1 + off)
    cand = np.arange(boxes.shape[0])       # candidate original indices, in mmcv's array order
    sc = scores.copy()                     # their current (decayed) scores, same order
    keep_idx, keep_sc = [], []
    thr, sig, floor_score, one, zero = ft(iou_threshold), ft(sigma), ft(min_score), ft(1), ft(0)
    with np.errstate(invalid='ignore', divide='ignore'):  # zero-area boxes give 0/0 = nan, as in mmcv
        while cand.size:
            m = int(sc.argmax())               # first maximum in array order, like mmcv's strict '<' scan
            if m:
                cand[0], cand[m] = cand[m], cand[0]
                sc[0], sc[m] = sc[m], sc[0]
            i = int(cand[0])
            keep_idx.append(i)
            keep_sc.append(sc[0])
            cand, sc = cand[1:], sc[1:]
            if not cand.size:
                break
            w = np.minimum(x2[i], x2[cand]) - np.maximum(x1[i], x1[cand]) + off
            h = np.minimum(y2[i], y2[cand]) - np.maximum(y1[i], y1[cand]) + off
            inter = np.maximum(w, zero) * np.maximum(h, zero)
            ovr = inter / (areas[i] + areas[cand] - inter)
            if method == 0:
                weight = np.where(ovr >= thr, zero, one)
            elif method == 1:
                weight = np.where(ovr >= thr, one - ovr, one)
            else:
                weight = np.exp(-(ovr * ovr) / sig)
            sc = sc * weight.astype(sc.dtype, copy=False)
            cand, sc = _compact(cand, sc, sc >= floor_score)
    inds = np.asarray(keep_idx, dtype=np.int64)
    dets = np.concatenate([boxes[inds], np.asarray(keep_sc, dtype=boxes.dtype).reshape(-1, 1)], axis=1)
    return dets, inds


def _compact(cand, sc, alive):
    """Drop dead candidates the way mmcv does: scanning forward, each dead slot is refilled with the last remaining
    candidate. Net effect: survivors in the first `s` slots stay; holes there get the survivors from behind slot `s`
    in reverse order."""
    s = int(alive.sum())
    if s == alive.size:
        return cand, sc
    front = np.arange(alive.size) < s
    holes = np.flatnonzero(~alive & front)
    movers = np.flatnonzero(alive & ~front)[::-1]
    new_cand, new_sc = cand[:s].copy(), sc[:s].copy()
    new_cand[holes] = cand[movers]
    new_sc[holes] = sc[movers]
    return new_cand, new_sc


def soft_nms(boxes, scores, iou_threshold: float = 0.3, sigma: float = 0.5, min_score: float = 1e-3,
             method: str = 'linear', offset: int = 0, **kwargs):
    """Soft-NMS (Bodla et al.). method 'linear' (score *= 1 - IoU when IoU >= iou_threshold), 'gaussian'
    (score *= exp(-IoU^2 / sigma)) or 'naive' (hard suppression at IoU >= iou_threshold). Boxes whose decayed
    score falls below min_score are dropped. Returns `(dets, keep)` with the decayed scores in dets, in selection
    order; same type (and device) as the input. Runs on CPU, as mmcv's does (CUDA inputs are computed on CPU)."""
    _iou_thr_alias(kwargs, 'soft_nms')
    iou_threshold = kwargs.pop('iou_threshold', iou_threshold)
    if kwargs:
        raise TypeError(f'soft_nms: unexpected arguments {sorted(kwargs)}')
    boxes_t, is_numpy = _to_tensor(boxes, 'boxes', 'soft_nms')
    scores_t, _ = _to_tensor(scores, 'scores', 'soft_nms')
    _check_boxes(boxes_t, scores_t, 'soft_nms')
    if method not in _SOFT_METHODS:
        raise ValueError(f'soft_nms: method must be one of {sorted(_SOFT_METHODS)}, got {method!r}')
    if offset not in (0, 1):
        raise ValueError(f'soft_nms: offset must be 0 or 1, got {offset!r}')
    device, dtype = boxes_t.device, boxes_t.dtype
    b = boxes_t.detach().reshape(-1, 4).cpu()
    s = scores_t.detach().cpu().to(b.dtype)
    if b.dtype == torch.float16:
        b, s = b.float(), s.float()
    dets, inds = _soft_nms_cpu(b.numpy(), s.numpy(), float(iou_threshold), float(sigma), float(min_score),
                               _SOFT_METHODS[method], offset)
    if is_numpy:
        return dets, inds
    return torch.from_numpy(dets).to(device=device, dtype=dtype), torch.from_numpy(inds).to(device)


# --------------------------------------------------------------------------------------------------------------------
# batched NMS

_NMS_OPS = {'nms': nms, 'soft_nms': soft_nms}


# torchvision's CPU NMS scans every remaining box for every kept one, O(boxes x kept), while a call costs ~30 us on
# its own. After the category shift boxes of different categories never suppress each other, so the CPU splits the
# boxes into groups of whole categories, about this many boxes per group, and runs one NMS per group. Below twice
# that size one call is cheaper.
_BOXES_PER_NMS_CALL = 170
_CPU_PER_CLASS_MIN = 2 * _BOXES_PER_NMS_CALL
_BOXES_PER_THREAD = 1000  # below this a thread hand-off costs more than the NMS calls it would take over


def _per_class_nms_cpu(boxes_for_nms, scores, idxs, iou_threshold, offset=0, shifted=True):
    """Exactly the keep list of one NMS over the class-shifted boxes, computed a group of whole categories at a
    time: same shifted coordinates (so the same IoU arithmetic), merged in the single call's order (score
    descending, then index). Unshifted boxes (`shifted=False`) take one call per category."""
    order = torch.sort(idxs, stable=True).indices
    counts = torch.unique_consecutive(idxs[order], return_counts=True)[1]
    n = idxs.numel()
    groups = max(1, min(counts.numel(), round(n / _BOXES_PER_NMS_CALL)))
    if shifted and groups < counts.numel():
        class_ends = counts.cumsum(0)
        targets = torch.arange(1, groups + 1) * n // groups
        # cut after the first category whose cumulative count reaches each target; the last cut is at n
        cuts = torch.unique(class_ends[torch.searchsorted(class_ends, targets)])
        sizes = torch.diff(cuts, prepend=cuts.new_zeros(1)).tolist()
    else:
        sizes = counts.tolist()
    groups = torch.split(order, sizes)

    def run(first, last):  # a loop over groups of categories, not boxes
        return [members[_nms_index_cpu(boxes_for_nms[members], scores[members], iou_threshold, offset)]
                for members in groups[first:last]]
    # the kernel is single-threaded: the groups are shared out over torch's threads
    slices = _cpu_parallel.even_slices(len(groups), _cpu_parallel.split_count(n, _BOXES_PER_THREAD))
    kept = [k for part in _cpu_parallel.run_pieces(run, slices) for k in part]
    keep = torch.cat(kept) if kept else order[:0]
    keep = keep.sort().values  # index order, then a stable sort by score
    return keep[torch.sort(scores[keep], descending=True, stable=True).indices]


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, nms_cfg: dict | None,
                class_agnostic: bool = False):
    """NMS run independently per category `idxs`, in one call: every box is shifted by idx * (max coordinate + 1)
    so boxes of different categories cannot overlap. With more than `split_thr` boxes (default 10000) it runs NMS
    category by category instead (less memory). `nms_cfg=None` skips NMS and returns the boxes sorted by score.

    nms_cfg: dict(type='nms'|'soft_nms', iou_threshold=..., [split_thr, class_agnostic, max_num, other op args]).
    Returns `(dets, keep)`: dets (K, 5) = (x1, y1, x2, y2, score after NMS), keep (K,) indices into `boxes`.
    """
    if not isinstance(boxes, torch.Tensor) or not isinstance(scores, torch.Tensor) or not isinstance(idxs,
                                                                                                     torch.Tensor):
        raise TypeError('batched_nms: boxes, scores and idxs must be torch.Tensors')
    if boxes.size(0) != scores.size(0) or boxes.size(0) != idxs.size(0):
        raise ValueError(f'batched_nms: boxes {tuple(boxes.shape)}, scores {tuple(scores.shape)} and idxs '
                         f'{tuple(idxs.shape)} must have the same length')
    if nms_cfg is None:
        scores, inds = scores.sort(descending=True)
        return torch.cat([boxes[inds], scores[:, None]], -1), inds
    cfg = dict(nms_cfg)
    class_agnostic = cfg.pop('class_agnostic', class_agnostic)
    if boxes.size(-1) != 4:
        raise ValueError(f'batched_nms: boxes must be (N, 4) (rotated boxes are not supported), got '
                         f'{tuple(boxes.shape)}')
    if class_agnostic:
        boxes_for_nms = boxes
    else:
        if boxes.numel():
            max_coordinate = boxes.max()
            offsets = idxs.to(boxes) * (max_coordinate + torch.tensor(1).to(boxes))
            boxes_for_nms = boxes + offsets[:, None]
        else:
            boxes_for_nms = boxes
    nms_type = cfg.pop('type', 'nms')
    if nms_type not in _NMS_OPS:
        raise ValueError(f'batched_nms: nms_cfg type {nms_type!r} is not supported; use one of {sorted(_NMS_OPS)}')
    nms_op = _NMS_OPS[nms_type]
    _iou_thr_alias(cfg, 'batched_nms')
    split_thr = cfg.pop('split_thr', 10000)
    if boxes_for_nms.size(0) < split_thr:
        if (nms_op is nms and not class_agnostic and not boxes.is_cuda and boxes.size(0) > _CPU_PER_CLASS_MIN
                and set(cfg) <= {'iou_threshold', 'offset'}):
            keep = _per_class_nms_cpu(boxes_for_nms, scores, idxs, **cfg)
            scores = scores.index_select(0, keep)
        else:
            dets, keep = nms_op(boxes_for_nms, scores, **cfg)
            scores = dets[:, -1]
        boxes = boxes.index_select(0, keep)
    elif nms_op is nms and not boxes.is_cuda and set(cfg) <= {'iou_threshold', 'offset', 'max_num'}:
        # mmcv's large-input path, per category, with one sort instead of a mask per category
        max_num = cfg.pop('max_num', -1)
        keep = _per_class_nms_cpu(boxes_for_nms, scores, idxs, **cfg, shifted=not class_agnostic)
        if max_num > 0:
            keep = keep[:max_num]
        boxes, scores = boxes.index_select(0, keep), scores.index_select(0, keep)
    else:
        max_num = cfg.pop('max_num', -1)
        total_mask = scores.new_zeros(scores.size(), dtype=torch.bool)
        scores_after_nms = scores.new_zeros(scores.size())
        for cls in torch.unique(idxs):  # a loop over categories, not boxes
            mask = (idxs == cls).nonzero().view(-1)
            dets, keep = nms_op(boxes_for_nms[mask], scores[mask], **cfg)
            total_mask[mask[keep]] = True
            scores_after_nms[mask[keep]] = dets[:, -1].to(scores_after_nms.dtype)
        keep = total_mask.nonzero().view(-1)
        scores, inds = scores_after_nms[keep].sort(descending=True)
        keep = keep[inds]
        boxes = boxes[keep]
        if max_num > 0:
            keep, boxes, scores = keep[:max_num], boxes[:max_num], scores[:max_num]
    return torch.cat([boxes, scores[:, None].to(boxes.dtype)], -1), keep


# --------------------------------------------------------------------------------------------------------------------
# nms_match

def _float_below(x: float, dtype: torch.dtype) -> float:
    """The largest value of `dtype` below x: `iou >= t` equals `iou > _float_below(t)` for iou of that dtype."""
    t = torch.tensor(x, dtype=dtype)
    return float(torch.nextafter(t, torch.tensor(-math.inf, dtype=dtype)))


def nms_match(dets, iou_threshold: float):
    """Greedy NMS that also records which boxes each kept box suppressed (IoU >= iou_threshold). Returns a list of
    groups, one per kept box in descending score order: [kept index, suppressed indices in score order...].
    Tensors in, list of LongTensors out; ndarray in, list of int arrays out."""
    dets_t, is_numpy = _to_tensor(dets, 'dets', 'nms_match')
    if dets_t.size(0) == 0:
        return []
    if dets_t.dim() != 2 or dets_t.size(1) != 5:
        raise ValueError(f'nms_match: dets must have shape (N, 5) = boxes and scores, got {tuple(dets_t.shape)}')
    d = dets_t.detach().cpu()
    if d.dtype == torch.float16:
        d = d.float()
    boxes, scores = d[:, :4], d[:, 4]
    n = d.size(0)
    order = torch.sort(scores, descending=True, stable=True).indices
    keep = _nms_index_cpu(boxes, scores, _float_below(float(iou_threshold), torch.float32
                                                      if d.dtype != torch.float64 else torch.float64), 0)
    rank = torch.empty(n, dtype=torch.long)
    rank[order] = torch.arange(n)
    # each suppressed box belongs to the first kept box (in score order) that overlaps it by >= thr
    kept_rank = rank[keep]                                    # ascending
    owner = torch.full((n,), -1, dtype=torch.long)
    owner[keep] = torch.arange(keep.numel())
    is_kept = owner >= 0
    others = torch.nonzero(~is_kept).squeeze(1)
    thr = torch.tensor(iou_threshold, dtype=boxes.dtype)
    chunk = max(1, (1 << 24) // max(1, keep.numel()))
    for start in range(0, others.numel(), chunk):      # chunks bound memory; not a per-box loop
        o = others[start:start + chunk]
        ious = _nms_sparse.pairwise_iou(boxes[keep], boxes[o])
        hit = (ious >= thr) & (kept_rank[:, None] < rank[o][None, :])
        owner[o] = torch.argmax(hit.to(torch.uint8), dim=0)
    # sort all boxes by (group, rank): the kept box has the smallest rank in its group
    key = owner * n + rank
    srt = torch.argsort(key)
    counts = torch.bincount(owner, minlength=keep.numel()).tolist()
    groups = list(torch.split(srt, counts))
    if is_numpy:
        return [g.numpy().astype(int) for g in groups]
    return [g.to(dets_t.device) for g in groups]

