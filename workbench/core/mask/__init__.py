"""Instance mask structures and mask-result helpers (mmdet 2.x ``mmdet.core.mask``)."""
from .structures import BaseInstanceMasks, BitmapMasks, PolygonMasks, polygon_to_bitmap
from .utils import encode_mask_results, mask2bbox, split_combined_polys
from .mask_target import mask_target  # noqa: E402  (after structures: it uses them)

__all__ = ['mask_target', 'BaseInstanceMasks', 'BitmapMasks', 'PolygonMasks', 'polygon_to_bitmap', 'encode_mask_results',
           'split_combined_polys', 'mask2bbox']
