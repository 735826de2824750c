"""Plain, loop-based reference implementations of every op in workbench.ops (like torchvision's `expected_fn`).

Written for clarity, straight from the mmcv 1.x semantics, with numpy scalars of the input's precision so rounding
follows the same float32/float64 arithmetic as the kernels. Slow: only for small test inputs, never imported by the
package.
"""
from __future__ import annotations

import math

import numpy as np
import torch


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _iou(a, b, offset):
    """IoU of two boxes (numpy scalars), mmcv's NMS arithmetic."""
    area_a = (a[2] - a[0] + offset) * (a[3] - a[1] + offset)
    area_b = (b[2] - b[0] + offset) * (b[3] - b[1] + offset)
    w = max(a.dtype.type(0), min(a[2], b[2]) - max(a[0], b[0]) + offset)
    h = max(a.dtype.type(0), min(a[3], b[3]) - max(a[1], b[1]) + offset)
    inter = w * h
    return inter / (area_a + area_b - inter)


def nms(boxes, scores, iou_threshold, offset=0, score_threshold=0, max_num=-1):
    b, s = _np(boxes), _np(scores)
    thr = b.dtype.type(iou_threshold)
    cand = [i for i in range(len(s)) if not (score_threshold > 0 and not s[i] > score_threshold)]
    cand.sort(key=lambda i: -s[i])  # Python's sort is stable: ties keep index order
    keep = []
    suppressed = set()
    for pos, i in enumerate(cand):
        if i in suppressed:
            continue
        keep.append(i)
        for j in cand[pos + 1:]:
            if j not in suppressed and _iou(b[i], b[j], offset) > thr:
                suppressed.add(j)
    if max_num > 0:
        keep = keep[:max_num]
    keep_t = torch.tensor(keep, dtype=torch.long)
    dets = torch.cat([boxes.cpu()[keep_t], scores.cpu()[keep_t].reshape(-1, 1)], 1)
    return dets, keep_t


def soft_nms(boxes, scores, iou_threshold=0.3, sigma=0.5, min_score=1e-3, method='linear', offset=0):
    """mmcv's soft-NMS, literally: an array of candidates, swap the best to the front, decay the rest, drop a
    decayed box by moving the last candidate into its slot."""
    b = [row.copy() for row in _np(boxes)]
    s = list(_np(scores).copy())
    ft = np.float32 if _np(boxes).dtype != np.float64 else np.float64
    idx = list(range(len(s)))
    n = len(s)
    i = 0
    thr = ft(iou_threshold)
    while i < n:
        m = i
        for pos in range(i + 1, n):
            if s[m] < s[pos]:
                m = pos
        b[i], b[m] = b[m], b[i]
        s[i], s[m] = s[m], s[i]
        idx[i], idx[m] = idx[m], idx[i]
        pos = i + 1
        while pos < n:
            ovr = _iou(b[i], b[pos], offset)
            if method == 'naive':
                weight = ft(0) if ovr >= thr else ft(1)
            elif method == 'linear':
                weight = ft(1) - ovr if ovr >= thr else ft(1)
            else:
                weight = ft(math.exp(-(float(ovr) * float(ovr)) / sigma)) if ft is np.float64 else \
                    np.exp(-(ovr * ovr) / ft(sigma))
            s[pos] = s[pos] * weight
            if s[pos] < min_score:
                last = n - 1
                b[pos], b[last] = b[last], b[pos]
                s[pos], s[last] = s[last], s[pos]
                idx[pos], idx[last] = idx[last], idx[pos]
                n -= 1
                continue
            pos += 1
        i += 1
    keep = torch.tensor(idx[:n], dtype=torch.long)
    dets = torch.tensor(np.concatenate([np.stack(b[:n]).reshape(-1, 4), np.array(s[:n]).reshape(-1, 1)], 1)
                        if n else np.zeros((0, 5)), dtype=boxes.dtype)
    return dets, keep


def batched_nms(boxes, scores, idxs, iou_threshold):
    """Per-category NMS (a loop over categories), merged and sorted by score (ties by index)."""
    keep = []
    for c in sorted(set(idxs.tolist())):
        members = [i for i in range(len(idxs)) if int(idxs[i]) == c]
        sel = torch.tensor(members, dtype=torch.long)
        _, k = nms(boxes[sel], scores[sel], iou_threshold)
        keep += [members[int(j)] for j in k]
    sc = scores.cpu()
    keep.sort(key=lambda i: (-float(sc[i]), i))
    keep_t = torch.tensor(keep, dtype=torch.long)
    return torch.cat([boxes.cpu()[keep_t], sc[keep_t].reshape(-1, 1)], 1), keep_t


def nms_match(dets, iou_threshold):
    d = _np(dets)
    thr = d.dtype.type(iou_threshold)
    order = sorted(range(len(d)), key=lambda i: -d[i, 4])
    suppressed = set()
    groups = []
    for pos, i in enumerate(order):
        if i in suppressed:
            continue
        group = [i]
        for j in order[pos + 1:]:
            if j not in suppressed and _iou(d[i, :4], d[j, :4], 0) >= thr:
                suppressed.add(j)
                group.append(j)
        groups.append(torch.tensor(group, dtype=torch.long))
    return groups


def bbox_overlaps(bboxes1, bboxes2, mode='iou', aligned=False, offset=0):
    b1, b2 = _np(bboxes1).astype(np.float64), _np(bboxes2).astype(np.float64)
    pairs = [(i, i) for i in range(len(b1))] if aligned else [(i, j) for i in range(len(b1)) for j in range(len(b2))]
    out = np.zeros(len(pairs))
    for k, (i, j) in enumerate(pairs):
        a, b = b1[i], b2[j]
        area1 = (a[2] - a[0] + offset) * (a[3] - a[1] + offset)
        area2 = (b[2] - b[0] + offset) * (b[3] - b[1] + offset)
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + offset)
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + offset)
        inter = w * h
        union = area1 + area2 - inter
        if mode == 'iof':
            out[k] = inter / max(area1, offset)
            continue
        iou = inter / max(union, offset)
        if mode == 'iou':
            out[k] = iou
        else:
            ew = max(0.0, max(a[2], b[2]) - min(a[0], b[0]) + offset)
            eh = max(0.0, max(a[3], b[3]) - min(a[1], b[1]) + offset)
            enclose = max(ew * eh, offset)
            out[k] = iou - (enclose - union) / enclose
    shape = (len(b1),) if aligned else (len(b1), len(b2))
    return torch.tensor(out.reshape(shape), dtype=bboxes1.dtype)


def _bilinear(fmap, y, x):
    """mmcv/detectron2 bilinear sample of fmap (C, H, W) at (y, x); 0 outside [-1, H] x [-1, W]."""
    _, h, w = fmap.shape
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return np.zeros(fmap.shape[0]), None
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= h - 1:
        y_low = y_high = h - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= w - 1:
        x_low = x_high = w - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    corners = [(y_low, x_low, hy * hx), (y_low, x_high, hy * lx), (y_high, x_low, ly * hx), (y_high, x_high, ly * lx)]
    val = sum(wt * fmap[:, yy, xx] for yy, xx, wt in corners)
    return val, corners


def roi_align(input, rois, output_size, spatial_scale=1.0, sampling_ratio=0, pool_mode='avg', aligned=True):
    """Returns (output, backward) where backward(grad_out) gives the input gradient (the sample weights route it)."""
    ph, pw = (output_size, output_size) if isinstance(output_size, int) else output_size
    feat = _np(input).astype(np.float64)
    r = _np(rois).astype(np.float64)
    n, c, h, w = feat.shape
    out = np.zeros((len(r), c, ph, pw))
    routes = {}  # (k, ph, pw) -> list over channels? store per-channel corner lists with weights
    off = 0.5 if aligned else 0.0
    for k in range(len(r)):
        bi = int(r[k, 0])
        x1, y1 = r[k, 1] * spatial_scale - off, r[k, 2] * spatial_scale - off
        rw, rh = r[k, 3] * spatial_scale - off - x1, r[k, 4] * spatial_scale - off - y1
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = sampling_ratio if sampling_ratio > 0 else max(int(math.ceil(rh / ph)), 0)
        gw = sampling_ratio if sampling_ratio > 0 else max(int(math.ceil(rw / pw)), 0)
        for i in range(ph):
            for j in range(pw):
                samples = []
                for iy in range(gh):
                    y = y1 + i * bh + (iy + 0.5) * bh / gh
                    for ix in range(gw):
                        x = x1 + j * bw + (ix + 0.5) * bw / gw
                        samples.append(_bilinear(feat[bi], y, x))
                if pool_mode == 'avg':
                    cnt = max(gh * gw, 1)
                    out[k, :, i, j] = sum((v for v, _ in samples), np.zeros(c)) / cnt
                    routes[k, i, j] = [(cs, 1.0 / cnt, None) for _, cs in samples]
                else:
                    if not samples:
                        continue  # empty bin -> 0
                    vals = np.stack([v for v, _ in samples])  # (S, C)
                    best = vals.argmax(0)
                    out[k, :, i, j] = vals[best, np.arange(c)]
                    routes[k, i, j] = [(samples[s][1], 1.0, best == s) for s in range(len(samples))]

    def backward(grad_out):
        g = _np(grad_out).astype(np.float64)
        gi = np.zeros_like(feat)
        for (k, i, j), lst in routes.items():
            bi = int(r[k, 0])
            for corners, scale, chan_mask in lst:
                if corners is None:
                    continue
                gv = g[k, :, i, j] * scale
                if chan_mask is not None:
                    gv = gv * chan_mask
                for yy, xx, wt in corners:
                    gi[bi, :, yy, xx] += wt * gv
        return torch.tensor(gi, dtype=input.dtype)

    return torch.tensor(out, dtype=input.dtype), backward


def roi_pool(input, rois, output_size, spatial_scale=1.0):
    """Returns (output, backward); torchvision/Fast R-CNN semantics (rounded roi corners, floor/ceil bins)."""
    ph, pw = (output_size, output_size) if isinstance(output_size, int) else output_size
    feat = _np(input).astype(np.float64)
    r = _np(rois).astype(np.float64)
    n, c, h, w = feat.shape
    out = np.zeros((len(r), c, ph, pw))
    arg = {}
    for k in range(len(r)):
        bi = int(r[k, 0])
        # round half away from zero, as C's round()
        rnd = [int(math.floor(abs(v * spatial_scale) + 0.5)) * (1 if v >= 0 else -1) for v in r[k, 1:]]
        sw, sh, ew, eh = rnd
        rw, rh = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        bh, bw = rh / ph, rw / pw
        for i in range(ph):
            hs = min(max(int(math.floor(i * bh)) + sh, 0), h)
            he = min(max(int(math.ceil((i + 1) * bh)) + sh, 0), h)
            for j in range(pw):
                ws = min(max(int(math.floor(j * bw)) + sw, 0), w)
                we = min(max(int(math.ceil((j + 1) * bw)) + sw, 0), w)
                if he <= hs or we <= ws:
                    continue
                for ch in range(c):
                    best, pos = -np.inf, None
                    for yy in range(hs, he):
                        for xx in range(ws, we):
                            if feat[bi, ch, yy, xx] > best:
                                best, pos = feat[bi, ch, yy, xx], (yy, xx)
                    out[k, ch, i, j] = best
                    arg[k, ch, i, j] = (bi, ch) + pos

    def backward(grad_out):
        g = _np(grad_out).astype(np.float64)
        gi = np.zeros_like(feat)
        for (k, ch, i, j), (bi, cc, yy, xx) in arg.items():
            gi[bi, cc, yy, xx] += g[k, ch, i, j]
        return torch.tensor(gi, dtype=input.dtype)

    return torch.tensor(out, dtype=input.dtype), backward


def sigmoid_focal_loss(pred, target, gamma=2.0, alpha=0.25):
    """(N, C) element losses and d loss / d pred, from the closed forms, in float64."""
    x = _np(pred).astype(np.float64)
    t = _np(target)
    loss = np.zeros_like(x)
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            p = 1.0 / (1.0 + math.exp(-x[i, j]))
            if t[i] == j:  # positive: -alpha (1 - p)^gamma log p
                loss[i, j] = -alpha * (1 - p) ** gamma * math.log(p)
                grad[i, j] = alpha * (1 - p) ** gamma * (gamma * p * math.log(p) - (1 - p))
            else:          # negative: -(1 - alpha) p^gamma log(1 - p)
                loss[i, j] = -(1 - alpha) * p ** gamma * math.log(1 - p)
                grad[i, j] = (1 - alpha) * p ** gamma * (p - gamma * (1 - p) * math.log(1 - p))
    return torch.tensor(loss, dtype=pred.dtype), torch.tensor(grad, dtype=pred.dtype)
