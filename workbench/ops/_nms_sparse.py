"""Greedy NMS for thousands of boxes on CPU, exactly torchvision's keep list, from the sparse overlap graph.

torchvision's CPU kernel compares every kept box with every later box: O(kept x n), single-threaded (20k proposals:
~0.9 s). Suppression only ever happens between boxes that intersect, and in a real image each box intersects a
small neighbourhood. So:

1. Rank the boxes as torchvision does (stable descending sort of the scores) and work in rank order.
2. Prune: greedy NMS restricted to the top `_PRUNE` ranks is already final (a box's fate depends only on higher
   ranked boxes); every lower box that one of those kept boxes suppresses is dropped, and the step repeats while it
   removes at least a tenth of what is left. Heavily overlapping inputs, where torchvision itself is fast because a
   few kept boxes suppress almost everything, collapse here.
3. The remaining boxes' overlap graph (IoU > thr) is built block by block along x (sort by x1; a block's partners
   are the boxes whose x1 is left of the block's largest x2), with torch's vectorised ops on all threads.
4. Decide the graph in rounds: a box whose higher-ranked neighbours are all suppressed is kept, a box with a kept
   higher-ranked neighbour is suppressed. Whatever a few rounds leave undecided only depends on itself and on
   suppressed boxes, so torchvision's kernel finishes it on that subset.

The IoU arithmetic is the kernel's, operation for operation ((area_a + area_b) - inter, compared in float against
the double threshold), so decisions at the threshold agree bit for bit; tests compare keep lists with torchvision's,
ties and threshold-exact pairs included.
"""
from __future__ import annotations

import math

import torch

from workbench.ops._cpu_parallel import torchvision_ops

MIN_BOXES = 2048         # below this a single torchvision call is cheaper than building the graph
_PRUNE = 64              # top ranks decided per pruning step (step 2)
_PRUNE_PAYS = 0.9        # pruning repeats while a step removes at least a tenth of the remaining boxes
_BLOCK = 256             # rows of one block of step 3
_MAX_EDGES = 1 << 23     # graph size above which step 3 gives up and the kernel takes the rest (bounds memory)
_ROUNDS = 8
_MAX_TEMP = 1 << 22      # elements of one IoU temporary in step 2


def applicable(boxes: torch.Tensor, iou_threshold: float) -> bool:
    """Only boxes that intersect can suppress each other when thr >= 0 and every coordinate is finite."""
    return (boxes.size(0) >= MIN_BOXES and iou_threshold >= 0 and boxes.dtype in (torch.float32, torch.float64)
            and bool(torch.isfinite(boxes).all()))


def nms_index(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Indices kept by greedy NMS (IoU > iou_threshold suppresses), in torchvision's order: score descending, ties
    by index. Equal to `torch.ops.torchvision.nms(boxes, scores, iou_threshold)`."""
    n = boxes.size(0)
    order = torch.sort(scores, dim=0, descending=True, stable=True).indices
    ranked = boxes.index_select(0, order).contiguous()
    thr = _threshold_in(iou_threshold, boxes.dtype)

    kept, rest = [], torch.arange(n)
    while rest.numel():
        # the top block's greedy result is final; its kept boxes remove what they suppress from the rest
        top, rest = rest[:_PRUNE], rest[_PRUNE:]
        winners = top[_kernel_in_rank_order(ranked[top], iou_threshold)]
        kept.append(winners)
        if not rest.numel():
            break
        before = rest.numel()
        rest = rest[~_suppressed_by(ranked[winners], ranked[rest], thr)]
        if rest.numel() < MIN_BOXES or rest.numel() > _PRUNE_PAYS * before:
            break
    if rest.numel() >= MIN_BOXES:
        kept.append(rest[_decide_graph(ranked[rest], thr, iou_threshold)])
    elif rest.numel():
        kept.append(rest[_kernel_in_rank_order(ranked[rest], iou_threshold)])
    return order[torch.cat(kept)]


def _suppressed_by(winners: torch.Tensor, boxes: torch.Tensor, thr: torch.Tensor) -> torch.Tensor:
    step = max(1, _MAX_TEMP // max(1, winners.size(0)))  # bounds the (winners, boxes) IoU temporary
    return torch.cat([(pairwise_iou(winners, boxes[s:s + step]) > thr).any(0)
                      for s in range(0, boxes.size(0), step)])


def _threshold_in(thr: float, dtype: torch.dtype) -> torch.Tensor:
    """The largest `dtype` value <= thr: for IoUs of that dtype, `iou > it` is exactly the kernel's
    `(double) iou > thr`."""
    t = torch.tensor(thr, dtype=dtype)
    if float(t) > thr:
        t = torch.nextafter(t, torch.tensor(-math.inf, dtype=dtype))
    return t


def _kernel_in_rank_order(ranked: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """torchvision's kernel on boxes already in rank order (scores strictly decreasing, so no tie can reorder
    them); returns kept positions, ascending."""
    m = ranked.size(0)
    fake_scores = torch.arange(m, 0, -1, dtype=ranked.dtype)
    return torchvision_ops().nms(ranked, fake_scores, float(iou_threshold)).sort().values


def pairwise_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(len(a), len(b)) IoU with the NMS kernels' operation order (no offset; symmetric: + is commutative), so a
    comparison with a threshold decides as the kernels do (also used by `nms_match`)."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    w = (torch.minimum(a[:, None, 2], b[None, :, 2]) - torch.maximum(a[:, None, 0], b[None, :, 0])).clamp_(min=0)
    h = (torch.minimum(a[:, None, 3], b[None, :, 3]) - torch.maximum(a[:, None, 1], b[None, :, 1])).clamp_(min=0)
    inter = w.mul_(h)
    return inter.div_((area_a[:, None] + area_b[None, :]).sub_(inter))


def _overlap_edges(ranked: torch.Tensor, thr: torch.Tensor):
    """Pairs (higher, lower) of rank positions with IoU > thr, or None if there are more than `_MAX_EDGES`."""
    m = ranked.size(0)
    x1_sorted, by_x = torch.sort(ranked[:, 0])
    boxes = ranked.index_select(0, by_x)
    starts = list(range(0, m, _BLOCK))
    padded_x2 = torch.nn.functional.pad(boxes[:, 2], (0, len(starts) * _BLOCK - m), value=-math.inf)
    # partners of block [s, s + _BLOCK): from s up to the first box whose x1 is not left of the block's max x2
    ends = torch.searchsorted(x1_sorted, padded_x2.view(-1, _BLOCK).amax(1), side='left').tolist()
    src, dst, count = [], [], 0
    for s, hi in zip(starts, ends):  # a loop over blocks of boxes
        if hi <= s + 1:
            continue
        hit = pairwise_iou(boxes[s:s + _BLOCK], boxes[s:hi]) > thr
        hit.triu_(1)  # each pair once: partner position > row position
        rows, cols = torch.nonzero(hit, as_tuple=True)
        count += rows.numel()
        if count > _MAX_EDGES:
            return None
        src.append(rows + s)
        dst.append(cols + s)
    if not src:
        empty = torch.empty(0, dtype=torch.long)
        return empty, empty
    a, b = by_x[torch.cat(src)], by_x[torch.cat(dst)]
    return torch.minimum(a, b), torch.maximum(a, b)


def _decide_graph(ranked: torch.Tensor, thr: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Kept positions (ascending) of greedy NMS over `ranked` (rank order), via the overlap graph."""
    m = ranked.size(0)
    edges = _overlap_edges(ranked, thr)
    if edges is None:
        return _kernel_in_rank_order(ranked, iou_threshold)
    higher, lower = edges
    undecided, kept, suppressed = 0, 1, 2
    state = torch.zeros(m, dtype=torch.int8)
    for _ in range(_ROUNDS):
        # kept: undecided with no higher-ranked neighbour that is not suppressed; a box with a kept higher-ranked
        # neighbour is suppressed
        blocked = torch.bincount(lower[state[higher] != suppressed], minlength=m) > 0
        state[(state == undecided) & ~blocked] = kept
        hit = torch.zeros(m, dtype=torch.bool)
        hit[lower[state[higher] == kept]] = True
        state[hit & (state == undecided)] = suppressed
        live = state[lower] == undecided
        higher, lower = higher[live], lower[live]
        if not bool((state == undecided).any()):
            break
    rest = torch.nonzero(state == undecided).squeeze(1)
    if rest.numel():
        # their higher-ranked neighbours are undecided or suppressed: the kernel on this subset decides them exactly
        state[rest] = suppressed
        state[rest[_kernel_in_rank_order(ranked[rest], iou_threshold)]] = kept
    return torch.nonzero(state == kept).squeeze(1)
