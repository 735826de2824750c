"""Images per second through the COCO training pipeline on generated shapes data.

    python benchmarks/data_pipeline.py [--num-images N] [--img-size WxH] [--workers 0,2] [--quick] [--out-dir DIR]

The pipeline is mmdet's ``coco_detection`` train pipeline (LoadImageFromFile, LoadAnnotations, Resize to the
(1333, 800) scale keeping the ratio, RandomFlip 0.5, Normalize, Pad to 32, DefaultFormatBundle, Collect), batched
2 per step by ``build_dataloader`` with the padding ``collate``. The images are PNGs written by
``workbench.datasets.shapes.make_shapes`` (640x480, half of them portrait), so decoding is PNG, not COCO's JPEG.

Rows: one per worker count (images/s over the whole epoch after the first batch, so worker start-up is excluded),
plus a per-transform breakdown (ms per image, main process) that shows where the time goes. There is no peer here:
the number to compare against is the model's training speed (a step of batch 2 must not wait for data).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

COLUMNS = ['stage', 'workers', 'images', 'images_per_s', 'ms_per_image']

IMG_NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
TRAIN_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', img_scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **IMG_NORM),
    dict(type='Pad', size_divisor=32),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']),
]


def build_dataset(data_dir, num_images, img_size, seed=0):
    from workbench.datasets import CocoDataset
    from workbench.datasets.shapes import SHAPES_CLASSES, make_shapes
    paths = make_shapes(data_dir, num_train=num_images, num_val=0, img_size=img_size, seed=seed)
    return CocoDataset(ann_file=paths['train_ann'], img_prefix=paths['train_img_dir'], pipeline=TRAIN_PIPELINE,
                       classes=SHAPES_CLASSES)


def loader_throughput(dataset, workers, batch=2, epochs=1):
    from workbench.datasets import build_dataloader
    loader = build_dataloader(dataset, samples_per_gpu=batch, workers_per_gpu=workers, num_gpus=1, dist=False,
                              shuffle=True, seed=0)
    n = 0
    t0 = None
    for _ in range(epochs):
        for i, data in enumerate(loader):
            if t0 is None:
                # start after the first batch: worker start-up and first imports are not throughput
                t0 = time.perf_counter()
                continue
            n += len(data['img_metas'].data[0]) if hasattr(data['img_metas'], 'data') else len(data['img_metas'])
    dt = time.perf_counter() - t0
    return n, n / dt


def stage_breakdown(dataset, count):
    """ms per image of each transform, run by hand in the main process (the same code the loader runs)."""
    import numpy as np
    from workbench.parallel.collate import collate
    transforms = dataset.pipeline.transforms
    totals = np.zeros(len(transforms) + 1)
    outs = []
    for idx in range(count):
        # prepare_train_img runs the stages as one; build its input the same way and time each stage
        results = dict(img_info=dataset.data_infos[idx], ann_info=dataset.get_ann_info(idx))
        dataset.pre_pipeline(results)
        for k, t in enumerate(transforms):
            t0 = time.perf_counter()
            results = t(results)
            totals[k] += time.perf_counter() - t0
        outs.append(results)
        if len(outs) == 2:
            t0 = time.perf_counter()
            collate(outs, samples_per_gpu=2)
            totals[-1] += time.perf_counter() - t0
            outs = []
    names = [type(t).__name__ for t in transforms] + ['collate (per image)']
    return [(n, 1e3 * v / count) for n, v in zip(names, totals)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--num-images', type=int, default=96)
    p.add_argument('--img-size', default='640x480', help='generated image size WxH')
    p.add_argument('--workers', default='0,2')
    p.add_argument('--data-dir', default=None, help='where to generate the shapes data (default: a temp folder)')
    p.add_argument('--quick', action='store_true', help='8 images (smoke run)')
    C.add_common_args(p, 'data_pipeline')
    args = p.parse_args(argv)
    C.setup_threads(args.threads)
    num = 8 if args.quick else args.num_images
    w, h = (int(v) for v in args.img_size.lower().split('x'))
    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix='wb_bench_shapes_')
        data_dir = tmp.name
    try:
        dataset = build_dataset(data_dir, num, (w, h))
        rows = []
        for workers in [int(x) for x in args.workers.split(',') if x != '']:
            n, ips = loader_throughput(dataset, workers)
            rows.append(dict(stage='dataloader (batch 2)', workers=workers, images=n, images_per_s=ips,
                             ms_per_image=1e3 / ips))
            C.print_table(rows[-1:], COLUMNS)
        for name, ms in stage_breakdown(dataset, min(num, 32)):
            rows.append(dict(stage=name, workers=0, images=min(num, 32), images_per_s=1e3 / ms if ms else float('inf'),
                             ms_per_image=ms))
        C.print_table(rows, COLUMNS, title=f'COCO train pipeline, {w}x{h} PNG shapes -> (1333, 800) scale')
        C.write_csv(Path(args.out_dir) / 'data_pipeline.csv', rows, COLUMNS)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return rows


if __name__ == '__main__':
    main()
