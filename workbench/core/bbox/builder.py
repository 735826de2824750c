"""Builders of the box components (mmdet 2.x ``mmdet.core.bbox.builder``)."""
from workbench.registry import BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, build_from_cfg


def build_assigner(cfg, **default_args):
    return build_from_cfg(cfg, BBOX_ASSIGNERS, default_args)


def build_sampler(cfg, **default_args):
    return build_from_cfg(cfg, BBOX_SAMPLERS, default_args)


def build_bbox_coder(cfg, **default_args):
    """Build a box coder (e.g. ``dict(type='DeltaXYWHBBoxCoder', target_stds=[.1, .1, .2, .2])``)."""
    return build_from_cfg(cfg, BBOX_CODERS, default_args)
