"""Dense (one-stage) detection heads, registered in HEADS (== MODELS) under mmdet 2.x names."""
from .anchor_free_head import AnchorFreeHead
from .anchor_head import AnchorHead
from .atss_head import ATSSHead
from .base_dense_head import BaseDenseHead
from .dense_test_mixins import BBoxTestMixin
from .fcos_head import FCOSHead
from .retina_head import RetinaHead
from .rpn_head import RPNHead
from .ssd_head import SSDHead
from .yolo_head import YOLOV3Head

__all__ = [
    'AnchorFreeHead', 'AnchorHead', 'ATSSHead', 'BaseDenseHead', 'BBoxTestMixin', 'FCOSHead', 'RetinaHead', 'RPNHead',
    'SSDHead', 'YOLOV3Head'
]
