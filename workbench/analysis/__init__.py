"""Analysis functions that return data (DataFrames, arrays) and companion ``plot_*`` functions that draw it.

The notebook widgets, the CLI and the tests all call these, so what a widget shows is what a test checks.
"""
from .anchor_optimization import (AnchorOptimizationResult, differential_evolution_anchors, kmeans_anchors,
                                  mean_best_iou, optimize_anchors)
from .complexity import model_complexity
from .speed import measure_fps
from .coco_breakdown import BREAKDOWN_TYPES, coco_precision_breakdown, plot_coco_breakdown
from .confusion_matrix import DetectionConfusionMatrix, confusion_matrix, plot_confusion_matrix
from .dataset_stats import anchor_coverage, box_table, dataset_statistics, plot_dataset_statistics
from .error_analysis import ERROR_TYPES, ErrorAnalysis, error_analysis, plot_error_analysis
from .logs import cal_train_time, load_json_logs, plot_curve
from .result_analysis import (per_class_ap, per_image_map, plot_pr_curves, pr_curves, score_threshold_sweep,
                              top_k_images)

__all__ = [
    'confusion_matrix', 'plot_confusion_matrix', 'DetectionConfusionMatrix', 'error_analysis', 'plot_error_analysis',
    'ErrorAnalysis', 'ERROR_TYPES', 'load_json_logs', 'plot_curve', 'cal_train_time', 'per_class_ap', 'pr_curves',
    'plot_pr_curves', 'score_threshold_sweep', 'per_image_map', 'top_k_images', 'dataset_statistics', 'box_table',
    'anchor_coverage', 'plot_dataset_statistics', 'optimize_anchors', 'kmeans_anchors',
    'differential_evolution_anchors', 'mean_best_iou', 'AnchorOptimizationResult', 'coco_precision_breakdown',
    'plot_coco_breakdown', 'BREAKDOWN_TYPES', 'model_complexity', 'measure_fps'
]
