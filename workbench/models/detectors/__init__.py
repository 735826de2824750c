"""Detectors, registered in DETECTORS (== MODELS) under mmdet 2.x names."""
from .atss import ATSS
from .base import BaseDetector
from .fcos import FCOS
from .retinanet import RetinaNet
from .single_stage import SingleStageDetector
from .two_stage import RPN, CascadeRCNN, FasterRCNN, MaskRCNN, TwoStageDetector
from .yolo import YOLOV3

__all__ = ['ATSS', 'BaseDetector', 'FCOS', 'RetinaNet', 'SingleStageDetector', 'YOLOV3', 'TwoStageDetector', 'FasterRCNN',
           'MaskRCNN', 'CascadeRCNN', 'RPN']
