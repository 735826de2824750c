from .base_bbox_coder import BaseBBoxCoder
from .delta_xywh_bbox_coder import DeltaXYWHBBoxCoder, bbox2delta, delta2bbox
from .distance_point_bbox_coder import DistancePointBBoxCoder
from .pseudo_bbox_coder import PseudoBBoxCoder
from .tblr_bbox_coder import TBLRBBoxCoder
from .yolo_bbox_coder import YOLOBBoxCoder

__all__ = ['BaseBBoxCoder', 'DeltaXYWHBBoxCoder', 'DistancePointBBoxCoder', 'PseudoBBoxCoder', 'TBLRBBoxCoder',
           'YOLOBBoxCoder', 'bbox2delta', 'delta2bbox']
