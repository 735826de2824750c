"""``workbench optimize-anchors CONFIG`` (mmdet's ``tools/analysis_tools/optimize_anchors.py``): YOLO-style anchor
shapes for the training set's boxes, by k-means (1 - IoU distance) or differential evolution, with the mean best
IoU. Boxes are scaled as the image is resized to fit --input-shape (W H), keeping its aspect ratio.

Writes anchor_optimize_result.json (anchors small to large, as YOLOAnchorGenerator base_sizes too), anchors.csv and
anchors.png (box shapes and anchors) into --output-dir.
"""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'optimize-anchors', parents=list(parents), help='optimise YOLO anchors (k-means / differential evolution)',
        description=__doc__.split('\n\n', 1)[1])
    add_config_arg(parser)
    parser.add_argument('--device', default='cpu', help='accepted for compatibility (numpy/scipy run on the CPU)')
    parser.add_argument('--input-shape', type=int, nargs=2, default=[608, 608], metavar=('WIDTH', 'HEIGHT'),
                        help='input image size [width, height] (default 608 608)')
    parser.add_argument('--algorithm', default='differential_evolution',
                        choices=['differential_evolution', 'k-means', 'kmeans'],
                        help='optimisation algorithm (default differential_evolution)')
    parser.add_argument('--iters', default=1000, type=int, help='maximum iterations of the optimiser')
    parser.add_argument('--num-anchors', type=int, default=None,
                        help='number of anchors (default: as many as the config\'s YOLOAnchorGenerator base_sizes, '
                             'else 9)')
    parser.add_argument('--seed', type=int, default=0, help='random seed of the optimiser')
    parser.add_argument('--output-dir', default=None, help='path to save the results (default: ./work_dirs)')
    add_cfg_options(parser)
    return parser


def _yolo_base_sizes(cfg):
    """The base_sizes of a YOLOAnchorGenerator anywhere in the model config, else None."""
    def walk(node):
        if isinstance(node, dict):
            if node.get('type') == 'YOLOAnchorGenerator' and 'base_sizes' in node:
                return node['base_sizes']
            for value in node.values():
                found = walk(value)
                if found is not None:
                    return found
        elif isinstance(node, (list, tuple)):
            for value in node:
                found = walk(value)
                if found is not None:
                    return found
        return None
    return walk(cfg.to_dict().get('model', {}))


def _unwrap_dataset(dataset):
    while not hasattr(dataset, 'data_infos') and hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    return dataset


def run(args) -> int:
    import os

    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from workbench.analysis.anchor_optimization import box_shapes, mean_best_iou, optimize_anchors
    from workbench.datasets import build_dataset

    from ._common import load_config, save_figure, use_agg_backend, write_json, write_table

    use_agg_backend()
    cfg = load_config(args.config, args.cfg_options)
    base_sizes = _yolo_base_sizes(cfg)
    num_anchors = args.num_anchors or (sum(len(level) for level in base_sizes) if base_sizes else 9)
    dataset = _unwrap_dataset(build_dataset(cfg.data.train))
    input_size = tuple(args.input_shape)
    whs = box_shapes(dataset, input_size)
    print(f'Collected {len(whs)} bboxes from {len(dataset)} images (scaled to fit {input_size[0]}x{input_size[1]}).')
    method = 'kmeans' if args.algorithm in ('k-means', 'kmeans') else 'differential_evolution'
    result = optimize_anchors(dataset, num_anchors=num_anchors, input_size=input_size, method=method,
                              iters=args.iters, seed=args.seed)
    anchors = [[int(round(w)), int(round(h))] for w, h in result.anchors]
    print(f'Anchor {method} result: {anchors}')
    print(f'Average IoU: {result.mean_iou:.4f}')
    summary = dict(config=args.config, algorithm=method, input_shape=list(input_size), num_boxes=int(len(whs)),
                   anchors=anchors, mean_iou=float(result.mean_iou))
    if base_sizes:
        summary['config_base_sizes'] = base_sizes
        summary['config_mean_iou'] = mean_best_iou(dataset, [wh for level in base_sizes for wh in level],
                                                   input_size)
        print(f'Average IoU of the config\'s anchors: {summary["config_mean_iou"]:.4f}')
    if num_anchors % 3 == 0:
        summary['yolo_base_sizes'] = result.as_yolo_base_sizes(3)

    out_dir = args.output_dir or osp.join('.', 'work_dirs')
    os.makedirs(out_dir, exist_ok=True)
    json_path = write_json(summary, osp.join(out_dir, 'anchor_optimize_result.json'))
    write_table(pd.DataFrame(result.anchors, columns=['width', 'height']).assign(
        area=lambda d: d.width * d.height), osp.join(out_dir, 'anchors.csv'))
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.scatter(whs[:, 0], whs[:, 1], s=6, alpha=0.5, label='GT boxes')
    ax.scatter(result.anchors[:, 0], result.anchors[:, 1], marker='x', s=80, c='red', label='anchors')
    ax.set_xlabel('width (px at input shape)')
    ax.set_ylabel('height (px at input shape)')
    ax.set_title(f'{method}: mean best IoU {result.mean_iou:.3f}')
    ax.legend()
    lim = float(np.max(whs)) * 1.05 if len(whs) else 1.0
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    save_figure(fig, osp.join(out_dir, 'anchors.png'))
    print(f'Result saved in {json_path} (also anchors.csv, anchors.png)')
    return 0
