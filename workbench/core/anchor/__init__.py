"""Anchor and point generators (``mmdet.core.anchor``)."""
from .anchor_generator import (AnchorGenerator, LegacyAnchorGenerator, LegacySSDAnchorGenerator, SSDAnchorGenerator,
                               YOLOAnchorGenerator)
from .builder import ANCHOR_GENERATORS, PRIOR_GENERATORS, build_anchor_generator, build_prior_generator
from .point_generator import MlvlPointGenerator, PointGenerator
from .utils import anchor_inside_flags, calc_region, images_to_levels

__all__ = [
    'AnchorGenerator', 'LegacyAnchorGenerator', 'LegacySSDAnchorGenerator', 'SSDAnchorGenerator',
    'YOLOAnchorGenerator', 'MlvlPointGenerator', 'PointGenerator', 'anchor_inside_flags', 'calc_region',
    'images_to_levels', 'build_anchor_generator', 'build_prior_generator', 'ANCHOR_GENERATORS', 'PRIOR_GENERATORS'
]
