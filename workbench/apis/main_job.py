"""The README's main job: synthetic data -> training -> COCO evaluation -> a report folder.

Everything runs offline on CPU: the shapes dataset is generated (and cached), the detector trains from scratch,
and the report holds the resolved config, the training log, loss/lr curves, a grid of predictions, the confusion
matrix, the per-class AP table and ``metrics.json`` (with the wall time).
"""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
import time
from typing import Optional

import numpy as np

DEFAULT_CONFIG = 'workbench::shapes/retinanet_r18_fpn_shapes.py'


def _point_data_to(cfg, data_dir: str) -> None:
    root = data_dir.rstrip('/') + '/'
    for split, folder in (('train', 'train'), ('val', 'val'), ('test', 'val')):
        cfg.data[split]['ann_file'] = f'{root}annotations/instances_{folder}.json'
        cfg.data[split]['img_prefix'] = f'{root}{folder}/'


def _prediction_grid(dataset, results, class_names, path: str, n: int = 8, score_thr: float = 0.3) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from workbench.visualization import imshow_gt_det_bboxes
    from workbench.widgets.gallery import load_image_rgb

    n = min(n, len(dataset))
    cols = 4
    rows = max(1, int(np.ceil(n / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), dpi=100)
    for ax in np.asarray(axes).reshape(-1):
        ax.axis('off')
    for i, ax in zip(range(n), np.asarray(axes).reshape(-1)):
        ann = dataset.get_ann_info(i)
        rgb = imshow_gt_det_bboxes(load_image_rgb(dataset, i), ann, results[i], class_names, score_thr=score_thr,
                                   channel_order='rgb')
        ax.imshow(rgb)
        ax.set_title(f'val image {i}: GT dashed, predictions solid (score >= {score_thr})', fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run_main_job(out_dir: str = 'work_dirs/demo', data_dir: str = 'data/shapes', config: str = DEFAULT_CONFIG,
                 num_train: int = 300, num_val: int = 60, epochs: Optional[int] = None, seed: int = 0,
                 img_size=(160, 120), cfg_options: Optional[dict] = None, log=print) -> dict:
    """Generate the data (cached), train, evaluate and write the report; returns the metrics dict."""
    import torch

    from workbench.analysis import confusion_matrix, load_json_logs, per_class_ap, plot_confusion_matrix, plot_curve
    from workbench.apis import set_random_seed, single_gpu_test, train_detector
    from workbench.config import Config
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.datasets.shapes import make_shapes
    from workbench.engine import get_root_logger
    from workbench.models import build_detector
    from workbench.parallel import MMDataParallel
    from workbench.utils import collect_env
    from workbench.utils.logging import log_file_handler

    start = time.time()
    os.makedirs(out_dir, exist_ok=True)
    log(f'[1/4] synthetic shapes dataset in {data_dir} ({num_train} train / {num_val} val images, cached)')
    make_shapes(data_dir, num_train=num_train, num_val=num_val, img_size=img_size, seed=seed)

    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    _point_data_to(cfg, data_dir)
    if epochs is not None:
        cfg.runner['max_epochs'] = epochs
        cfg.lr_config['step'] = [max(1, int(epochs * 0.75)), max(1, int(epochs * 0.92))]
        cfg.evaluation['interval'] = epochs
        cfg.checkpoint_config['interval'] = epochs
    # log at least once per epoch, so tiny runs still have curves
    iters_per_epoch = max(1, int(np.ceil(num_train / cfg.data['samples_per_gpu'])))
    cfg.log_config['interval'] = max(1, min(cfg.log_config['interval'], iters_per_epoch))
    work_dir = osp.join(out_dir, 'work_dir')
    if osp.isdir(work_dir):
        shutil.rmtree(work_dir)  # a fresh run each time: the report describes exactly this run
    os.makedirs(work_dir)
    cfg.work_dir = work_dir
    cfg.seed = seed
    cfg.device = 'cpu'
    cfg.dump(osp.join(out_dir, 'config.py'))
    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    # not get_root_logger(log_file=...): the logger is set up once per process, so a second run (a notebook, the
    # tests) would get no log file; the handler lives exactly as long as this run
    logger = get_root_logger(log_level='INFO')
    with log_file_handler(logger, osp.join(work_dir, f'{timestamp}.log')):
        set_random_seed(seed, deterministic=False)
        env = collect_env()
        meta = dict(seed=seed, exp_name=osp.basename(config), config=cfg.pretty_text,
                    env_info='\n'.join(f'{k}: {v}' for k, v in env.items()))

        model = build_detector(cfg.model)
        model.init_weights()
        train_set = build_dataset(cfg.data.train)
        model.CLASSES = train_set.CLASSES
        meta['CLASSES'] = train_set.CLASSES
        n_params = sum(p.numel() for p in model.parameters())
        log(f'[2/4] training {cfg.model["type"]} ({n_params / 1e6:.2f} M parameters) for '
            f'{cfg.runner["max_epochs"]} epochs on CPU; log in {work_dir}')
        t_train = time.time()
        # validate=True: the last epoch's evaluation also records the epoch length in the log (for the curves)
        train_detector(model, train_set, cfg, distributed=False, validate=True, timestamp=timestamp, meta=meta)
        train_time = time.time() - t_train

        log('[3/4] evaluating on the validation split (COCO bbox metrics)')
        val_set = build_dataset(cfg.data.test, dict(test_mode=True))
        loader = build_dataloader(val_set, samples_per_gpu=1, workers_per_gpu=0, dist=False, shuffle=False)
        t_eval = time.time()
        results = single_gpu_test(MMDataParallel(model.eval()), loader, progress=False)
        metrics = val_set.evaluate(results, metric='bbox', classwise=True, logger=logger)
        if 'bbox_mAP' not in metrics:
            metrics.update(_metrics_without_detections(results, val_set))
            log('      no detection above the score threshold (model under-trained?): COCO metrics of an empty result')
        eval_time = time.time() - t_eval

        log(f'[4/4] writing the report to {out_dir}')
        class_names = list(val_set.CLASSES)
        per_class = per_class_ap(results, val_set, class_names)
        per_class.to_csv(osp.join(out_dir, 'per_class_ap.csv'), index=False)
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        logs = [osp.join(work_dir, f) for f in os.listdir(work_dir) if f.endswith('.log.json')]
        frame = load_json_logs(logs, run_names=['train'] * len(logs))
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), dpi=100)
        loss_keys = [k for k in ('loss', 'loss_cls', 'loss_bbox', 'loss_rpn_cls', 'loss_rpn_bbox') if k in frame]
        plot_curve(frame, keys=loss_keys, ax=axes[0], title='training losses')
        plot_curve(frame[frame['mode'] == 'train'], keys=['lr'], ax=axes[1], title='learning rate')
        fig.savefig(osp.join(out_dir, 'curves.png'))
        plt.close(fig)
        _prediction_grid(val_set, results, class_names, osp.join(out_dir, 'predictions.png'))
        cm = confusion_matrix(results, val_set, class_names, score_thr=0.3, tp_iou_thr=0.5)
        fig = plot_confusion_matrix(cm, normalize=False)
        fig.savefig(osp.join(out_dir, 'confusion_matrix.png'))
        plt.close(fig)
        cm.to_dataframe().to_csv(osp.join(out_dir, 'confusion_matrix.csv'))
        for f in os.listdir(work_dir):
            if f.endswith('.log') or f.endswith('.log.json'):
                shutil.copy(osp.join(work_dir, f), osp.join(out_dir, f))

        wall = time.time() - start
        summary = {k: (float(v) if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) else v)
                   for k, v in metrics.items()}
        summary.update(wall_time_s=round(wall, 1), train_time_s=round(train_time, 1), eval_time_s=round(eval_time, 1),
                       num_train=num_train, num_val=num_val, epochs=cfg.runner['max_epochs'], params=n_params,
                       config=config, torch_threads=torch.get_num_threads())
        with open(osp.join(out_dir, 'metrics.json'), 'w') as f:
            json.dump(summary, f, indent=2)
        lines = [f'# workbench main job report', '', f'- config: `{config}` (resolved copy: `config.py`)',
                 f'- data: {num_train} train / {num_val} val synthetic shapes images ({data_dir})',
                 f'- model: {cfg.model["type"]}, {n_params:,} parameters, {cfg.runner["max_epochs"]} epochs',
                 f'- wall time: {wall:.0f} s (training {train_time:.0f} s, evaluation {eval_time:.0f} s)',
                 f'- **bbox mAP@0.5 = {metrics.get("bbox_mAP_50", float("nan")):.3f}**, '
                 f'bbox mAP@[.5:.95] = {metrics.get("bbox_mAP", float("nan")):.3f}', '',
                 '## Per-class AP', '',
                 per_class.to_markdown(index=False) if _has_tabulate() else per_class.to_string(),
                 '', 'Files: `curves.png`, `predictions.png`, `confusion_matrix.png`/`.csv`, `per_class_ap.csv`, '
                 '`metrics.json`, the training log (`*.log`, `*.log.json`).']
        with open(osp.join(out_dir, 'report.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        log(f'done in {wall:.0f} s: bbox mAP@0.5 = {metrics.get("bbox_mAP_50", float("nan")):.3f}, '
            f'mAP = {metrics.get("bbox_mAP", float("nan")):.3f}; report: {osp.join(out_dir, "report.md")}')
        return summary


def _metrics_without_detections(results, dataset) -> dict:
    """The COCO bbox metrics of a result with no detections at all.

    ``CocoDataset.evaluate`` (as mmdet's) returns no metric then, because pycocotools cannot load an empty result
    file; the report still needs numbers, so evaluate in memory: AP is 0 where there is ground truth, and -1 (COCO's
    "undefined") for an area range without any.
    """
    import contextlib
    import io

    from workbench.analysis.result_analysis import build_coco_eval
    from workbench.evaluation.coco_eval import COCO_METRIC_NAMES

    coco_eval = build_coco_eval(results, dataset)
    with contextlib.redirect_stdout(io.StringIO()):
        coco_eval.summarize()
    items = ['mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l']
    metrics = {f'bbox_{k}': float(f'{coco_eval.stats[COCO_METRIC_NAMES[k]]:.4f}') for k in items}
    metrics['bbox_mAP_copypaste'] = ' '.join(f'{v:.4f}' for v in coco_eval.stats[:6])
    metrics['no_detections'] = True
    return metrics


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False
