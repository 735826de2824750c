"""Necks registered in MODELS under their mmdet names."""
from .channel_mapper import ChannelMapper
from .fpn import FPN
from .pafpn import PAFPN
from .ssd_neck import SSDNeck
from .yolo_neck import YOLOV3Neck

__all__ = ['FPN', 'PAFPN', 'ChannelMapper', 'YOLOV3Neck', 'SSDNeck']
