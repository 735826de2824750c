"""CPU training step (forward + backward + SGD step), workbench vs torchvision, same architecture, same batch.

    python benchmarks/train_step.py [--repeat N] [--warmup N] [--cases a,b] [--size S] [--batch B] [--no-memory]
                                    [--no-channels-last] [--quick] [--out-dir DIR]

Cases (random weights, batch 2 of 512x512 normalised images with 8 seeded ground-truth boxes each):
  retinanet_r50_fpn:   workbench RetinaNet (mmdet retinanet_r50_fpn_1x model) vs torchvision RetinaNet
  faster_rcnn_r50_fpn: workbench FasterRCNN (mmdet faster_rcnn_r50_fpn_1x model) vs torchvision FasterRCNN

Both torchvision models are built from torchvision's public pieces in the configuration torchvision trains its COCO
detectors with: ResNet-50 with FrozenBatchNorm2d and the stem + layer1 frozen (trainable_layers=3), which is what
mmdet's ``frozen_stages=1, norm_eval=True`` means. (``fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None)``
would instead train every layer with batch-statistics BatchNorm, a different amount of work.) RetinaNet's P6/P7
block takes C5 (``LastLevelP6P7(2048, 256)``, torchvision's v2 choice), as mmdet's ``add_extra_convs='on_input'``.
One difference stays: mmdet's config keeps BN affine parameters trainable in stages 2-4 (BN in eval mode), while
FrozenBatchNorm2d has none, so the workbench computes a few more (cheap) gradients. The RPN keeps 1000
proposals after NMS in training in both (mmdet's ``rpn_proposal.max_per_img``; torchvision's
``rpn_post_nms_top_n_train`` set to match); samplers are each library's defaults (RPN 256 at 1:1, R-CNN 512 at 1:3).
torchvision's resize/normalise transform is bypassed: both get the same tensors. Both start from the same weights
(the workbench model's, copied by ``_common.copy_weights_to_torchvision``), so the RPNs propose the same boxes and
the RoI stage does the same work.

channels_last: two more rows per case, the workbench model of the first row with ``memory_format='channels_last'``
(its config key) against that torchvision model as shipped and converted to channels_last too (like for like);
timed only, memory is measured for the shipped layouts.

Timing: workbench and torchvision steps interleaved in this process after --warmup steps each; median of
--repeat. Peak memory: a fresh subprocess per case and library builds only that model, then samples its resident
set size (psutil, every 2 ms, in a thread) over 2 steps: ``peak_mb`` is the high-water mark, ``train_mb`` = peak
minus the RSS before the first step (activations, gradients, optimiser state). torch allocations are invisible to
tracemalloc, and ru_maxrss would include the model-building peak.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

COLUMNS = ['case', 'input', 'workbench_s_it', 'torchvision_s_it', 'ratio', 'wb_cpu_s_it', 'tv_cpu_s_it', 'cpu_ratio',
           'wb_peak_mb', 'tv_peak_mb', 'wb_train_mb', 'tv_train_mb', 'mem_ratio', 'repeat', 'threads']
CASES = ('retinanet_r50_fpn', 'faster_rcnn_r50_fpn')


SR2_SUFFIX = ' (RoIAlign sampling_ratio=2 in both, torchvision\'s default)'


CL_WB_SUFFIX = " (workbench memory_format='channels_last', torchvision as shipped)"
CL_BOTH_SUFFIX = ' (channels_last in both)'


def pairs(case, channels_last=True):
    """(row suffix, workbench impl, torchvision impl) compared for a case. Faster R-CNN: mmdet's config samples
    RoIAlign adaptively (sampling_ratio=0), torchvision's default is 2; the first row configures torchvision like
    mmdet, the second the workbench like torchvision. With `channels_last`, the workbench model of the first row
    in channels_last (impl suffix `_cl`) against that torchvision model as shipped and in channels_last too."""
    if case.startswith('faster'):
        rows = [('', 'workbench', 'torchvision_sr0'), (SR2_SUFFIX, 'workbench_sr2', 'torchvision')]
    else:
        rows = [('', 'workbench', 'torchvision')]
    if channels_last:
        _, wb, tv = rows[0]
        rows += [(CL_WB_SUFFIX, wb + '_cl', tv), (CL_BOTH_SUFFIX, wb + '_cl', tv + '_cl')]
    return rows


def build_model(case, impl):
    """The model of a case in train mode. impl: 'workbench', 'workbench_sr2' (RoIAlign sampling_ratio=2 instead
    of mmdet's adaptive 0), 'torchvision', 'torchvision_sr0' (its RoIAlign with sampling_ratio=0, as mmdet); each
    with the suffix '_cl' in channels_last."""
    if impl.endswith('_cl'):  # converted as the workbench's memory_format config key converts
        from workbench.utils import set_memory_format
        return set_memory_format(build_model(case, impl[:-len('_cl')]), 'channels_last')
    from torchvision.models.detection import FasterRCNN, RetinaNet
    from torchvision.ops import MultiScaleRoIAlign
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7
    if case not in CASES:
        raise ValueError(f'unknown case {case!r}; choose from {CASES}')
    C.seed_all(0)
    if impl.startswith('workbench'):
        sr = 2 if impl == 'workbench_sr2' else 0
        cfg = C.retinanet_cfg(depth=50) if case == 'retinanet_r50_fpn' else C.faster_rcnn_cfg(sampling_ratio=sr)
        return C.build_workbench(cfg).train()
    if case == 'retinanet_r50_fpn':
        backbone = C.torchvision_resnet_fpn(50, trainable_layers=3, returned_layers=[2, 3, 4],
                                            extra_blocks=LastLevelP6P7(2048, 256), frozen_bn=True)
        tv = RetinaNet(backbone, num_classes=80)
    else:
        backbone = C.torchvision_resnet_fpn(50, trainable_layers=3, returned_layers=None, extra_blocks=None,
                                            frozen_bn=True)
        roi_pool = MultiScaleRoIAlign(['0', '1', '2', '3'], 7, sampling_ratio=0 if impl.endswith('sr0') else 2)
        tv = FasterRCNN(backbone, num_classes=81, rpn_post_nms_top_n_train=1000, box_roi_pool=roi_pool)
    C.bypass_torchvision_transform(tv)
    # the workbench model's weights (seed 0, built as above): both train the same network from the same point
    C.seed_all(0)
    cfg = C.retinanet_cfg(depth=50) if case == 'retinanet_r50_fpn' else C.faster_rcnn_cfg()
    C.copy_weights_to_torchvision(C.build_workbench(cfg), tv)
    return tv.train()


def make_batch(size, batch, num_gt=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randn(batch, 3, size, size, generator=g)
    boxes, labels = [], []
    for _ in range(batch):
        xy = torch.rand(num_gt, 2, generator=g) * size * 0.6
        wh = torch.rand(num_gt, 2, generator=g) * size * 0.35 + 16
        boxes.append(torch.cat([xy, (xy + wh).clamp(max=size - 1)], 1))
        labels.append(torch.randint(0, 80, (num_gt,), generator=g))
    metas = [dict(img_shape=(size, size, 3), ori_shape=(size, size, 3), pad_shape=(size, size, 3),
                  scale_factor=np.ones(4, dtype=np.float32), flip=False, flip_direction=None) for _ in range(batch)]
    return imgs, boxes, labels, metas


def step_fn(case, impl, size, batch):
    """A closure running one training iteration of the case's ``impl`` model on a fixed batch."""
    model = build_model(case, impl)
    imgs, boxes, labels, metas = make_batch(size, batch)
    # small learning rate: random weights must not diverge to NaN during the timed steps
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-4, momentum=0.9,
                          weight_decay=1e-4)
    if impl.startswith('workbench'):
        def run():
            # the runner's path: train_step (forward + loss parsing), then backward and the optimiser step
            data = dict(img=imgs, img_metas=[dict(m) for m in metas], gt_bboxes=boxes, gt_labels=labels)
            out = model.train_step(data, opt)
            opt.zero_grad(set_to_none=True)
            out['loss'].backward()
            opt.step()
        return run
    # torchvision's two-stage models reserve label 0 for background; RetinaNet does not
    offset = 1 if case.startswith('faster') else 0
    targets = [dict(boxes=b, labels=lab + offset) for b, lab in zip(boxes, labels)]
    tv_imgs = list(imgs)

    def run():
        loss_dict = model(tv_imgs, targets)
        opt.zero_grad(set_to_none=True)
        sum(loss_dict.values()).backward()
        opt.step()
    return run


class RssPeak:
    """High-water resident set size (MiB) of this process, sampled every ``interval`` s by a thread while active
    (torch's allocations are invisible to tracemalloc; ru_maxrss would include the model-building peak)."""

    def __init__(self, interval=0.002):
        import psutil
        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0.0

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / 2 ** 20)
            self._stop.wait(self.interval)

    def __enter__(self):
        import threading
        self._stop = threading.Event()
        self.base = self.proc.memory_info().rss / 2 ** 20
        self.peak = self.base
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss / 2 ** 20)


def memory_child(case, impl, size, batch, threads):
    """In a fresh process with only this model: RSS before the first step and the sampled peak over 2 steps."""
    import gc
    C.setup_threads(threads)
    fn = step_fn(case, impl, size, batch)
    gc.collect()
    # hand freed heap back to the OS (the torchvision model's build also builds the workbench model for its
    # weights): otherwise the step reuses that memory unseen and the baseline counts it
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    with RssPeak() as m:
        for _ in range(2):
            fn()
    print(json.dumps(dict(base_mb=m.base, peak_mb=m.peak)))


def measure_memory(case, impl, size, batch, threads):
    cmd = [sys.executable, __file__, '--memory-child', f'{case}:{impl}', '--size', str(size), '--batch', str(batch),
           '--threads', str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f'memory subprocess for {case}/{impl} failed:\n{out.stderr[-3000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--repeat', type=int, default=5)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--cases', default=','.join(CASES))
    p.add_argument('--size', type=int, default=512)
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--no-memory', action='store_true', help='skip the peak-memory subprocesses')
    p.add_argument('--no-channels-last', action='store_true', help="skip the memory_format='channels_last' rows")
    p.add_argument('--quick', action='store_true', help='128x128 images, repeat 1, warm-up 1 (smoke run)')
    p.add_argument('--memory-child', default=None, help=argparse.SUPPRESS)
    C.add_common_args(p, 'train_step')
    args = p.parse_args(argv)
    if args.memory_child:
        case, impl = args.memory_child.split(':')
        return memory_child(case, impl, args.size, args.batch, args.threads)
    C.setup_threads(args.threads)
    size, repeat, warmup = (128, 1, 1) if args.quick else (args.size, args.repeat, args.warmup)
    rows = []
    for case in [c for c in args.cases.split(',') if c]:
        case_pairs = pairs(case, channels_last=not args.no_channels_last)
        impls = list(dict.fromkeys(impl for _, wb_impl, tv_impl in case_pairs for impl in (tv_impl, wb_impl)))
        fns = [step_fn(case, impl, size, args.batch) for impl in impls]
        wall, cpu = C.time_interleaved(fns, repeat, warmup)
        del fns
        wall, cpu = dict(zip(impls, wall)), dict(zip(impls, cpu))
        case_rows = []
        for suffix, wb_impl, tv_impl in case_pairs:
            row = dict(case=case + suffix, input=f'{args.batch}x3x{size}x{size}', workbench_s_it=wall[wb_impl],
                       torchvision_s_it=wall[tv_impl], ratio=wall[wb_impl] / wall[tv_impl],
                       wb_cpu_s_it=cpu[wb_impl], tv_cpu_s_it=cpu[tv_impl], cpu_ratio=cpu[wb_impl] / cpu[tv_impl],
                       repeat=repeat, threads=torch.get_num_threads())
            if not args.no_memory and not wb_impl.endswith('_cl'):  # memory: the shipped layouts only (suite time)
                m_wb = measure_memory(case, wb_impl, size, args.batch, args.threads)
                m_tv = measure_memory(case, tv_impl, size, args.batch, args.threads)
                row.update(wb_peak_mb=m_wb['peak_mb'], tv_peak_mb=m_tv['peak_mb'],
                           wb_train_mb=m_wb['peak_mb'] - m_wb['base_mb'],
                           tv_train_mb=m_tv['peak_mb'] - m_tv['base_mb'])
                row['mem_ratio'] = row['wb_train_mb'] / row['tv_train_mb']
            case_rows.append(row)
        rows += case_rows
        C.print_table(case_rows, COLUMNS)
    C.print_table(rows, COLUMNS, title='Training step, CPU (ratio = workbench / torchvision)')
    C.write_csv(Path(args.out_dir) / 'train_step.csv', rows, COLUMNS)
    return rows


if __name__ == '__main__':
    main()
