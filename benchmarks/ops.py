"""Benchmark workbench.ops against torchvision.ops (a script, not a test).

    python benchmarks/ops.py [--device cpu|cuda|all] [--repeat N] [--csv PATH] [--quick]

Prints a table (op, size, workbench ms, torchvision ms, ratio = workbench / torchvision, and the same against a
plain-torch implementation: what a user would write without compiled ops) and writes it as CSV.
CPU timings use time.perf_counter (best of `repeat` interleaved runs after a warm-up); CUDA timings use CUDA
events after a warm-up that also pays the one-off NVRTC compile, with a synchronize around every measurement. For
roi_align on CUDA it adds the achieved bandwidth (bytes of the output plus the feature values the bilinear samples
read, counted once per sample corner: an upper bound on traffic that caches reduce) against the device's peak.
"""
from __future__ import annotations

import argparse
import csv
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workbench import ops as wb  # noqa: E402

FPN_STRIDES = (4, 8, 16, 32)
IMAGE_HW = (800, 1216)


def proposal_boxes(n, seed=0, extent=1000.0, device='cpu'):
    """Proposal-like boxes: many overlapping boxes around a few hundred objects."""
    g = torch.Generator().manual_seed(seed)
    k = max(1, n // 60)
    centres = torch.rand(k, 2, generator=g) * extent
    c = centres[torch.randint(k, (n,), generator=g)] + torch.randn(n, 2, generator=g) * 6
    wh = torch.rand(n, 2, generator=g) * 80 + 20
    return torch.cat([c - wh / 2, c + wh / 2], 1).to(device), torch.rand(n, generator=g).to(device)


def fpn_inputs(n_rois, channels=256, batch=1, seed=0, device='cpu', dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    feats = [torch.randn(batch, channels, IMAGE_HW[0] // s, IMAGE_HW[1] // s, generator=g).to(device, dtype)
             for s in FPN_STRIDES]
    xy = torch.rand(n_rois, 2, generator=g) * torch.tensor([IMAGE_HW[1] * 0.8, IMAGE_HW[0] * 0.8])
    wh = torch.exp(torch.rand(n_rois, 2, generator=g) * math.log(400 / 16)) * 16  # 16 .. 400 px
    b = torch.randint(0, batch, (n_rois, 1), generator=g).float()
    rois = torch.cat([b, xy, xy + wh], 1)
    # mmdet's SingleRoIExtractor level mapping: scale = sqrt(w h); level = floor(log2(scale / 56 + 1e-6))
    scale = torch.sqrt(wh[:, 0] * wh[:, 1])
    lvl = torch.floor(torch.log2(scale / 56 + 1e-6)).clamp(0, 3).long()
    per_level = [rois[lvl == i].to(device, dtype) for i in range(4)]
    return feats, per_level


def time_cpu(fns, repeat, budget_s=6.0, min_runs=3):
    """Best-of-`repeat` wall time (ms) of each callable, run interleaved (A, B, B, A, ...) after one warm-up each.

    The minimum, not the median: on a shared machine other processes only ever add time, and interleaving exposes
    both ops to the same background load. A callable that has used up `budget_s` stops after `min_runs` runs (the
    plain-torch references take seconds per call), so a high `repeat` costs little on the slow rows."""
    for fn in fns:
        fn()
    best = [math.inf] * len(fns)
    runs = [0] * len(fns)
    spent = [0.0] * len(fns)
    for r in range(repeat):
        # A, B then B, A: neither side always runs right after the other's allocations
        for i in (range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))):
            fn = fns[i]
            if runs[i] >= min_runs and spent[i] > budget_s:
                continue
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            best[i] = min(best[i], elapsed)
            runs[i] += 1
            spent[i] += elapsed
    return [b * 1e3 for b in best]


def time_cuda(fns, repeat):
    """Median time (ms) of each callable with CUDA events, after warm-up runs (which also pay NVRTC compiles)."""
    out = []
    for fn in fns:
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        ts = []
        for _ in range(repeat):
            torch.cuda.synchronize()
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            ts.append(start.elapsed_time(end))
        out.append(statistics.median(ts))
    return out


def device_peak_bandwidth_gbs():
    """Theoretical DRAM bandwidth of the current CUDA device in GB/s (memory clock x bus width x 2, DDR)."""
    try:
        import cupy
        dev = cupy.cuda.Device()
        attrs = dev.attributes
        clock_khz = attrs['MemoryClockRate']
        bus_bits = attrs['GlobalMemoryBusWidth']
        return 2 * clock_khz * 1e3 * bus_bits / 8 / 1e9
    except Exception:  # noqa: BLE001 - not every driver reports these; fall back to known parts
        name = torch.cuda.get_device_name()
        for key, gbs in (('H200', 4800.0), ('H100', 3350.0), ('A100', 2039.0), ('V100', 900.0)):
            if key in name:
                return gbs
        return float('nan')


def roi_align_bytes(per_level, feats, sampling_ratio, out_size=7, elem=4):
    """Output bytes + 4 corner reads per bilinear sample (upper bound of the gathered traffic)."""
    channels = feats[0].size(1)
    total = 0
    for level, (rois, f) in enumerate(zip(per_level, feats)):
        scale = 1.0 / FPN_STRIDES[level]
        if sampling_ratio > 0:
            samples = rois.size(0) * out_size * out_size * sampling_ratio ** 2
        else:
            h = ((rois[:, 4] - rois[:, 2]) * scale / out_size).ceil().clamp(min=1)
            w = ((rois[:, 3] - rois[:, 1]) * scale / out_size).ceil().clamp(min=1)
            samples = int((h * w).sum()) * out_size * out_size
        total += samples * 4 * channels * elem + rois.size(0) * channels * out_size * out_size * elem
    return total


# --------------------------------------------------------------------------------------------------------------------
# plain-torch implementations: what a user would write without a compiled op (the "plain torch" column)

def plain_box_iou(b1, b2):
    lt = torch.max(b1[:, None, :2], b2[None, :, :2])
    rb = torch.min(b1[:, None, 2:], b2[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    area1 = (b1[:, 2:] - b1[:, :2]).prod(1)
    area2 = (b2[:, 2:] - b2[:, :2]).prod(1)
    return inter / (area1[:, None] + area2[None, :] - inter)


def plain_nms(boxes, scores, iou_threshold):
    """Greedy NMS, vectorised over the remaining boxes: one Python step per kept box."""
    order = scores.argsort(descending=True)
    keep = []
    while order.numel():
        i = order[0]
        keep.append(i)
        rest = order[1:]
        order = rest[plain_box_iou(boxes[i][None], boxes[rest])[0] <= iou_threshold]
    return torch.stack(keep) if keep else order


def plain_batched_nms(boxes, scores, idxs, iou_threshold):
    shifted = boxes + (idxs.to(boxes) * (boxes.max() + 1))[:, None]
    return plain_nms(shifted, scores, iou_threshold)


def _plain_roi_align():
    """torchvision's pure-PyTorch RoIAlign, run eagerly (torchvision wraps it in torch.compile, whose dynamic-shape
    graph tries to allocate terabytes at sampling_ratio=0 here), when this torchvision has it."""
    import importlib
    module = importlib.import_module('torchvision.ops.roi_align')  # the package re-exports the function
    fn = getattr(module, '_roi_align', None)
    return getattr(fn, '__wrapped__', None)


def cases(device, quick):
    """(op, size, workbench fn, torchvision fn or None, plain-torch fn or None, bytes or None)."""
    out = []
    sizes = (1000, 5000) if quick else (1000, 5000, 20000)
    for n in sizes:
        boxes, scores = proposal_boxes(n, device=device)
        out.append(('nms', f'{n} boxes', lambda b=boxes, s=scores: wb.nms(b, s, 0.7),
                    lambda b=boxes, s=scores: torchvision.ops.nms(b, s, 0.7),
                    lambda b=boxes, s=scores: plain_nms(b, s, 0.7), None))
    for n in sizes:
        boxes, scores = proposal_boxes(n, seed=1, device=device)
        idxs = torch.randint(0, 80, (n,), generator=torch.Generator().manual_seed(1)).to(device)
        out.append(('batched_nms', f'{n} boxes, 80 classes',
                    lambda b=boxes, s=scores, i=idxs: wb.batched_nms(b, s, i, dict(type='nms', iou_threshold=0.5)),
                    lambda b=boxes, s=scores, i=idxs: torchvision.ops.batched_nms(b, s, i, 0.5),
                    lambda b=boxes, s=scores, i=idxs: plain_batched_nms(b, s, i, 0.5), None))
    boxes, scores = proposal_boxes(1000, seed=2, device=device)
    out.append(('soft_nms (linear)', '1000 boxes', lambda: wb.soft_nms(boxes, scores, 0.3, method='linear'),
                None, None, None))
    b1, _ = proposal_boxes(2000, seed=3, device=device)
    b2, _ = proposal_boxes(2000, seed=4, device=device)
    out.append(('bbox_overlaps', '2000 x 2000', lambda: wb.bbox_overlaps(b1, b2),
                lambda: torchvision.ops.box_iou(b1, b2), lambda: plain_box_iou(b1, b2), None))
    n_rois = 1000
    feats, per_level = fpn_inputs(n_rois, device=device)
    levels = list(zip(feats, per_level, FPN_STRIDES))
    plain_roi_align = _plain_roi_align()
    grad_feats = [f.detach().requires_grad_() for f in feats]

    def fwd_bwd(fn):
        """Forward over the four levels, then the gradient with respect to the features (as in training)."""
        outs = [fn(g, r, s) for g, (_, r, s) in zip(grad_feats, levels)]
        grads = [torch.ones_like(o) for o in outs]
        torch.autograd.grad(outs, grad_feats, grads, allow_unused=True)

    for sr in (0, 2):
        def wb_one(f, r, s, sr=sr):
            return wb.roi_align(f, r, 7, 1.0 / s, sr, 'avg', True)

        def tv_one(f, r, s, sr=sr):
            return torchvision.ops.roi_align(f, r, 7, 1.0 / s, sr, True)

        def plain_one(f, r, s, sr=sr):
            return plain_roi_align(f, r, 1.0 / s, 7, 7, sr, True)

        size = f'{n_rois} rois, 4-level FPN 256ch, 7x7, sr={sr}'
        nbytes = roi_align_bytes(per_level, feats, sr)
        # the eager plain-torch RoIAlign materialises every sample (about 15x the compiled op at sr=2, far more at
        # sr=0): one forward row is enough to show what the compiled op buys
        has_plain = plain_roi_align is not None and sr == 2
        out.append(('roi_align avg', size, lambda fn=wb_one: [fn(*lv) for lv in levels],
                    lambda fn=tv_one: [fn(*lv) for lv in levels],
                    (lambda fn=plain_one: [fn(*lv) for lv in levels]) if has_plain else None, nbytes))
        out.append(('roi_align avg fwd+bwd', size, lambda fn=wb_one: fwd_bwd(fn), lambda fn=tv_one: fwd_bwd(fn),
                    None, None))
    out.append(('roi_align max', f'{n_rois} rois, 4-level FPN 256ch, 7x7, sr=2',
                lambda: [wb.roi_align(f, r, 7, 1.0 / s, 2, 'max', True) for f, r, s in levels], None, None,
                roi_align_bytes(per_level, feats, 2)))
    out.append(('roi_pool', f'{n_rois} rois, 4-level FPN 256ch, 7x7',
                lambda: [wb.roi_pool(f, r, 7, 1.0 / s) for f, r, s in levels],
                lambda: [torchvision.ops.roi_pool(f, r, 7, 1.0 / s) for f, r, s in levels], None, None))
    g = torch.Generator().manual_seed(5)
    n_anchors, n_cls = (20000, 80) if quick else (100000, 80)
    logits = torch.randn(n_anchors, n_cls, generator=g).to(device).requires_grad_()
    labels = torch.randint(0, n_cls + 1, (n_anchors,), generator=g).to(device)
    onehot = torch.nn.functional.one_hot(labels, n_cls + 1)[:, :n_cls].float()

    def wb_focal():
        torch.autograd.grad(wb.sigmoid_focal_loss(logits, labels, 2.0, 0.25, reduction='sum'), logits)

    def tv_focal():  # torchvision's focal loss is itself plain torch
        torch.autograd.grad(torchvision.ops.sigmoid_focal_loss(logits, onehot, 0.25, 2.0, reduction='sum'), logits)
    out.append(('sigmoid_focal_loss fwd+bwd', f'{n_anchors} x {n_cls}', wb_focal, tv_focal, None, None))
    return out


def _ratio(a, b):
    return round(a / b, 2) if b == b else ''  # b is NaN when there is no peer


def run(device, repeat, quick):
    timer = time_cuda if device == 'cuda' else time_cpu
    rows = []
    peak = device_peak_bandwidth_gbs() if device == 'cuda' else None
    name = torch.cuda.get_device_name() if device == 'cuda' else (platform.processor() or platform.machine())
    for op, size, fn, tv, plain, nbytes in cases(device, quick):
        # the workbench and torchvision interleaved; the plain reference on its own afterwards: run between them it
        # evicts their caches (a 1000-box NMS measured 18% slower right after the plain loop than after torchvision)
        times = timer([fn] + ([tv] if tv is not None else []), repeat)
        t_wb = times[0]
        t_tv = times[1] if tv is not None else float('nan')
        t_plain = timer([plain], repeat)[0] if plain is not None else float('nan')
        row = dict(device=device, device_name=name, op=op, size=size, workbench_ms=round(t_wb, 3),
                   torchvision_ms=round(t_tv, 3) if tv is not None else '', ratio=_ratio(t_wb, t_tv),
                   plain_torch_ms=round(t_plain, 3) if plain is not None else '',
                   ratio_vs_plain=_ratio(t_wb, t_plain), bandwidth_gbs='', peak_gbs='')
        if nbytes and device == 'cuda':
            row['bandwidth_gbs'] = round(nbytes / (t_wb * 1e-3) / 1e9, 1)
            row['peak_gbs'] = round(peak, 1)
        rows.append(row)
        bw = f"  {row['bandwidth_gbs']} GB/s of {row['peak_gbs']}" if row['bandwidth_gbs'] else ''
        print(f"{device:5s} {op:28s} {size:42s} {row['workbench_ms']:>10} ms  tv {str(row['torchvision_ms']):>10} ms"
              f"  ratio {str(row['ratio']):>6}  plain {str(row['plain_torch_ms']):>10} ms"
              f"  ratio {str(row['ratio_vs_plain']):>6}{bw}", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='all', choices=('cpu', 'cuda', 'all'))
    parser.add_argument('--repeat', type=int, default=15)
    parser.add_argument('--csv', default=str(Path(__file__).resolve().parent / 'results' / 'ops.csv'))
    parser.add_argument('--quick', action='store_true', help='smaller nms sizes (a smoke run)')
    parser.add_argument('--threads', type=int, default=0, help='torch CPU threads (0 = torch default)')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ['cpu', 'cuda'] if args.device == 'all' else [args.device]
    if 'cuda' in devices and not torch.cuda.is_available():
        if args.device == 'cuda':
            parser.error('no CUDA device available')
        print('no CUDA device: CPU only')
        devices = ['cpu']
    print(f'torch {torch.__version__}, torchvision {torchvision.__version__}, CPU threads {torch.get_num_threads()}')
    rows = []
    for d in devices:
        rows += run(d, args.repeat, args.quick)
    with open(args.csv, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f'wrote {args.csv}')


if __name__ == '__main__':
    main()
