"""``workbench dataset-stats CONFIG``: what a dataset split holds (images and instances per class, boxes per image,
box sizes and shapes) and how well the config's anchors cover its boxes (best IoU of any anchor with each GT box,
with the boxes resized as the pipeline's Resize does; a box is covered at IoU >= --iou-thr).

Writes per_class.csv, boxes_per_image.csv, boxes.csv (one row per box, with best_anchor_iou/covered when the
model has an anchor generator), size_summary.csv, dataset_stats.png and summary.json into --out-dir.
"""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'dataset-stats', parents=list(parents), help='class/box statistics of a dataset and anchor coverage',
        description=__doc__.split('\n\n', 1)[1])
    add_config_arg(parser)
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'], help='data split (train)')
    parser.add_argument('--out-dir', default=None,
                        help='output folder (default: ./work_dirs/dataset_stats/<config name>)')
    parser.add_argument('--img-scale', type=int, nargs=2, default=None, metavar=('LONG', 'SHORT'),
                        help='resize scale for the anchor coverage (default: the first Resize img_scale of the '
                             'training pipeline)')
    parser.add_argument('--iou-thr', type=float, default=0.5, help='IoU at which an anchor covers a box (0.5)')
    add_cfg_options(parser)
    return parser


def find_anchor_generator(model_cfg):
    """The first anchor_generator dict in the model config (bbox_head or rpn_head), else None."""
    for head in ('bbox_head', 'rpn_head'):
        node = model_cfg.get(head)
        if isinstance(node, dict) and isinstance(node.get('anchor_generator'), dict):
            return node['anchor_generator']
    return None


def find_img_scale(pipeline):
    for step in pipeline or []:
        if step.get('type') == 'Resize' and step.get('img_scale') is not None:
            scale = step['img_scale']
            return tuple(scale[0]) if isinstance(scale, list) and isinstance(scale[0], (list, tuple)) else \
                tuple(scale)
        if 'transforms' in step:
            found = find_img_scale(step['transforms'])
            if found is not None:
                return found
    return None


def run(args) -> int:
    import os

    from workbench.analysis import anchor_coverage, dataset_statistics, plot_dataset_statistics

    from ._common import build_test_dataset, load_config, save_figure, use_agg_backend, write_json, write_table

    use_agg_backend()
    cfg = load_config(args.config, args.cfg_options)
    # test mode: every image counts (no filtering of images without boxes); the pipeline is not run
    dataset = build_test_dataset(cfg, args.split)
    out_dir = args.out_dir or osp.join('.', 'work_dirs', 'dataset_stats',
                                       osp.splitext(osp.basename(args.config.split('::')[-1]))[0])
    os.makedirs(out_dir, exist_ok=True)
    stats = dataset_statistics(dataset)
    boxes = stats['boxes']
    summary = dict(config=args.config, split=args.split, images=len(dataset), instances=int(len(boxes)),
                   classes=list(dataset.CLASSES))
    generator = find_anchor_generator(cfg.to_dict()['model'])
    if generator is not None and len(boxes):
        scale = tuple(args.img_scale) if args.img_scale else find_img_scale(cfg.to_dict()['data']['train'].get(
            'pipeline'))
        boxes = anchor_coverage(dataset, generator, img_scale=scale, iou_thr=args.iou_thr)
        summary.update(anchor_generator=generator, img_scale=list(scale) if scale else None, iou_thr=args.iou_thr,
                       covered_fraction=float(boxes.covered.mean()),
                       uncovered_per_class={k: int(v) for k, v in
                                            boxes[~boxes.covered].groupby('class_name').size().items()})
    write_table(stats['per_class'], osp.join(out_dir, 'per_class.csv'))
    write_table(stats['boxes_per_image'], osp.join(out_dir, 'boxes_per_image.csv'))
    write_table(boxes, osp.join(out_dir, 'boxes.csv'))
    write_table(stats['size_summary'], osp.join(out_dir, 'size_summary.csv'), index=True)
    save_figure(plot_dataset_statistics(stats), osp.join(out_dir, 'dataset_stats.png'))
    write_json(summary, osp.join(out_dir, 'summary.json'))
    print(stats['per_class'].to_string(index=False))
    print(f'{summary["images"]} images, {summary["instances"]} boxes')
    if 'covered_fraction' in summary:
        print(f'{100 * summary["covered_fraction"]:.1f}% of the boxes have an anchor with IoU >= {args.iou_thr} '
              f'(img_scale {summary["img_scale"]})')
    print(f'written to {out_dir}: per_class.csv, boxes_per_image.csv, boxes.csv, size_summary.csv, '
          'dataset_stats.png, summary.json')
    return 0
