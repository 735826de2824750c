"""Datasets (mmdet 2.x names): CustomDataset, CocoDataset, XMLDataset, VOCDataset, wrappers, builders, samplers,
and the synthetic shapes generator. All datasets are registered in ``workbench.registry.DATASETS``."""
from .builder import build_dataloader, build_dataset, worker_init_fn
from .coco import CocoDataset
from .custom import CustomDataset, DataItemError
from .dataset_wrappers import ClassBalancedDataset, ConcatDataset, MultiImageMixDataset, RepeatDataset
from .samplers import (DistributedGroupSampler, DistributedSampler, GroupSampler, InfiniteBatchSampler,
                       InfiniteGroupBatchSampler)
from .shapes import SHAPES_CLASSES, make_shapes
from .utils import get_loading_pipeline, replace_ImageToTensor
from .voc import VOCDataset
from .xml_style import XMLDataset
from ..evaluation.class_names import get_classes

__all__ = [
    'CustomDataset', 'CocoDataset', 'XMLDataset', 'VOCDataset', 'DataItemError', 'ConcatDataset', 'RepeatDataset',
    'ClassBalancedDataset', 'MultiImageMixDataset', 'build_dataset', 'build_dataloader', 'worker_init_fn',
    'GroupSampler', 'DistributedGroupSampler', 'DistributedSampler', 'InfiniteGroupBatchSampler',
    'InfiniteBatchSampler', 'get_classes', 'make_shapes', 'SHAPES_CLASSES', 'get_loading_pipeline',
    'replace_ImageToTensor'
]
