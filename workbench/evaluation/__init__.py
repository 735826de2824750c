"""Evaluation: COCO (pycocotools / faster-coco-eval), VOC-style mAP, proposal recall, class names, DataFrames."""
from .bbox_overlaps import bbox_overlaps
from .class_names import (COCO_CLASSES, SHAPES_CLASSES, VOC_CLASSES, cityscapes_classes, coco_classes, get_classes,
                          shapes_classes, voc_classes, wider_face_classes)
from .coco_eval import BACKENDS, COCO_METRIC_NAMES, classwise_ap, coco_evaluate, coco_metric_names, get_coco_api
from .dataframes import coco_eval_to_dataframe, eval_map_dataframe, map_results_to_dataframe
from .logging_utils import print_log
from .mean_ap import (average_precision, eval_map, get_cls_group_ofs, get_cls_results, print_map_summary,
                      tpfp_default, tpfp_imagenet, tpfp_openimages)
from .recall import (eval_recalls, plot_iou_recall, plot_num_recall, print_recall_summary, set_recall_param)

__all__ = [
    'bbox_overlaps', 'COCO_CLASSES', 'VOC_CLASSES', 'SHAPES_CLASSES', 'coco_classes', 'voc_classes',
    'cityscapes_classes', 'wider_face_classes', 'shapes_classes', 'get_classes', 'BACKENDS', 'COCO_METRIC_NAMES',
    'coco_metric_names',
    'coco_evaluate', 'get_coco_api', 'classwise_ap', 'coco_eval_to_dataframe', 'map_results_to_dataframe',
    'eval_map_dataframe', 'print_log', 'average_precision', 'eval_map', 'get_cls_results', 'get_cls_group_ofs',
    'print_map_summary', 'tpfp_default', 'tpfp_imagenet', 'tpfp_openimages', 'eval_recalls', 'print_recall_summary',
    'set_recall_param', 'plot_num_recall', 'plot_iou_recall'
]
