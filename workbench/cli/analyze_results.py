"""``workbench analyze-results CONFIG RESULT.pkl SHOW_DIR`` (mmdet's ``tools/analysis_tools/analyze_results.py``):
mAP of every image alone, the top-k best and worst images drawn (GT dashed, detections solid) into
``SHOW_DIR/good`` and ``SHOW_DIR/bad``, plus tables: per-image mAP, per-class AP, a score-threshold sweep and the
precision-recall curves.

Per-image mAP is VOC-style ``eval_map`` on that image alone, averaged over IoU 0.50:0.95 (as mmdet); per-class AP and
PR curves come from COCO evaluation of the whole set.
"""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'analyze-results', parents=list(parents), help='per-image mAP, best/worst images, per-class AP, PR curves',
        description='Analyse the results pickled by `workbench test --out`: rank images by their mAP and draw the '
                    'best and worst, and write per-class AP, PR curves and a score-threshold sweep.')
    add_config_arg(parser)
    parser.add_argument('prediction_path', help='output result file in pickle format from `workbench test --out`')
    parser.add_argument('show_dir', help='directory where painted GT and detection images will be saved')
    parser.add_argument('--show', action='store_true', help='accepted for compatibility (never opens a window)')
    parser.add_argument('--wait-time', type=float, default=0, help='accepted for compatibility (unused)')
    parser.add_argument('--topk', default=20, type=int,
                        help='saved number of the highest and lowest topk scoring images (default 20)')
    parser.add_argument('--show-score-thr', type=float, default=0, help='score threshold for drawing (default 0)')
    parser.add_argument('--overlay-gt-pred', action='store_true', default=True,
                        help='draw GT and detections on one image (default) ...')
    parser.add_argument('--side-by-side', dest='overlay_gt_pred', action='store_false',
                        help='... or GT and detections side by side')
    parser.add_argument('--iou-thrs', type=float, nargs='+', default=None,
                        help='IoU thresholds of the per-image mAP (default 0.50:0.05:0.95)')
    add_cfg_options(parser)
    return parser


def run(args) -> int:
    import os

    from tqdm.auto import tqdm

    from workbench.analysis import per_class_ap, per_image_map, plot_pr_curves, pr_curves, score_threshold_sweep
    from workbench.analysis import top_k_images
    from workbench.visualization import imshow_gt_det_bboxes
    from workbench.widgets.gallery import load_image_rgb

    from ._common import build_test_dataset, load_config, load_results, save_figure, use_agg_backend, write_table

    use_agg_backend()
    if args.topk < 1:
        raise ValueError(f'--topk must be >= 1, got {args.topk}')
    cfg = load_config(args.config, args.cfg_options)
    dataset = build_test_dataset(cfg)
    results = load_results(args.prediction_path, len(dataset))
    os.makedirs(args.show_dir, exist_ok=True)

    kwargs = {} if args.iou_thrs is None else dict(iou_thrs=args.iou_thrs)
    per_image = per_image_map(results, dataset, **kwargs)
    per_image.insert(1, 'filename', [dataset.data_infos[i]['filename'] for i in per_image.image_index])
    write_table(per_image, osp.join(args.show_dir, 'per_image_map.csv'))
    good, bad = top_k_images(per_image, args.topk)
    names = list(dataset.CLASSES)
    for kind, table in (('good', good), ('bad', bad)):
        folder = osp.join(args.show_dir, kind)
        os.makedirs(folder, exist_ok=True)
        for _, row in tqdm(list(table.iterrows()), desc=kind, unit='img', leave=False):
            i = int(row.image_index)
            stem = osp.splitext(osp.basename(dataset.data_infos[i]['filename']))[0]
            out_file = osp.join(folder, f'{stem}_{row.mAP:.3f}.png')
            imshow_gt_det_bboxes(load_image_rgb(dataset, i), dataset.get_ann_info(i), results[i],
                                 class_names=names, score_thr=args.show_score_thr, out_file=out_file,
                                 channel_order='rgb', overlay=args.overlay_gt_pred)

    write_table(per_class_ap(results, dataset), osp.join(args.show_dir, 'per_class_ap.csv'))
    write_table(score_threshold_sweep(results, dataset), osp.join(args.show_dir, 'score_threshold_sweep.csv'))
    curves = pr_curves(results, dataset, iou_thrs=(0.5, 0.75))
    write_table(curves, osp.join(args.show_dir, 'pr_curves.csv'))
    save_figure(plot_pr_curves(curves[curves.iou_thr == 0.5]), osp.join(args.show_dir, 'pr_curves.png'))
    print(f'mean per-image mAP {per_image.mAP.mean():.4f} over {len(per_image)} images; '
          f'{len(good)} best and {len(bad)} worst drawn into {args.show_dir}/good and {args.show_dir}/bad; '
          'tables: per_image_map.csv, per_class_ap.csv, score_threshold_sweep.csv, pr_curves.csv/png')
    return 0
