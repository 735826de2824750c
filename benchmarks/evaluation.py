"""COCO bbox evaluation speed: workbench's evaluator vs pycocotools vs faster-coco-eval, identical numbers required.

    python benchmarks/evaluation.py [--num-images N] [--dets N] [--repeat N] [--all] [--quick] [--out-dir DIR]

Synthetic, seeded data shaped like COCO val2017: 5,000 images (640x480), 80 categories, 1-15 ground-truth boxes
per image (about 1% crowd) over the small/medium/large ranges, and exactly --dets detections per image: jittered
copies of the ground truth (some with the wrong class) plus random boxes, random scores.

Every evaluator gets the same predictions: the workbench's mmdet-format results (per image, per class (n, 5)
arrays) are turned into COCO json once by ``CocoDataset._det2json``, and that list is what pycocotools and
faster-coco-eval load. All run with the parameters mmdet's ``CocoDataset.evaluate`` uses (maxDets 100/300/1000,
IoU 0.50:0.95). Timed: loading the results, evaluate, accumulate, summarize (the ground-truth index is built
before, as a dataset holds it). Rows:
  pycocotools                      - the reference
  faster-coco-eval                 - the library used directly
  workbench coco_evaluate (fast)   - ``workbench.evaluation.coco_evaluate(..., backend='faster_coco_eval')``
  workbench CocoDataset.evaluate   - the user's call ``dataset.evaluate(results, backend='faster_coco_eval')``,
                                     end to end (json conversion, temp file, evaluation)
  workbench coco_evaluate (pycocotools) - only with --all
The script asserts that the 12 summary numbers of every evaluator equal pycocotools' exactly and prints the check.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

import numpy as np  # noqa: E402

COLUMNS = ['evaluator', 'images', 'detections', 'seconds', 'speedup_vs_pycocotools', 'mAP', 'stats_equal']
MAX_DETS = [100, 300, 1000]
NUM_CLASSES = 80


def synth(num_images, dets_per_img, seed=0, w=640, h=480):
    """(COCO ground-truth dict, mmdet-format results)."""
    rng = np.random.default_rng(seed)
    images, anns, results = [], [], []
    for i in range(num_images):
        img_id = i + 1
        images.append(dict(id=img_id, file_name=f'{img_id:06d}.jpg', width=w, height=h))
        n_gt = int(rng.integers(1, 16))
        # log-uniform sizes from 8 to 400 px cover small (< 32^2), medium and large areas
        bw, bh = np.exp(rng.uniform(np.log(8), np.log(400), (2, n_gt)))
        x = rng.uniform(0, w - np.minimum(bw, w - 1))
        y = rng.uniform(0, h - np.minimum(bh, h - 1))
        bw, bh = np.minimum(bw, w - x), np.minimum(bh, h - y)
        cats = rng.integers(1, NUM_CLASSES + 1, n_gt)
        crowd = rng.random(n_gt) < 0.01
        for k in range(n_gt):
            anns.append(dict(id=len(anns) + 1, image_id=img_id, category_id=int(cats[k]),
                             bbox=[float(x[k]), float(y[k]), float(bw[k]), float(bh[k])],
                             area=float(bw[k] * bh[k]), iscrowd=int(crowd[k]), segmentation=[]))
        # detections: jittered ground truth (80% right class) then random boxes
        n_tp = min(dets_per_img, n_gt * 3)
        src = rng.integers(0, n_gt, n_tp)
        jit = rng.normal(0, 0.1, (n_tp, 4)) * np.stack([bw[src], bh[src], bw[src], bh[src]], 1)
        tp = np.stack([x[src], y[src], x[src] + bw[src], y[src] + bh[src]], 1) + jit
        tp_cls = np.where(rng.random(n_tp) < 0.8, cats[src], rng.integers(1, NUM_CLASSES + 1, n_tp))
        n_fp = dets_per_img - n_tp
        fw, fh = np.exp(rng.uniform(np.log(8), np.log(400), (2, n_fp)))
        fx, fy = rng.uniform(0, w, n_fp), rng.uniform(0, h, n_fp)
        fp = np.stack([fx, fy, fx + fw, fy + fh], 1)
        boxes = np.concatenate([tp, fp])
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        boxes[:, 2] = np.maximum(boxes[:, 2], boxes[:, 0] + 1)
        boxes[:, 3] = np.maximum(boxes[:, 3], boxes[:, 1] + 1)
        cls = np.concatenate([tp_cls, rng.integers(1, NUM_CLASSES + 1, n_fp)])
        scores = np.concatenate([rng.uniform(0.3, 1.0, n_tp), rng.uniform(0.0, 0.7, n_fp)])
        dets = np.concatenate([boxes, scores[:, None]], 1).astype(np.float32)
        results.append([dets[cls == c + 1] for c in range(NUM_CLASSES)])
    categories = [dict(id=c + 1, name=f'class{c + 1}') for c in range(NUM_CLASSES)]
    return dict(images=images, annotations=anns, categories=categories), results


def _quiet():
    return contextlib.redirect_stdout(io.StringIO())


def run_raw(gt_dict, preds, backend):
    """Time loadRes + evaluate + accumulate + summarize with a library used directly; returns (seconds, stats)."""
    if backend == 'pycocotools':
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    else:
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    gt = COCO()
    gt.dataset = gt_dict
    with _quiet():
        gt.createIndex()
    preds = [dict(p) for p in preds]  # loadRes adds keys to the dicts it gets
    t0 = time.perf_counter()
    with _quiet():
        dt = gt.loadRes(preds)
        ev = COCOeval(gt, dt, 'bbox')
        ev.params.maxDets = list(MAX_DETS)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return time.perf_counter() - t0, np.asarray(ev.stats, dtype=np.float64)


def run_workbench_fn(dataset, preds, backend):
    from workbench.evaluation import coco_evaluate
    preds = [dict(p) for p in preds]
    t0 = time.perf_counter()
    ev = coco_evaluate(dataset.coco, preds, 'bbox', cat_ids=dataset.cat_ids, img_ids=dataset.img_ids,
                       max_dets=MAX_DETS, backend=backend, logger='silent')
    return time.perf_counter() - t0, np.asarray(ev.stats, dtype=np.float64)


def run_dataset_evaluate(dataset, results, backend):
    t0 = time.perf_counter()
    out = dataset.evaluate(results, metric='bbox', backend=backend, logger='silent')
    dt = time.perf_counter() - t0
    return dt, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--num-images', type=int, default=5000)
    p.add_argument('--dets', type=int, default=100)
    p.add_argument('--repeat', type=int, default=1, help='runs of each evaluator (median)')
    p.add_argument('--all', action='store_true', help='also time coco_evaluate with the pycocotools backend')
    p.add_argument('--quick', action='store_true', help='100 images x 20 detections (smoke run)')
    C.add_common_args(p, 'evaluation')
    args = p.parse_args(argv)
    from workbench.datasets import CocoDataset
    # import every backend first: a first import must not be timed as evaluation
    import faster_coco_eval  # noqa: F401
    import pycocotools.cocoeval  # noqa: F401
    n_img, n_det = (100, 20) if args.quick else (args.num_images, args.dets)
    gt_dict, results = synth(n_img, n_det)
    with tempfile.TemporaryDirectory(prefix='wb_bench_eval_') as tmp:
        ann_file = Path(tmp) / 'gt.json'
        ann_file.write_text(json.dumps(gt_dict))
        with _quiet():
            dataset = CocoDataset(ann_file=str(ann_file), pipeline=[], test_mode=True,
                                  classes=tuple(c['name'] for c in gt_dict['categories']))
        preds = dataset._det2json(results)
        n_preds = len(preds)
        runners = [('pycocotools', lambda: run_raw(gt_dict, preds, 'pycocotools')),
                   ('faster-coco-eval', lambda: run_raw(gt_dict, preds, 'faster_coco_eval')),
                   ('workbench coco_evaluate (faster_coco_eval)',
                    lambda: run_workbench_fn(dataset, preds, 'faster_coco_eval'))]
        if args.all:
            runners.append(('workbench coco_evaluate (pycocotools)',
                            lambda: run_workbench_fn(dataset, preds, 'pycocotools')))
        timings = {name: [] for name, _ in runners}
        stats = {}
        for _ in range(args.repeat):
            for name, fn in runners:  # interleaved repeats
                t, s = fn()
                timings[name].append(t)
                stats[name] = s
        t_end2end = []
        for _ in range(args.repeat):
            t, end2end = run_dataset_evaluate(dataset, results, 'faster_coco_eval')
            t_end2end.append(t)
    ref = stats['pycocotools']
    rows = []
    base = float(np.median(timings['pycocotools']))
    all_equal = True
    for name, _ in runners:
        equal = bool(np.array_equal(stats[name], ref))
        all_equal &= equal
        t = float(np.median(timings[name]))
        rows.append(dict(evaluator=name, images=n_img, detections=n_preds, seconds=t, speedup_vs_pycocotools=base / t,
                         mAP=float(stats[name][0]), stats_equal=equal))
    # CocoDataset.evaluate reports the six AP numbers rounded to 4 decimals: equal up to that rounding
    keys = ['bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l']
    equal = all(abs(end2end[k] - ref[i]) <= 0.5e-4 + 1e-9 for i, k in enumerate(keys))
    all_equal &= equal
    t = float(np.median(t_end2end))
    rows.append(dict(evaluator='workbench CocoDataset.evaluate (faster_coco_eval, end to end)', images=n_img,
                     detections=n_preds, seconds=t, speedup_vs_pycocotools=base / t, mAP=end2end['bbox_mAP'],
                     stats_equal=equal))
    C.print_table(rows, COLUMNS, title='COCO bbox evaluation (speedup = pycocotools seconds / evaluator seconds)')
    print(f'CocoDataset.evaluate AP numbers equal to pycocotools up to its 4-decimal rounding: {equal}')
    print('pycocotools stats:', np.array2string(ref, precision=6, separator=', '))
    for name in stats:
        if name != 'pycocotools':
            diff = np.abs(stats[name] - ref).max()
            print(f'{name}: 12 stats identical to pycocotools: {bool(np.array_equal(stats[name], ref))} '
                  f'(max |diff| {diff:.3g})')
    C.write_csv(Path(args.out_dir) / 'evaluation.csv', rows, COLUMNS)
    if not all_equal:
        raise SystemExit('evaluation results differ from pycocotools (see the table)')
    return rows


if __name__ == '__main__':
    main()
