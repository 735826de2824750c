"""``workbench error-analysis CONFIG RESULT.pkl OUT_DIR`` (or ``RESULT.bbox.json OUT_DIR --ann ANN.json``, as mmdet's
``tools/analysis_tools/coco_error_analysis.py``): where the AP is lost.

Writes into OUT_DIR:

* TIDE error analysis (see ``workbench.analysis.error_analysis`` for the matching rules): ``tide_delta_ap.csv``
  (the AP points each error type costs, overall and per class), ``tide_delta_ap.png``,
  ``tide_delta_ap_per_class.png``, ``tide_error_counts.csv``, ``tide_instances.csv`` (every false positive and
  missed GT with its error type and the reason), ``tide_summary.json``;
* the COCO precision breakdown (C75, C50, Loc, Sim, Oth, BG, FN): ``coco_breakdown.csv`` and
  ``coco_breakdown_<class|overall>_<area>.png`` (overall for every area, each class for area 'all').
"""
from __future__ import annotations

import os.path as osp
import re


def add_parser(subparsers, parents=()):
    from ._common import add_cfg_options
    parser = subparsers.add_parser(
        'error-analysis', parents=list(parents), help='TIDE error breakdown and COCO precision breakdown plots',
        description='Break the AP loss of a result file down by error type. Inputs: CONFIG RESULT.pkl OUT_DIR '
                    '(results of `workbench test --out`, ground truth from the config\'s data.test), or '
                    'RESULT.bbox.json OUT_DIR --ann ANN.json (COCO-format results and annotations).')
    parser.add_argument('paths', nargs='+', metavar='PATH', help='CONFIG RESULT.pkl OUT_DIR, or RESULT.json OUT_DIR '
                                                                 'with --ann')
    parser.add_argument('--ann', default=None, help='COCO annotation file (with a COCO-format RESULT.json)')
    parser.add_argument('--types', nargs='+', default=['bbox'], choices=['bbox', 'segm'],
                        help='result types to analyse (only bbox is supported)')
    parser.add_argument('--pos-thr', type=float, default=0.5, help='IoU for a true positive (TIDE, default 0.5)')
    parser.add_argument('--bg-thr', type=float, default=0.1,
                        help='IoU below which a false positive is background (TIDE, default 0.1)')
    parser.add_argument('--max-dets', type=int, default=100, help='detections per image considered (default 100)')
    parser.add_argument('--extraplots', action='store_true',
                        help='accepted for compatibility: the per-class breakdown plots are always written')
    add_cfg_options(parser)
    return parser


def results_from_coco_json(dataset, path: str):
    """mmdet-format results (per image, per class (n, 5) arrays) from a COCO results json, in the dataset's order."""
    import numpy as np

    from workbench import fileio

    dets = fileio.load(path)
    if not isinstance(dets, list):
        raise ValueError(f'{path}: expected a COCO results list of dict(image_id, category_id, bbox, score)')
    index_of = {info['id']: i for i, info in enumerate(dataset.data_infos)}
    per_image = [[[] for _ in dataset.CLASSES] for _ in dataset.data_infos]
    for k, d in enumerate(dets):
        if d.get('image_id') not in index_of:
            raise ValueError(f'{path}: entry {k} has image_id {d.get("image_id")!r}, which the annotation file '
                             'does not list')
        if d.get('category_id') not in dataset.cat2label:
            raise ValueError(f'{path}: entry {k} has an unknown category_id {d.get("category_id")!r}')
        x, y, w, h = d['bbox']
        per_image[index_of[d['image_id']]][dataset.cat2label[d['category_id']]].append(
            [x, y, x + w, y + h, d['score']])
    return [[np.asarray(c, dtype=np.float32).reshape(-1, 5) for c in img] for img in per_image]


def _dataset_and_results(args):
    from ._common import CliError, build_test_dataset, load_config, load_results

    if args.ann is not None:
        if len(args.paths) != 2:
            raise CliError(f'with --ann give RESULT OUT_DIR, got {len(args.paths)} paths: {args.paths}',
                           'e.g. workbench error-analysis results.bbox.json out/ --ann instances_val.json')
        result_path, out_dir = args.paths
        from workbench import fileio
        from workbench.datasets import CocoDataset
        if not osp.isfile(args.ann):
            raise FileNotFoundError(f'annotation file not found: {args.ann}')
        names = tuple(c['name'] for c in fileio.load(args.ann)['categories'])
        dataset = CocoDataset(ann_file=args.ann, pipeline=[], classes=names, test_mode=True)
        if result_path.endswith('.json'):
            if not osp.isfile(result_path):
                raise FileNotFoundError(f'result file not found: {result_path}')
            results = results_from_coco_json(dataset, result_path)
        else:
            results = load_results(result_path, len(dataset))
        return dataset, results, out_dir
    if len(args.paths) != 3:
        raise CliError(f'expected CONFIG RESULT.pkl OUT_DIR, got {len(args.paths)} paths: {args.paths}',
                       'e.g. workbench error-analysis cfg.py results.pkl out/   (or RESULT.json OUT_DIR --ann ANN)')
    config, result_path, out_dir = args.paths
    cfg = load_config(config, args.cfg_options)
    dataset = build_test_dataset(cfg)
    return dataset, load_results(result_path, len(dataset)), out_dir


def _slug(name: str) -> str:
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', str(name))


def run(args) -> int:
    import os

    from workbench.analysis import coco_precision_breakdown, error_analysis, plot_coco_breakdown
    from workbench.analysis import plot_error_analysis
    from workbench.analysis.coco_breakdown import AREA_NAMES

    from ._common import CliError, save_figure, use_agg_backend, write_json, write_table

    if 'segm' in args.types:
        raise CliError('--types segm is not supported: the error analysis works on boxes',
                       'use --types bbox (the default)')
    use_agg_backend()
    dataset, results, out_dir = _dataset_and_results(args)
    os.makedirs(out_dir, exist_ok=True)
    names = list(dataset.CLASSES)

    ea = error_analysis(results, dataset, pos_thr=args.pos_thr, bg_thr=args.bg_thr, max_dets=args.max_dets)
    write_table(ea.delta_ap, osp.join(out_dir, 'tide_delta_ap.csv'), index=True)
    write_table(ea.counts, osp.join(out_dir, 'tide_error_counts.csv'), index=True)
    write_table(ea.instances, osp.join(out_dir, 'tide_instances.csv'))
    write_json(dict(map=ea.map, pos_thr=ea.pos_thr, bg_thr=ea.bg_thr,
                    delta_map={k: float(v) for k, v in ea.delta_ap['overall'].items()},
                    per_class_ap={k: float(v) for k, v in ea.per_class_ap.items()}),
               osp.join(out_dir, 'tide_summary.json'))
    save_figure(plot_error_analysis(ea), osp.join(out_dir, 'tide_delta_ap.png'))
    save_figure(plot_error_analysis(ea, per_class=True), osp.join(out_dir, 'tide_delta_ap_per_class.png'))

    table, curves = coco_precision_breakdown(results, dataset)
    write_table(table, osp.join(out_dir, 'coco_breakdown.csv'))
    written = []
    for a, area in enumerate(AREA_NAMES):
        path = osp.join(out_dir, f'coco_breakdown_overall_{area}.png')
        save_figure(plot_coco_breakdown(curves, class_index=-1, area_index=a, title=f'overall, area {area}'), path)
        written.append(path)
    for k, name in enumerate(names):
        path = osp.join(out_dir, f'coco_breakdown_{_slug(name)}_all.png')
        save_figure(plot_coco_breakdown(curves, class_index=k, area_index=0, title=f'{name}, area all'), path)
        written.append(path)

    print(f'mAP@{ea.pos_thr} = {ea.map:.2f}; ΔmAP if each error type were fixed:')
    print(ea.summary().to_string())
    print(f'written to {out_dir}: tide_delta_ap.csv/png, tide_delta_ap_per_class.png, tide_error_counts.csv, '
          f'tide_instances.csv, tide_summary.json, coco_breakdown.csv and {len(written)} coco_breakdown_*.png')
    return 0
