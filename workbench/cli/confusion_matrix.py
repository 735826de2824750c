"""``workbench confusion-matrix CONFIG RESULT.pkl SAVE_DIR`` (mmdet's ``tools/analysis_tools/confusion_matrix.py``).

Rows are ground truth, columns predictions; the last row ("background") counts detections that overlap no GT box
(false positives), the last column GT boxes that no detection of their class found (misses). Writes
confusion_matrix.png (row-normalised, %), confusion_matrix_counts.png, confusion_matrix.csv (counts),
confusion_matrix_normalized.csv and per_class_summary.csv.
"""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'confusion-matrix', parents=list(parents), help='detection confusion matrix (PNG + CSV)',
        description=__doc__.split('\n\n', 1)[1])
    add_config_arg(parser)
    parser.add_argument('prediction_path', help='prediction path where test .pkl result')
    parser.add_argument('save_dir', help='directory where confusion matrix will be saved')
    parser.add_argument('--show', action='store_true', help='accepted for compatibility (never opens a window)')
    parser.add_argument('--color-theme', default='Blues', help='matplotlib colormap of the matrix (default Blues)')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='score threshold to filter detection bboxes (default 0.3)')
    parser.add_argument('--tp-iou-thr', type=float, default=0.5,
                        help='IoU threshold to be considered as matched (default 0.5)')
    parser.add_argument('--nms-iou-thr', type=float, default=None,
                        help='nms IoU threshold, only applied when users want to change the nms IoU threshold')
    add_cfg_options(parser)
    return parser


def run(args) -> int:
    import os

    from workbench.analysis import confusion_matrix, plot_confusion_matrix

    from ._common import build_test_dataset, load_config, load_results, save_figure, use_agg_backend, write_table

    use_agg_backend()
    cfg = load_config(args.config, args.cfg_options)
    dataset = build_test_dataset(cfg)
    results = load_results(args.prediction_path, len(dataset))
    os.makedirs(args.save_dir, exist_ok=True)
    cm = confusion_matrix(results, dataset, score_thr=args.score_thr, tp_iou_thr=args.tp_iou_thr,
                          nms_iou_thr=args.nms_iou_thr)
    write_table(cm.to_dataframe(), osp.join(args.save_dir, 'confusion_matrix.csv'), index=True)
    write_table(cm.to_dataframe(normalize=True), osp.join(args.save_dir, 'confusion_matrix_normalized.csv'),
                index=True)
    write_table(cm.per_class_summary(), osp.join(args.save_dir, 'per_class_summary.csv'))
    import matplotlib.pyplot as plt
    n = len(cm.labels)
    for normalize, name in ((True, 'confusion_matrix.png'), (False, 'confusion_matrix_counts.png')):
        # room for the long axis titles that explain the background row/column, however few the classes
        _, ax = plt.subplots(figsize=(max(7.5, 2.0 + 0.6 * n), max(6.5, 1.8 + 0.5 * n)), dpi=100)
        save_figure(plot_confusion_matrix(cm, normalize=normalize, cmap=args.color_theme, ax=ax),
                    osp.join(args.save_dir, name))
    print(cm.to_dataframe().to_string())
    print(f'written to {args.save_dir}: confusion_matrix.png, confusion_matrix_counts.png, confusion_matrix.csv, '
          'confusion_matrix_normalized.csv, per_class_summary.csv')
    return 0
