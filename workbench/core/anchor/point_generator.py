"""Point generators (mmdet 2.x ``MlvlPointGenerator``) for anchor-free heads such as FCOS."""
from __future__ import annotations

from typing import List

import numpy as np
import torch

from workbench.registry import PRIOR_GENERATORS
from .anchor_generator import _GridCache, _meshgrid, _pair, _size_key


@PRIOR_GENERATORS.register_module()
class PointGenerator:
    """Single-level point generator of RepPoints (mmdet 2.x ``PointGenerator``): (x, y, stride) per cell corner."""

    def _meshgrid(self, x, y, row_major=True):
        return _meshgrid(x, y, row_major)

    def grid_points(self, featmap_size, stride=16, device='cuda') -> torch.Tensor:
        feat_h, feat_w = featmap_size
        shift_x = torch.arange(0., feat_w, device=device) * stride
        shift_y = torch.arange(0., feat_h, device=device) * stride
        shift_xx, shift_yy = _meshgrid(shift_x, shift_y)
        strides = shift_x.new_full((shift_xx.shape[0], ), stride)
        return torch.stack([shift_xx, shift_yy, strides], dim=-1).to(device)

    def valid_flags(self, featmap_size, valid_size, device='cuda') -> torch.Tensor:
        feat_h, feat_w = featmap_size
        valid_h, valid_w = valid_size
        if not (valid_h <= feat_h and valid_w <= feat_w):
            raise ValueError(f'valid size {valid_size} exceeds the feature map size {featmap_size}')
        valid_x = torch.zeros(feat_w, dtype=torch.bool, device=device)
        valid_y = torch.zeros(feat_h, dtype=torch.bool, device=device)
        valid_x[:valid_w] = True
        valid_y[:valid_h] = True
        valid_xx, valid_yy = _meshgrid(valid_x, valid_y)
        return valid_xx & valid_yy


@PRIOR_GENERATORS.register_module()
class MlvlPointGenerator:
    """Points on multi-level feature maps: the centre of every grid cell (for ``offset=0.5``).

    Args:
        strides (list[int] | list[tuple[int, int]]): strides of the levels, each an int or (w, h).
        offset (float): offset of the points within a cell, as a fraction of the stride.
    """

    def __init__(self, strides, offset=0.5):
        self.strides = [_pair(stride) for stride in strides]
        self.offset = offset
        self._grid_cache = _GridCache()

    @property
    def num_levels(self) -> int:
        return len(self.strides)

    @property
    def num_base_priors(self) -> List[int]:
        """One point per grid location on every level."""
        return [1 for _ in range(len(self.strides))]

    def clear_cache(self) -> None:
        self._grid_cache.clear()

    def grid_priors(self, featmap_sizes, dtype=torch.float32, device='cuda', with_stride=False):
        """Points of all levels: (h * w, 2) as (x, y), or (h * w, 4) as (x, y, stride_w, stride_h)."""
        if self.num_levels != len(featmap_sizes):
            raise ValueError(f'MlvlPointGenerator has {self.num_levels} levels but got {len(featmap_sizes)} '
                             f'feature map sizes: {list(featmap_sizes)}')
        return [self.single_level_grid_priors(featmap_sizes[i], level_idx=i, dtype=dtype, device=device,
                                              with_stride=with_stride) for i in range(self.num_levels)]

    def single_level_grid_priors(self, featmap_size, level_idx, dtype=torch.float32, device='cuda',
                                 with_stride=False) -> torch.Tensor:
        size = _size_key(featmap_size)
        key = None
        if size is not None:
            key = (level_idx, size, dtype, str(torch.device(device)), tuple(self.strides[level_idx]),
                   float(self.offset), bool(with_stride))
            cached = self._grid_cache.get(key)
            if cached is not None:
                return cached
        feat_h, feat_w = featmap_size
        stride_w, stride_h = self.strides[level_idx]
        shift_x = ((torch.arange(0, feat_w, device=device) + self.offset) * stride_w).to(dtype)
        shift_y = ((torch.arange(0, feat_h, device=device) + self.offset) * stride_h).to(dtype)
        shift_xx, shift_yy = _meshgrid(shift_x, shift_y)
        if not with_stride:
            points = torch.stack([shift_xx, shift_yy], dim=-1)
        else:
            sw = shift_xx.new_full((shift_xx.shape[0], ), stride_w).to(dtype)
            sh = shift_xx.new_full((shift_yy.shape[0], ), stride_h).to(dtype)
            points = torch.stack([shift_xx, shift_yy, sw, sh], dim=-1)
        points = points.to(device)
        if key is not None:
            self._grid_cache.put(key, points)
        return points

    def valid_flags(self, featmap_sizes, pad_shape, device='cuda') -> List[torch.Tensor]:
        """Per level, whether each point's cell lies inside the padded image ``pad_shape`` (h, w, ...)."""
        if self.num_levels != len(featmap_sizes):
            raise ValueError(f'expected {self.num_levels} feature map sizes, got {len(featmap_sizes)}')
        flags = []
        h, w = pad_shape[:2]
        for i in range(self.num_levels):
            stride_w, stride_h = self.strides[i]
            feat_h, feat_w = featmap_sizes[i]
            valid_feat_h = min(int(np.ceil(h / stride_h)), feat_h)
            valid_feat_w = min(int(np.ceil(w / stride_w)), feat_w)
            flags.append(self.single_level_valid_flags((feat_h, feat_w), (valid_feat_h, valid_feat_w),
                                                       device=device))
        return flags

    def single_level_valid_flags(self, featmap_size, valid_size, device='cuda') -> torch.Tensor:
        feat_h, feat_w = featmap_size
        valid_h, valid_w = valid_size
        if not (valid_h <= feat_h and valid_w <= feat_w):
            raise ValueError(f'valid size {valid_size} exceeds the feature map size {featmap_size}')
        valid_x = torch.zeros(feat_w, dtype=torch.bool, device=device)
        valid_y = torch.zeros(feat_h, dtype=torch.bool, device=device)
        valid_x[:valid_w] = True
        valid_y[:valid_h] = True
        valid_xx, valid_yy = _meshgrid(valid_x, valid_y)
        return valid_xx & valid_yy

    def sparse_priors(self, prior_idxs, featmap_size, level_idx, dtype=torch.float32, device='cuda'):
        """The points at flat indices ``prior_idxs`` of a level's (h, w) grid, as (N, 2)."""
        height, width = featmap_size
        x = (prior_idxs % width + self.offset) * self.strides[level_idx][0]
        y = ((prior_idxs // width) % height + self.offset) * self.strides[level_idx][1]
        return torch.stack([x, y], 1).to(dtype).to(device)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(strides={self.strides}, offset={self.offset})'
