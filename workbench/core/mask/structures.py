"""Instance mask containers with mmdet 2.x semantics: ``BitmapMasks`` ((N, H, W) uint8 arrays) and
``PolygonMasks`` (per instance a list of flat [x0, y0, x1, y1, ...] float arrays).

Both implement the geometric operations the data pipeline applies to boxes and images (rescale, resize, flip, pad,
crop, crop_and_resize, expand, translate, shear, rotate), so transforms treat them alike.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import List, Sequence, Tuple

import cv2
import numpy as np
import torch

from workbench.image import (imflip, impad, imrescale, imresize, imrotate, imshear, imtranslate,
                             rescale_size)

_FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


def _ensure_rng(rng=None):
    """A numpy RandomState from None (the global one), a seed, or a RandomState."""
    if rng is None:
        return np.random.mtrand._rand
    if isinstance(rng, int):
        return np.random.RandomState(rng)
    return rng


def _roi_align(masks: torch.Tensor, rois: torch.Tensor, out_shape: Tuple[int, int]) -> torch.Tensor:
    """Aligned RoIAlign (mmcv: spatial_scale 1, adaptive sampling, avg). Prefers workbench.ops when present."""
    try:
        from workbench.ops import roi_align as wb_roi_align  # written separately; may not exist yet
    except ImportError:
        wb_roi_align = None
    if wb_roi_align is not None:
        return wb_roi_align(masks, rois, out_shape, 1.0, 0, 'avg', True)
    from torchvision.ops import roi_align as tv_roi_align
    return tv_roi_align(masks, rois, out_shape, spatial_scale=1.0, sampling_ratio=0, aligned=True)


class BaseInstanceMasks(metaclass=ABCMeta):
    """The interface shared by bitmap and polygon instance masks."""

    height: int
    width: int

    @abstractmethod
    def rescale(self, scale, interpolation: str = 'nearest'):
        """Rescale keeping the aspect ratio (``scale``: factor or (long, short) edge limits)."""

    @abstractmethod
    def resize(self, out_shape, interpolation: str = 'nearest'):
        """Resize to ``out_shape`` = (h, w)."""

    @abstractmethod
    def flip(self, flip_direction: str = 'horizontal'):
        """Flip along ``flip_direction`` ('horizontal', 'vertical', 'diagonal')."""

    @abstractmethod
    def pad(self, out_shape, pad_val: int = 0):
        """Pad to ``out_shape`` = (h, w) at the bottom/right."""

    @abstractmethod
    def crop(self, bbox: np.ndarray):
        """Crop to ``bbox`` = (x1, y1, x2, y2)."""

    @abstractmethod
    def crop_and_resize(self, bboxes, out_shape, inds, device='cpu', interpolation='bilinear', binarize=True):
        """Crop instance ``inds[i]`` to ``bboxes[i]`` and resize it to ``out_shape`` (mask targets)."""

    @abstractmethod
    def expand(self, expanded_h: int, expanded_w: int, top: int, left: int):
        """Place the masks at (top, left) on a larger zero canvas."""

    @property
    @abstractmethod
    def areas(self) -> np.ndarray:
        """Per-instance areas in pixels."""

    @abstractmethod
    def to_ndarray(self) -> np.ndarray:
        """(N, H, W) uint8 array."""

    @abstractmethod
    def to_tensor(self, dtype, device):
        """(N, H, W) tensor."""

    @abstractmethod
    def translate(self, out_shape, offset, direction='horizontal', fill_val=0, interpolation='bilinear'):
        """Translate by ``offset`` pixels."""

    @abstractmethod
    def shear(self, out_shape, magnitude, direction='horizontal', border_value=0, interpolation='bilinear'):
        """Shear by ``magnitude``."""

    @abstractmethod
    def rotate(self, out_shape, angle, center=None, scale=1.0, fill_val=0):
        """Rotate clockwise by ``angle`` degrees."""


def _check_direction(direction):
    if direction not in _FLIP_DIRECTIONS:
        raise ValueError(f'flip direction must be one of {_FLIP_DIRECTIONS}, got {direction!r}')


def _clip_box(bbox, width, height):
    bbox = np.asarray(bbox).copy()
    if bbox.ndim != 1 or bbox.shape[0] != 4:
        raise ValueError(f'crop expects one (x1, y1, x2, y2) box, got shape {bbox.shape}')
    bbox[0::2] = np.clip(bbox[0::2], 0, width)
    bbox[1::2] = np.clip(bbox[1::2], 0, height)
    x1, y1, x2, y2 = (int(v) for v in bbox)
    return x1, y1, max(x2 - x1, 1), max(y2 - y1, 1)


class BitmapMasks(BaseInstanceMasks):
    """Binary masks of N instances as an (N, H, W) uint8 array (a list of (H, W) arrays is stacked)."""

    def __init__(self, masks, height: int, width: int):
        self.height = int(height)
        self.width = int(width)
        if len(masks) == 0:
            self.masks = np.empty((0, self.height, self.width), dtype=np.uint8)
        else:
            if isinstance(masks, (list, tuple)):
                masks = np.stack([np.asarray(m) for m in masks])
            if not isinstance(masks, np.ndarray):
                raise TypeError(f'BitmapMasks takes an ndarray or a list of arrays, got {type(masks).__name__}')
            if masks.ndim != 3 or masks.shape[1:] != (self.height, self.width):
                raise ValueError(f'BitmapMasks: masks of shape {masks.shape} do not match (N, {self.height}, '
                                 f'{self.width})')
            self.masks = masks

    def __getitem__(self, index):
        masks = self.masks[index].reshape(-1, self.height, self.width)
        return BitmapMasks(masks, self.height, self.width)

    def __iter__(self):
        return iter(self.masks)

    def __len__(self) -> int:
        return len(self.masks)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_masks={len(self.masks)}, height={self.height}, width={self.width})'

    def _per_mask(self, fn, empty_shape):
        if len(self.masks) == 0:
            return np.empty((0, *empty_shape), dtype=np.uint8)
        return np.stack([fn(m) for m in self.masks])

    def rescale(self, scale, interpolation='nearest'):
        new_w, new_h = rescale_size((self.width, self.height), scale)
        masks = self._per_mask(lambda m: imrescale(m, scale, interpolation=interpolation), (new_h, new_w))
        h, w = masks.shape[1:]
        return BitmapMasks(masks, h, w)

    def resize(self, out_shape, interpolation='nearest'):
        out_h, out_w = out_shape
        masks = self._per_mask(lambda m: imresize(m, (out_w, out_h), interpolation=interpolation), out_shape)
        return BitmapMasks(masks, out_h, out_w)

    def flip(self, flip_direction='horizontal'):
        _check_direction(flip_direction)
        if len(self.masks) == 0:
            return BitmapMasks(self.masks, self.height, self.width)
        masks = np.stack([imflip(m, direction=flip_direction) for m in self.masks])
        return BitmapMasks(masks, self.height, self.width)

    def pad(self, out_shape, pad_val=0):
        masks = self._per_mask(lambda m: impad(m, shape=out_shape, pad_val=pad_val), out_shape)
        return BitmapMasks(masks, *out_shape)

    def crop(self, bbox):
        x1, y1, w, h = _clip_box(bbox, self.width, self.height)
        if len(self.masks) == 0:
            return BitmapMasks(np.empty((0, h, w), dtype=np.uint8), h, w)
        return BitmapMasks(self.masks[:, y1:y1 + h, x1:x1 + w], h, w)

    def crop_and_resize(self, bboxes, out_shape, inds, device='cpu', interpolation='bilinear', binarize=True):
        out_h, out_w = out_shape
        if len(self.masks) == 0:
            return BitmapMasks(np.empty((0, out_h, out_w), dtype=np.uint8), out_h, out_w)
        if isinstance(bboxes, np.ndarray):
            bboxes = torch.from_numpy(bboxes).to(device=device)
        if isinstance(inds, np.ndarray):
            inds = torch.from_numpy(inds).to(device=device)
        num = bboxes.shape[0]
        if num == 0:
            return BitmapMasks(np.empty((0, out_h, out_w), dtype=np.uint8), out_h, out_w)
        batch_inds = torch.arange(num, device=bboxes.device).to(dtype=bboxes.dtype)[:, None]
        rois = torch.cat([batch_inds, bboxes], dim=1)
        masks = torch.from_numpy(self.masks).to(device=rois.device).index_select(0, inds.long()).to(rois.dtype)
        targets = _roi_align(masks[:, None], rois, (out_h, out_w)).squeeze(1)
        resized = (targets >= 0.5).cpu().numpy() if binarize else targets.cpu().numpy()
        return BitmapMasks(resized, out_h, out_w)

    def expand(self, expanded_h, expanded_w, top, left):
        canvas = np.zeros((len(self), expanded_h, expanded_w), dtype=np.uint8)
        if len(self):
            canvas[:, top:top + self.height, left:left + self.width] = self.masks
        return BitmapMasks(canvas, expanded_h, expanded_w)

    def _warp_stack(self, out_shape, warp):
        """Apply a per-image warp to all masks at once (as channels), keeping (N, H, W) and the dtype."""
        if len(self.masks) == 0:
            return BitmapMasks(np.empty((0, *out_shape), dtype=np.uint8), *out_shape)
        # cv2 warps take at most 4 channels with a border value per channel: warp in groups of 4
        chunks = []
        hwc = self.masks.transpose((1, 2, 0))
        for i in range(0, hwc.shape[2], 4):
            part = warp(np.ascontiguousarray(hwc[..., i:i + 4]))
            chunks.append(part[..., None] if part.ndim == 2 else part)
        out = np.concatenate(chunks, axis=2).transpose((2, 0, 1)).astype(self.masks.dtype)
        return BitmapMasks(out, *out_shape)

    def translate(self, out_shape, offset, direction='horizontal', fill_val=0, interpolation='bilinear'):
        return self._warp_stack(out_shape, lambda m: imtranslate(m, offset, direction, border_value=fill_val,
                                                                 interpolation=interpolation))

    def shear(self, out_shape, magnitude, direction='horizontal', border_value=0, interpolation='bilinear'):
        return self._warp_stack(out_shape, lambda m: imshear(m, magnitude, direction, border_value=border_value,
                                                             interpolation=interpolation))

    def rotate(self, out_shape, angle, center=None, scale=1.0, fill_val=0):
        return self._warp_stack(out_shape, lambda m: imrotate(m, angle, center=center, scale=scale,
                                                              border_value=fill_val))

    @property
    def areas(self):
        return self.masks.sum((1, 2))

    def to_ndarray(self):
        return self.masks

    def to_tensor(self, dtype, device):
        return torch.tensor(self.masks, dtype=dtype, device=device)

    def get_bboxes(self) -> np.ndarray:
        """Tight (x1, y1, x2, y2) boxes, x2/y2 exclusive; all zeros for an empty mask."""
        boxes = np.zeros((len(self.masks), 4), dtype=np.float32)
        for i, m in enumerate(self.masks):
            xs = np.where(m.any(axis=0))[0]
            ys = np.where(m.any(axis=1))[0]
            if len(xs) and len(ys):
                boxes[i] = [xs[0], ys[0], xs[-1] + 1, ys[-1] + 1]
        return boxes

    @classmethod
    def random(cls, num_masks=3, height=32, width=32, dtype=np.uint8, rng=None):
        """Random masks for tests."""
        rng = _ensure_rng(rng)
        masks = (rng.rand(num_masks, height, width) > 0.1).astype(dtype)
        return cls(masks, height=height, width=width)


def polygon_to_bitmap(polygons: Sequence[np.ndarray], height: int, width: int) -> np.ndarray:
    """Rasterise one instance's polygons (merged) with pycocotools; returns a bool (H, W) array."""
    import pycocotools.mask as mask_utils
    rles = mask_utils.frPyObjects([np.asarray(p, dtype=np.float64).tolist() for p in polygons], height, width)
    return mask_utils.decode(mask_utils.merge(rles)).astype(bool)


def _polygon_area(x: np.ndarray, y: np.ndarray) -> float:
    """Shoelace area of a simple polygon."""
    return 0.5 * np.abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


class PolygonMasks(BaseInstanceMasks):
    """Polygon masks: a list (instances) of lists (parts) of flat float arrays [x0, y0, x1, y1, ...]."""

    def __init__(self, masks: List[List[np.ndarray]], height: int, width: int):
        if not isinstance(masks, list):
            raise TypeError(f'PolygonMasks takes a list of per-instance polygon lists, got {type(masks).__name__}')
        for i, inst in enumerate(masks):
            if not isinstance(inst, list):
                raise TypeError(f'PolygonMasks: instance {i} must be a list of polygons, got {type(inst).__name__}')
            for p in inst:
                if not isinstance(p, np.ndarray):
                    raise TypeError(f'PolygonMasks: instance {i} has a polygon of type {type(p).__name__}, '
                                    'expected a flat ndarray')
        self.height = int(height)
        self.width = int(width)
        self.masks = masks

    def __getitem__(self, index):
        if isinstance(index, np.ndarray):
            if index.dtype == bool:
                index = np.where(index)[0]
            index = index.tolist()
        if isinstance(index, list):
            masks = [self.masks[i] for i in index]
        else:
            masks = self.masks[index]
            if len(masks) and isinstance(masks[0], np.ndarray):
                masks = [masks]  # an integer index selects one instance
        return PolygonMasks(masks, self.height, self.width)

    def __iter__(self):
        return iter(self.masks)

    def __len__(self) -> int:
        return len(self.masks)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_masks={len(self.masks)}, height={self.height}, width={self.width})'

    def _map_coords(self, fn):
        """A new list of instances with ``fn`` applied to a copy of every polygon array."""
        return [[fn(p.copy()) for p in inst] for inst in self.masks]

    def rescale(self, scale, interpolation=None):
        new_w, new_h = rescale_size((self.width, self.height), scale)
        if len(self.masks) == 0:
            return PolygonMasks([], new_h, new_w)
        return self.resize((new_h, new_w))

    def resize(self, out_shape, interpolation=None):
        out_h, out_w = out_shape
        h_scale, w_scale = out_h / self.height, out_w / self.width

        def scale(p):
            p[0::2] = p[0::2] * w_scale
            p[1::2] = p[1::2] * h_scale
            return p
        return PolygonMasks(self._map_coords(scale), out_h, out_w)

    def flip(self, flip_direction='horizontal'):
        _check_direction(flip_direction)

        def flip(p):
            if flip_direction in ('horizontal', 'diagonal'):
                p[0::2] = self.width - p[0::2]
            if flip_direction in ('vertical', 'diagonal'):
                p[1::2] = self.height - p[1::2]
            return p
        return PolygonMasks(self._map_coords(flip), self.height, self.width)

    def crop(self, bbox):
        x1, y1, w, h = _clip_box(bbox, self.width, self.height)

        def shift(p):
            # pycocotools clips coordinates outside the canvas when rasterising
            p[0::2] = p[0::2] - x1
            p[1::2] = p[1::2] - y1
            return p
        return PolygonMasks(self._map_coords(shift), h, w)

    def pad(self, out_shape, pad_val=0):
        # padding at the bottom/right leaves the coordinates unchanged
        return PolygonMasks(self.masks, *out_shape)

    def expand(self, expanded_h, expanded_w, top, left):
        def shift(p):
            p[0::2] = p[0::2] + left
            p[1::2] = p[1::2] + top
            return p
        return PolygonMasks(self._map_coords(shift), expanded_h, expanded_w)

    def crop_and_resize(self, bboxes, out_shape, inds, device='cpu', interpolation='bilinear', binarize=True):
        out_h, out_w = out_shape
        if len(self.masks) == 0:
            return PolygonMasks([], out_h, out_w)
        if not binarize:
            raise ValueError('Polygons are always binary, setting binarize=False is unsupported')
        bboxes = bboxes.cpu().numpy() if isinstance(bboxes, torch.Tensor) else np.asarray(bboxes)
        inds = inds.cpu().numpy() if isinstance(inds, torch.Tensor) else np.asarray(inds)
        out = []
        for i in range(len(bboxes)):
            x1, y1, x2, y2 = bboxes[i, :4]
            w, h = max(x2 - x1, 1), max(y2 - y1, 1)
            w_scale, h_scale = out_w / max(w, 0.1), out_h / max(h, 0.1)
            inst = []
            for p in self.masks[int(inds[i])]:
                p = p.copy()
                p[0::2] = (p[0::2] - x1) * w_scale
                p[1::2] = (p[1::2] - y1) * h_scale
                inst.append(p)
            out.append(inst)
        return PolygonMasks(out, out_h, out_w)

    def translate(self, out_shape, offset, direction='horizontal', fill_val=None, interpolation=None):
        if fill_val not in (None, 0):
            raise ValueError(f'polygon masks can only be translated with fill_val 0, got {fill_val!r}')
        axis = {'horizontal': 0, 'vertical': 1}.get(direction)
        if axis is None:
            raise ValueError(f'invalid translate direction {direction!r}')
        limit = out_shape[1] if axis == 0 else out_shape[0]

        def move(p):
            p[axis::2] = np.clip(p[axis::2] + offset, 0, limit)
            return p
        return PolygonMasks(self._map_coords(move), *out_shape)

    def _affine(self, out_shape, matrix):
        """Apply a 2x3 (or 2x2) matrix to every vertex, clipping to the output canvas."""
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.shape == (2, 2):
            matrix = np.concatenate([matrix, np.zeros((2, 1))], axis=1)

        def warp(p):
            xy1 = np.stack([p[0::2], p[1::2], np.ones(len(p) // 2)], axis=0)
            new = matrix @ xy1
            new[0] = np.clip(new[0], 0, out_shape[1])
            new[1] = np.clip(new[1], 0, out_shape[0])
            return new.T.reshape(-1).astype(p.dtype)
        return PolygonMasks(self._map_coords(warp), *out_shape)

    def shear(self, out_shape, magnitude, direction='horizontal', border_value=0, interpolation='bilinear'):
        if direction == 'horizontal':
            matrix = [[1, magnitude], [0, 1]]
        elif direction == 'vertical':
            matrix = [[1, 0], [magnitude, 1]]
        else:
            raise ValueError(f'invalid shear direction {direction!r}')
        return self._affine(out_shape, np.float32(matrix))

    def rotate(self, out_shape, angle, center=None, scale=1.0, fill_val=0):
        if center is None:
            center = ((self.width - 1) * 0.5, (self.height - 1) * 0.5)
        matrix = cv2.getRotationMatrix2D(tuple(float(c) for c in center), -angle, scale)
        return self._affine(out_shape, matrix)

    def to_bitmap(self) -> BitmapMasks:
        return BitmapMasks(self.to_ndarray(), self.height, self.width)

    @property
    def areas(self):
        """Polygon areas by the shoelace formula (parts summed), not the rasterised pixel count."""
        return np.asarray([sum(_polygon_area(p[0::2], p[1::2]) for p in inst) for inst in self.masks])

    def to_ndarray(self):
        if len(self.masks) == 0:
            return np.empty((0, self.height, self.width), dtype=np.uint8)
        return np.stack([polygon_to_bitmap(inst, self.height, self.width) for inst in self.masks]).astype(np.uint8)

    def to_tensor(self, dtype, device):
        if len(self.masks) == 0:
            return torch.empty((0, self.height, self.width), dtype=dtype, device=device)
        return torch.tensor(self.to_ndarray(), dtype=dtype, device=device)

    def get_bboxes(self) -> np.ndarray:
        """Bounding (x1, y1, x2, y2) boxes of the polygon vertices."""
        boxes = np.zeros((len(self.masks), 4), dtype=np.float32)
        for i, inst in enumerate(self.masks):
            if not inst:
                continue
            xy = np.concatenate([np.asarray(p).reshape(-1) for p in inst]).reshape(-1, 2)
            boxes[i] = [xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()]
        return boxes

    @classmethod
    def random(cls, num_masks=3, height=32, width=32, n_verts=5, dtype=np.float32, rng=None):
        """Random star-shaped (simple) polygons inside the canvas, for tests."""
        rng = _ensure_rng(rng)
        masks = []
        for _ in range(num_masks):
            cx, cy = rng.uniform(0.25, 0.75) * width, rng.uniform(0.25, 0.75) * height
            max_r = min(cx, width - cx, cy, height - cy)
            # angles sorted around the centre make the polygon simple
            angles = np.sort(rng.uniform(0, 2 * np.pi, n_verts))
            radii = rng.uniform(0.3, 1.0, n_verts) * max_r
            xs = np.clip(cx + radii * np.cos(angles), 0, width)
            ys = np.clip(cy + radii * np.sin(angles), 0, height)
            masks.append([np.stack([xs, ys], axis=1).reshape(-1).astype(dtype)])
        return cls(masks, height, width)
