"""Anchor generators with MMDetection 2.x semantics (``mmdet.core.anchor``).

Anchors are ``[x1, y1, x2, y2]``. For one level, base anchors (the anchors of one grid cell) are shifted to every
cell of an (h, w) feature map; the output is ordered location-major (all base anchors of cell 0, then cell 1, ...),
cells in row-major order, exactly as mmdet orders them so that head outputs and state dicts line up.
"""
from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import List, Optional, Tuple

import numpy as np
import torch

from workbench.registry import PRIOR_GENERATORS


def _pair(x) -> Tuple:
    if isinstance(x, (list, tuple)):
        if len(x) != 2:
            raise ValueError(f'a stride/size must be an int or a pair (w, h), but got {x!r}')
        return tuple(x)
    return (x, x)


def _meshgrid(x: torch.Tensor, y: torch.Tensor, row_major: bool = True):
    """Flattened grid coordinates; with ``row_major`` x varies fastest (mmdet's order)."""
    xx = x.repeat(len(y))
    yy = y.view(-1, 1).repeat(1, len(x)).view(-1)
    return (xx, yy) if row_major else (yy, xx)


class _GridCache:
    """A small LRU cache of per-level grid priors.

    Dense heads ask for the same grids every iteration; building them is a handful of small kernels per level.
    Entries are keyed by everything the result depends on (level, feature size, dtype, device, stride, flags). An
    entry may also pin a ``source`` tensor (the level's base anchors) together with its in-place version counter: a
    hit requires the very same tensor object at the same version, so replacing or editing ``base_anchors``
    invalidates it. A clone is returned so callers that modify the priors in place cannot corrupt the cache.
    """

    def __init__(self, maxsize: int = 64):
        self.maxsize = maxsize
        self._store: 'OrderedDict[tuple, tuple]' = OrderedDict()

    def get(self, key, source: Optional[torch.Tensor] = None):
        entry = self._store.get(key)
        if entry is None:
            return None
        value, cached_source, version = entry
        if cached_source is not source or (source is not None and source._version != version):
            del self._store[key]
            return None
        self._store.move_to_end(key)
        return value.clone()

    def put(self, key, value: torch.Tensor, source: Optional[torch.Tensor] = None) -> None:
        version = source._version if source is not None else None
        self._store[key] = (value.clone(), source, version)
        self._store.move_to_end(key)
        while len(self._store) > self.maxsize:
            self._store.popitem(last=False)

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)


def _size_key(featmap_size) -> Optional[tuple]:
    """A hashable key for a feature size, or None when it is symbolic (tensors while tracing/exporting)."""
    try:
        key = tuple(int(s) for s in featmap_size)
    except (TypeError, ValueError):
        return None
    if any(isinstance(s, torch.Tensor) for s in featmap_size) and torch.jit.is_tracing():
        return None
    return key


@PRIOR_GENERATORS.register_module()
class AnchorGenerator:
    """Standard anchor generator for 2D anchor-based detectors (mmdet 2.x ``AnchorGenerator``).

    Args:
        strides (list[int] | list[tuple[int, int]]): strides of the levels, each an int or (w, h).
        ratios (list[float]): height / width ratios of the anchors of one level.
        scales (list[float] | None): anchor scales of one level; exclusive with the octave arguments.
        base_sizes (list[int] | None): base size per level; defaults to the (shorter) stride.
        scale_major (bool): order base anchors scale-major (anchors of one row share a scale) or ratio-major.
        octave_base_scale (int | None): base scale of the octave (RetinaNet style).
        scales_per_octave (int | None): scales per octave; scales are ``octave_base_scale * 2**(i / n)``.
        centers (list[tuple[float, float]] | None): per-level centre of the base anchors in a grid cell.
        center_offset (float): centre offset as a fraction of the base size (0 in V2.0).

    Examples:
        >>> self = AnchorGenerator([16], [1.], [1.], [9])
        >>> self.grid_priors([(2, 2)], device='cpu')[0]
        tensor([[-4.5000, -4.5000,  4.5000,  4.5000],
                [11.5000, -4.5000, 20.5000,  4.5000],
                [-4.5000, 11.5000,  4.5000, 20.5000],
                [11.5000, 11.5000, 20.5000, 20.5000]])
    """

    def __init__(self, strides, ratios, scales=None, base_sizes=None, scale_major=True, octave_base_scale=None,
                 scales_per_octave=None, centers=None, center_offset=0.):
        if center_offset != 0:
            if centers is not None:
                raise ValueError(f'center_offset={center_offset} and centers={centers} cannot be set together')
        if not 0 <= center_offset <= 1:
            raise ValueError(f'center_offset should be in range [0, 1], but got {center_offset}')
        if centers is not None and len(centers) != len(strides):
            raise ValueError(f'centers has {len(centers)} entries but strides has {len(strides)}: they must match')

        self.strides = [_pair(stride) for stride in strides]
        # when strides are not square, the shorter side is the base size
        self.base_sizes = [min(stride) for stride in self.strides] if base_sizes is None else base_sizes
        if len(self.base_sizes) != len(self.strides):
            raise ValueError(f'base_sizes {self.base_sizes} and strides {strides} must have the same length')

        have_octave = octave_base_scale is not None and scales_per_octave is not None
        if (scales is not None) == have_octave:
            raise ValueError('set either scales or both octave_base_scale and scales_per_octave, not both/neither '
                             f'(scales={scales}, octave_base_scale={octave_base_scale}, '
                             f'scales_per_octave={scales_per_octave})')
        if scales is not None:
            self.scales = torch.Tensor(scales)
        else:
            octave_scales = np.array([2**(i / scales_per_octave) for i in range(scales_per_octave)])
            self.scales = torch.Tensor(octave_scales * octave_base_scale)

        self.octave_base_scale = octave_base_scale
        self.scales_per_octave = scales_per_octave
        self.ratios = torch.Tensor(ratios)
        self.scale_major = scale_major
        self.centers = centers
        self.center_offset = center_offset
        self.base_anchors = self.gen_base_anchors()

    # -- sizes --------------------------------------------------------------------------------------------------------
    @property
    def num_base_anchors(self) -> List[int]:
        """Number of base anchors per grid cell, per level."""
        return self.num_base_priors

    @property
    def num_base_priors(self) -> List[int]:
        """Number of priors (anchors) at one grid point, per level."""
        return [base_anchors.size(0) for base_anchors in self.base_anchors]

    @property
    def num_levels(self) -> int:
        return len(self.strides)

    # -- base anchors -------------------------------------------------------------------------------------------------
    def gen_base_anchors(self) -> List[torch.Tensor]:
        multi_level = []
        for i, base_size in enumerate(self.base_sizes):
            center = self.centers[i] if self.centers is not None else None
            multi_level.append(
                self.gen_single_level_base_anchors(base_size, scales=self.scales, ratios=self.ratios, center=center))
        return multi_level

    def gen_single_level_base_anchors(self, base_size, scales, ratios, center=None) -> torch.Tensor:
        w = h = base_size
        if center is None:
            x_center, y_center = self.center_offset * w, self.center_offset * h
        else:
            x_center, y_center = center
        h_ratios = torch.sqrt(ratios)
        w_ratios = 1 / h_ratios
        # evaluation order kept as (size * ratio) * scale so float results equal mmdet's bit for bit
        if self.scale_major:
            ws = (w * w_ratios[:, None] * scales[None, :]).view(-1)
            hs = (h * h_ratios[:, None] * scales[None, :]).view(-1)
        else:
            ws = (w * scales[:, None] * w_ratios[None, :]).view(-1)
            hs = (h * scales[:, None] * h_ratios[None, :]).view(-1)
        return torch.stack(
            [x_center - 0.5 * ws, y_center - 0.5 * hs, x_center + 0.5 * ws, y_center + 0.5 * hs], dim=-1)

    # -- grid priors --------------------------------------------------------------------------------------------------
    @property
    def _grid_cache(self) -> _GridCache:
        # created lazily so subclasses that skip __init__ of this class (YOLO, SSD) still get one
        cache = self.__dict__.get('_grid_cache_obj')
        if cache is None:
            cache = self.__dict__['_grid_cache_obj'] = _GridCache()
        return cache

    def clear_cache(self) -> None:
        """Forget cached grid priors (they are also invalidated automatically when base anchors change)."""
        self._grid_cache.clear()

    def _cache_key(self, featmap_size, level_idx, dtype, device):
        size = _size_key(featmap_size)
        if size is None:
            return None
        return (level_idx, size, dtype, str(torch.device(device)), tuple(self.strides[level_idx]))

    def grid_priors(self, featmap_sizes, dtype=torch.float32, device='cuda') -> List[torch.Tensor]:
        """Anchors of all levels; each (h * w * num_base_priors, 4)."""
        if self.num_levels != len(featmap_sizes):
            raise ValueError(f'{type(self).__name__} has {self.num_levels} levels but got {len(featmap_sizes)} '
                             f'feature map sizes: {list(featmap_sizes)}')
        return [self.single_level_grid_priors(featmap_sizes[i], level_idx=i, dtype=dtype, device=device)
                for i in range(self.num_levels)]

    def single_level_grid_priors(self, featmap_size, level_idx, dtype=torch.float32, device='cuda') -> torch.Tensor:
        key = self._cache_key(featmap_size, level_idx, dtype, device)
        base = self.base_anchors[level_idx]
        if key is not None:
            cached = self._grid_cache.get(key, source=base)
            if cached is not None:
                return cached
        priors = self._compute_single_level_grid_priors(featmap_size, level_idx, dtype, device)
        if key is not None:
            self._grid_cache.put(key, priors, source=base)
        return priors

    def _compute_single_level_grid_priors(self, featmap_size, level_idx, dtype, device) -> torch.Tensor:
        base_anchors = self.base_anchors[level_idx].to(device).to(dtype)
        feat_h, feat_w = featmap_size
        stride_w, stride_h = self.strides[level_idx]
        shift_x = torch.arange(0, feat_w, device=device).to(dtype) * stride_w
        shift_y = torch.arange(0, feat_h, device=device).to(dtype) * stride_h
        shift_xx, shift_yy = _meshgrid(shift_x, shift_y)
        shifts = torch.stack([shift_xx, shift_yy, shift_xx, shift_yy], dim=-1)
        # (1, A, 4) + (K, 1, 4) -> (K, A, 4): all anchors of a location are adjacent
        return (base_anchors[None, :, :] + shifts[:, None, :]).view(-1, 4)

    def sparse_priors(self, prior_idxs, featmap_size, level_idx, dtype=torch.float32, device='cuda') -> torch.Tensor:
        """The anchors at flat indices ``prior_idxs`` of a level's grid (``featmap_size`` is (h, w))."""
        height, width = featmap_size
        num_base = self.num_base_anchors[level_idx]
        base_anchor_id = prior_idxs % num_base
        x = (prior_idxs // num_base) % width * self.strides[level_idx][0]
        y = (prior_idxs // width // num_base) % height * self.strides[level_idx][1]
        priors = torch.stack([x, y, x, y], 1).to(dtype).to(device)
        return priors + self.base_anchors[level_idx][base_anchor_id, :].to(device)

    def grid_anchors(self, featmap_sizes, device='cuda') -> List[torch.Tensor]:
        """Deprecated name of :meth:`grid_priors` (kept for mmdet 2.x code)."""
        warnings.warn('``grid_anchors`` would be deprecated soon. Please use ``grid_priors`` ', stacklevel=2)
        if self.num_levels != len(featmap_sizes):
            raise ValueError(f'expected {self.num_levels} feature map sizes, got {len(featmap_sizes)}')
        return [self.single_level_grid_anchors(self.base_anchors[i].to(device), featmap_sizes[i], self.strides[i],
                                               device=device) for i in range(self.num_levels)]

    def single_level_grid_anchors(self, base_anchors, featmap_size, stride=(16, 16), device='cuda'):
        warnings.warn('``single_level_grid_anchors`` would be deprecated soon. '
                      'Please use ``single_level_grid_priors`` ', stacklevel=2)
        feat_h, feat_w = featmap_size
        shift_x = torch.arange(0, feat_w, device=device) * stride[0]
        shift_y = torch.arange(0, feat_h, device=device) * stride[1]
        shift_xx, shift_yy = _meshgrid(shift_x, shift_y)
        shifts = torch.stack([shift_xx, shift_yy, shift_xx, shift_yy], dim=-1).type_as(base_anchors)
        return (base_anchors[None, :, :] + shifts[:, None, :]).view(-1, 4)

    # -- valid flags --------------------------------------------------------------------------------------------------
    def valid_flags(self, featmap_sizes, pad_shape, device='cuda') -> List[torch.Tensor]:
        """Per level, whether each anchor's grid cell lies inside the padded image ``pad_shape`` (h, w, ...)."""
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
                                                       self.num_base_anchors[i], device=device))
        return flags

    def single_level_valid_flags(self, featmap_size, valid_size, num_base_anchors, device='cuda') -> torch.Tensor:
        feat_h, feat_w = featmap_size
        valid_h, valid_w = valid_size
        if not (valid_h <= feat_h and valid_w <= feat_w):
            raise ValueError(f'valid size {valid_size} exceeds the feature map size {featmap_size}')
        valid_x = torch.zeros(feat_w, dtype=torch.bool, device=device)
        valid_y = torch.zeros(feat_h, dtype=torch.bool, device=device)
        valid_x[:valid_w] = True
        valid_y[:valid_h] = True
        valid_xx, valid_yy = _meshgrid(valid_x, valid_y)
        valid = valid_xx & valid_yy
        return valid[:, None].expand(valid.size(0), num_base_anchors).contiguous().view(-1)

    def __repr__(self) -> str:
        indent = '    '
        fields = ['strides', 'ratios', 'scales', 'base_sizes', 'scale_major', 'octave_base_scale',
                  'scales_per_octave', 'num_levels', 'centers', 'center_offset']
        body = ''.join(f'{indent}{name}={getattr(self, name, None)},\n' for name in fields)
        return f'{self.__class__.__name__}(\n{body})'


@PRIOR_GENERATORS.register_module()
class SSDAnchorGenerator(AnchorGenerator):
    """Anchor generator of SSD (mmdet 2.x ``SSDAnchorGenerator``).

    Args:
        strides (list[int] | list[tuple[int, int]]): strides of the levels.
        ratios (list[list[float]]): per level, the extra aspect ratios; each r adds 1/r and r.
        min_sizes / max_sizes (list[float] | None): per-level anchor sizes; when both are None they are derived
            from ``basesize_ratio_range`` and ``input_size`` (300 or 512) the way SSD does it.
        basesize_ratio_range (tuple[float, float]): min/max base size as a fraction of the input size.
        input_size (int): the input image size.
        scale_major (bool): base-anchor ordering; SSD configs use False.
    """

    def __init__(self, strides, ratios, min_sizes=None, max_sizes=None, basesize_ratio_range=(0.15, 0.9),
                 input_size=300, scale_major=True):
        if len(strides) != len(ratios):
            raise ValueError(f'strides ({len(strides)}) and ratios ({len(ratios)}) must have the same length')
        if (min_sizes is None) != (max_sizes is None):
            raise ValueError('min_sizes and max_sizes must be given together')
        self.strides = [_pair(stride) for stride in strides]
        self.centers = [(stride[0] / 2., stride[1] / 2.) for stride in self.strides]
        self.input_size = input_size
        self.basesize_ratio_range = basesize_ratio_range

        if min_sizes is None and max_sizes is None:
            if not (isinstance(basesize_ratio_range, (tuple, list)) and len(basesize_ratio_range) == 2
                    and all(isinstance(v, float) for v in basesize_ratio_range)):
                raise TypeError(f'basesize_ratio_range must be a pair of floats, got {basesize_ratio_range!r}')
            min_sizes, max_sizes = self._sizes_from_ratio_range(basesize_ratio_range, input_size)
            if not len(min_sizes) == len(max_sizes) == len(strides):
                raise ValueError(f'derived {len(min_sizes)} anchor sizes for {len(strides)} levels; '
                                 'check basesize_ratio_range and strides')
        elif not len(min_sizes) == len(max_sizes) == len(strides):
            raise ValueError('min_sizes, max_sizes and strides must have the same length')

        anchor_ratios, anchor_scales = [], []
        for k in range(len(self.strides)):
            scales = [1., np.sqrt(max_sizes[k] / min_sizes[k])]
            anchor_ratio = [1.]
            for r in ratios[k]:
                anchor_ratio += [1 / r, r]
            anchor_ratios.append(torch.Tensor(anchor_ratio))
            anchor_scales.append(torch.Tensor(scales))

        self.base_sizes = min_sizes
        self.scales = anchor_scales
        self.ratios = anchor_ratios
        self.scale_major = scale_major
        self.center_offset = 0
        self.octave_base_scale = None
        self.scales_per_octave = None
        self.base_anchors = self.gen_base_anchors()

    def _sizes_from_ratio_range(self, basesize_ratio_range, input_size):
        min_ratio, max_ratio = basesize_ratio_range
        min_ratio = int(min_ratio * 100)
        max_ratio = int(max_ratio * 100)
        # the first level gets a hand-picked smaller size, the others are evenly spaced
        step = int(np.floor(max_ratio - min_ratio) / (self.num_levels - 2))
        min_sizes, max_sizes = [], []
        for ratio in range(int(min_ratio), int(max_ratio) + 1, step):
            min_sizes.append(int(input_size * ratio / 100))
            max_sizes.append(int(input_size * (ratio + step) / 100))
        first = {(300, 0.15): (7, 15), (300, 0.2): (10, 20), (512, 0.1): (4, 10), (512, 0.15): (7, 15)}
        if input_size not in (300, 512):
            raise ValueError(f'without min_sizes/max_sizes, input_size must be 300 or 512, got {input_size}')
        key = (input_size, basesize_ratio_range[0])
        if key not in first:
            raise ValueError(f'basesize_ratio_range[0] must be one of '
                             f'{[k[1] for k in first if k[0] == input_size]} for input_size {input_size}, '
                             f'got {basesize_ratio_range[0]}')
        lo, hi = first[key]
        min_sizes.insert(0, int(input_size * lo / 100))
        max_sizes.insert(0, int(input_size * hi / 100))
        return min_sizes, max_sizes

    def gen_base_anchors(self) -> List[torch.Tensor]:
        multi_level = []
        for i, base_size in enumerate(self.base_sizes):
            base_anchors = self.gen_single_level_base_anchors(base_size, scales=self.scales[i],
                                                              ratios=self.ratios[i], center=self.centers[i])
            # keep (scale 1, ratio 1), then (scale sqrt(max/min), ratio 1), then the other ratios at scale 1
            indices = list(range(len(self.ratios[i])))
            indices.insert(1, len(indices))
            multi_level.append(torch.index_select(base_anchors, 0, torch.LongTensor(indices)))
        return multi_level

    def __repr__(self) -> str:
        indent = '    '
        fields = ['strides', 'scales', 'scale_major', 'input_size', 'ratios', 'num_levels', 'base_sizes',
                  'basesize_ratio_range']
        body = ''.join(f'{indent}{name}={getattr(self, name, None)},\n' for name in fields)
        return f'{self.__class__.__name__}(\n{body})'


@PRIOR_GENERATORS.register_module()
class LegacyAnchorGenerator(AnchorGenerator):
    """The MMDetection V1.x anchor generator.

    Differences from :class:`AnchorGenerator`: widths/heights have 1 subtracted when computing centres and corners
    (the V1.x "+1" pixel convention), and corners are rounded. Use ``center_offset=0.5`` for V1.x models.

    Examples:
        >>> self = LegacyAnchorGenerator([16], [1.], [1.], [9], center_offset=0.5)
        >>> self.grid_priors(((2, 2),), device='cpu')[0]
        tensor([[ 0.,  0.,  8.,  8.],
                [16.,  0., 24.,  8.],
                [ 0., 16.,  8., 24.],
                [16., 16., 24., 24.]])
    """

    def gen_single_level_base_anchors(self, base_size, scales, ratios, center=None) -> torch.Tensor:
        w = h = base_size
        if center is None:
            x_center, y_center = self.center_offset * (w - 1), self.center_offset * (h - 1)
        else:
            x_center, y_center = center
        h_ratios = torch.sqrt(ratios)
        w_ratios = 1 / h_ratios
        if self.scale_major:
            ws = (w * w_ratios[:, None] * scales[None, :]).view(-1)
            hs = (h * h_ratios[:, None] * scales[None, :]).view(-1)
        else:
            ws = (w * scales[:, None] * w_ratios[None, :]).view(-1)
            hs = (h * scales[:, None] * h_ratios[None, :]).view(-1)
        return torch.stack([x_center - 0.5 * (ws - 1), y_center - 0.5 * (hs - 1),
                            x_center + 0.5 * (ws - 1), y_center + 0.5 * (hs - 1)], dim=-1).round()


@PRIOR_GENERATORS.register_module()
class LegacySSDAnchorGenerator(SSDAnchorGenerator, LegacyAnchorGenerator):
    """SSD anchors with the V1.x conventions (mmdet 2.x ``LegacySSDAnchorGenerator``)."""

    def __init__(self, strides, ratios, basesize_ratio_range, input_size=300, scale_major=True):
        super().__init__(strides=strides, ratios=ratios, basesize_ratio_range=basesize_ratio_range,
                         input_size=input_size, scale_major=scale_major)
        # V1.x centres are at (stride - 1) / 2
        self.centers = [((stride[0] - 1) / 2., (stride[1] - 1) / 2.) for stride in self.strides]
        self.base_anchors = self.gen_base_anchors()


@PRIOR_GENERATORS.register_module()
class YOLOAnchorGenerator(AnchorGenerator):
    """Anchor generator of YOLOv3 (mmdet 2.x ``YOLOAnchorGenerator``).

    Args:
        strides (list[int] | list[tuple[int, int]]): strides of the levels.
        base_sizes (list[list[tuple[int, int]]]): per level, the (w, h) of each anchor.
    """

    def __init__(self, strides, base_sizes):
        self.strides = [_pair(stride) for stride in strides]
        self.centers = [(stride[0] / 2., stride[1] / 2.) for stride in self.strides]
        if len(base_sizes) != len(self.strides):
            raise ValueError(f'base_sizes has {len(base_sizes)} levels but strides has {len(self.strides)}')
        self.base_sizes = []
        num_anchor_per_level = len(base_sizes[0])
        for base_sizes_per_level in base_sizes:
            if len(base_sizes_per_level) != num_anchor_per_level:
                raise ValueError(f'every level needs {num_anchor_per_level} base sizes, got {base_sizes_per_level}')
            self.base_sizes.append([_pair(base_size) for base_size in base_sizes_per_level])
        self.scales = None
        self.ratios = None
        self.scale_major = True
        self.octave_base_scale = None
        self.scales_per_octave = None
        self.center_offset = 0.
        self.base_anchors = self.gen_base_anchors()

    @property
    def num_levels(self) -> int:
        return len(self.base_sizes)

    def gen_base_anchors(self) -> List[torch.Tensor]:
        return [self.gen_single_level_base_anchors(base_sizes_per_level, center=self.centers[i])
                for i, base_sizes_per_level in enumerate(self.base_sizes)]

    def gen_single_level_base_anchors(self, base_sizes_per_level, center=None) -> torch.Tensor:
        x_center, y_center = center
        anchors = [torch.Tensor([x_center - 0.5 * w, y_center - 0.5 * h, x_center + 0.5 * w, y_center + 0.5 * h])
                   for w, h in base_sizes_per_level]
        return torch.stack(anchors, dim=0)

    def responsible_flags(self, featmap_sizes, gt_bboxes, device='cuda') -> List[torch.Tensor]:
        """Per level, a uint8 flag per anchor: 1 where the grid cell contains the centre of a gt box."""
        if self.num_levels != len(featmap_sizes):
            raise ValueError(f'expected {self.num_levels} feature map sizes, got {len(featmap_sizes)}')
        return [self.single_level_responsible_flags(featmap_sizes[i], gt_bboxes, self.strides[i],
                                                    self.num_base_anchors[i], device=device)
                for i in range(self.num_levels)]

    def single_level_responsible_flags(self, featmap_size, gt_bboxes, stride, num_base_anchors, device='cuda'):
        feat_h, feat_w = featmap_size
        gt_cx = ((gt_bboxes[:, 0] + gt_bboxes[:, 2]) * 0.5).to(device)
        gt_cy = ((gt_bboxes[:, 1] + gt_bboxes[:, 3]) * 0.5).to(device)
        grid_x = torch.floor(gt_cx / stride[0]).long()
        grid_y = torch.floor(gt_cy / stride[1]).long()
        grid_idx = grid_y * feat_w + grid_x
        responsible = torch.zeros(feat_h * feat_w, dtype=torch.uint8, device=device)
        responsible[grid_idx] = 1
        return responsible[:, None].expand(responsible.size(0), num_base_anchors).contiguous().view(-1)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(strides={self.strides}, base_sizes={self.base_sizes})'
