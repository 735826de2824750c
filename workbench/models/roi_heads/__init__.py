"""RoI heads (mmdet.models.roi_heads). The RoI extractors are here; the RoI/bbox/mask heads are added by their
owner (one import line each)."""
from .roi_extractors import BaseRoIExtractor, GenericRoIExtractor, SingleRoIExtractor
# RoI/bbox/mask heads (two-stage detectors)
from .base_roi_head import BaseRoIHead
from .bbox_heads import BBoxHead, ConvFCBBoxHead, Shared2FCBBoxHead, Shared4Conv1FCBBoxHead
from .cascade_roi_head import CascadeRoIHead
from .mask_heads import FCNMaskHead
from .standard_roi_head import StandardRoIHead

__all__ = ['BaseRoIExtractor', 'GenericRoIExtractor', 'SingleRoIExtractor', 'BaseRoIHead', 'BBoxHead',
           'ConvFCBBoxHead', 'Shared2FCBBoxHead', 'Shared4Conv1FCBBoxHead', 'CascadeRoIHead', 'FCNMaskHead',
           'StandardRoIHead']
