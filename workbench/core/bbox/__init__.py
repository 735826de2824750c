"""Box-level components (``mmdet.core.bbox``): coders, IoU, assigners, samplers and transforms."""
from .assigners import (AssignResult, ATSSAssigner, BaseAssigner, CenterRegionAssigner, GridAssigner,
                        HungarianAssigner, MaxIoUAssigner, PointAssigner)
from .builder import build_assigner, build_bbox_coder, build_sampler
from .coder import (BaseBBoxCoder, DeltaXYWHBBoxCoder, DistancePointBBoxCoder, PseudoBBoxCoder, TBLRBBoxCoder,
                    YOLOBBoxCoder)
from .match_costs import (BBoxL1Cost, ClassificationCost, CrossEntropyLossCost, DiceCost, FocalLossCost,
                          IoUCost, build_match_cost)
from .iou_calculators import BboxOverlaps2D, bbox_overlaps, build_iou_calculator
from .samplers import (BaseSampler, OHEMSampler, PseudoSampler, RandomSampler, SamplingResult)
from .transforms import (bbox2distance, bbox2result, bbox2roi, bbox_cxcywh_to_xyxy, bbox_flip, bbox_mapping,
                         bbox_mapping_back, bbox_rescale, bbox_xyxy_to_cxcywh, distance2bbox, find_inside_bboxes,
                         roi2bbox)

__all__ = [
    'bbox_overlaps', 'BboxOverlaps2D', 'build_iou_calculator', 'BaseAssigner', 'MaxIoUAssigner', 'AssignResult',
    'ATSSAssigner', 'CenterRegionAssigner', 'GridAssigner', 'HungarianAssigner', 'PointAssigner',
    'build_match_cost', 'BBoxL1Cost', 'ClassificationCost', 'CrossEntropyLossCost', 'DiceCost', 'FocalLossCost',
    'IoUCost', 'BaseSampler', 'PseudoSampler', 'RandomSampler', 'OHEMSampler', 'SamplingResult', 'build_assigner',
    'build_sampler', 'build_bbox_coder', 'BaseBBoxCoder', 'PseudoBBoxCoder', 'DeltaXYWHBBoxCoder', 'TBLRBBoxCoder',
    'DistancePointBBoxCoder', 'YOLOBBoxCoder', 'bbox_flip', 'bbox_mapping', 'bbox_mapping_back', 'bbox2roi',
    'roi2bbox', 'bbox2result', 'distance2bbox', 'bbox2distance', 'bbox_rescale', 'bbox_cxcywh_to_xyxy',
    'bbox_xyxy_to_cxcywh', 'find_inside_bboxes'
]
