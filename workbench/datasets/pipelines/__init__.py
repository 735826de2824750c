"""Data pipeline transforms (mmdet 2.x names and results-dict keys), registered in ``PIPELINES``."""
from ._utils import PipelineKeyError
from .compose import Compose
from .crop import Expand, MinIoURandomCrop, RandomCenterCropPad, RandomCrop
from .formatting import (Collect, DefaultFormatBundle, ImageToTensor, ToDataContainer, ToTensor, Transpose,
                         WrapFieldsToLists, to_tensor)
from .loading import (FilterAnnotations, LoadAnnotations, LoadImageFromFile, LoadImageFromWebcam,
                      LoadMultiChannelImageFromFiles, LoadProposals)
from .mix import MixUp, Mosaic, RandomAffine
from .photometric import CutOut, PhotoMetricDistortion, YOLOXHSVRandomAug
from .test_time_aug import MultiScaleFlipAug
from .transforms import Normalize, Pad, RandomFlip, Resize, SegRescale

__all__ = [
    'Compose', 'PipelineKeyError', 'to_tensor', 'ToTensor', 'ImageToTensor', 'ToDataContainer', 'Transpose',
    'Collect', 'DefaultFormatBundle', 'WrapFieldsToLists', 'LoadAnnotations', 'LoadImageFromFile',
    'LoadImageFromWebcam', 'LoadMultiChannelImageFromFiles', 'LoadProposals', 'FilterAnnotations',
    'MultiScaleFlipAug', 'Resize', 'RandomFlip', 'Pad', 'Normalize', 'SegRescale',
    'RandomCrop', 'Expand', 'MinIoURandomCrop', 'Mosaic', 'MixUp', 'RandomAffine', 'PhotoMetricDistortion',
    'YOLOXHSVRandomAug', 'CutOut', 'RandomCenterCropPad'
]
