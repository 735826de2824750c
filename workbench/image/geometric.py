"""Geometric image operations (mmcv 1.x ``mmcv.image.geometric`` semantics, cv2 backend).

Sizes are (w, h), shapes are (h, w). Scaled sizes round half up: ``int(x * factor + 0.5)``.
"""
from __future__ import annotations

import numbers
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from . import io as _io

CV2_INTERP_CODES = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}
CV2_BORDER_CODES = {
    'constant': cv2.BORDER_CONSTANT,
    'replicate': cv2.BORDER_REPLICATE,
    'reflect': cv2.BORDER_REFLECT,
    'wrap': cv2.BORDER_WRAP,
    'reflect_101': cv2.BORDER_REFLECT_101,
    'transparent': cv2.BORDER_TRANSPARENT,
    'isolated': cv2.BORDER_ISOLATED,
}
# impad's numpy-style mode names mapped to cv2 borders
_PAD_MODES = {
    'constant': cv2.BORDER_CONSTANT,
    'edge': cv2.BORDER_REPLICATE,
    'reflect': cv2.BORDER_REFLECT_101,
    'symmetric': cv2.BORDER_REFLECT,
}
_PILLOW_INTERP = ('nearest', 'bilinear', 'bicubic', 'box', 'lanczos', 'hamming')


def _interp_code(interpolation: str) -> int:
    if interpolation not in CV2_INTERP_CODES:
        raise ValueError(f'unknown interpolation {interpolation!r}; expected one of {sorted(CV2_INTERP_CODES)}')
    return CV2_INTERP_CODES[interpolation]


def _to_2tuple(x):
    if isinstance(x, (tuple, list)):
        if len(x) != 2:
            raise ValueError(f'expected a number or a pair, got {x!r}')
        return tuple(x)
    return (x, x)


def _scale_size(size: Tuple[int, int], scale) -> Tuple[int, int]:
    """Scale a (w, h) size by a factor or a (w_factor, h_factor) pair, rounding half up."""
    if isinstance(scale, (float, int)):
        scale = (scale, scale)
    w, h = size
    return int(w * float(scale[0]) + 0.5), int(h * float(scale[1]) + 0.5)


def imresize(img: np.ndarray, size: Tuple[int, int], return_scale: bool = False, interpolation: str = 'bilinear',
             out: Optional[np.ndarray] = None, backend: Optional[str] = None):
    """Resize ``img`` to ``size`` = (w, h). With ``return_scale``, returns ``(img, w_scale, h_scale)``."""
    h, w = img.shape[:2]
    size = (int(size[0]), int(size[1]))
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f'imresize: target size (w, h) must be positive, got {size}')
    backend = backend or _io._default_backend
    if backend == 'pillow':
        if img.dtype != np.uint8:
            raise TypeError(f'the pillow backend only resizes uint8 images, got {img.dtype}')
        if interpolation not in _PILLOW_INTERP:
            raise ValueError(f'unknown pillow interpolation {interpolation!r}')
        from PIL import Image
        pil_codes = {'nearest': Image.NEAREST, 'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC,
                     'box': Image.BOX, 'lanczos': Image.LANCZOS, 'hamming': Image.HAMMING}
        resized = np.array(Image.fromarray(img).resize(size, pil_codes[interpolation]))
    elif backend == 'cv2':
        resized = cv2.resize(img, size, dst=out, interpolation=_interp_code(interpolation))
    else:
        raise ValueError(f'unknown resize backend {backend!r}; expected cv2 or pillow')
    if not return_scale:
        return resized
    return resized, size[0] / w, size[1] / h


def imresize_like(img: np.ndarray, dst_img: np.ndarray, return_scale: bool = False, interpolation: str = 'bilinear',
                  backend: Optional[str] = None):
    """Resize ``img`` to the size of ``dst_img``."""
    h, w = dst_img.shape[:2]
    return imresize(img, (w, h), return_scale, interpolation, backend=backend)


def rescale_size(old_size: Tuple[int, int], scale, return_scale: bool = False):
    """New (w, h) when rescaling ``old_size`` = (w, h) by ``scale``.

    ``scale`` is a positive factor, or a (long edge, short edge) limit pair: the largest factor that keeps the long
    side within ``max(scale)`` and the short side within ``min(scale)``, whatever the image orientation.
    """
    w, h = old_size
    if isinstance(scale, (float, int)) and not isinstance(scale, bool):
        if scale <= 0:
            raise ValueError(f'Invalid scale {scale}, must be positive.')
        scale_factor = scale
    elif isinstance(scale, (tuple, list)) and len(scale) == 2:
        long_edge, short_edge = max(scale), min(scale)
        scale_factor = min(long_edge / max(h, w), short_edge / min(h, w))
    else:
        raise TypeError(f'Scale must be a number or tuple of int, but got {scale!r}')
    new_size = _scale_size((w, h), scale_factor)
    if return_scale:
        return new_size, scale_factor
    return new_size


def imrescale(img: np.ndarray, scale, return_scale: bool = False, interpolation: str = 'bilinear',
              backend: Optional[str] = None):
    """Resize keeping the aspect ratio (see :func:`rescale_size`). With ``return_scale``, also the factor."""
    h, w = img.shape[:2]
    new_size, scale_factor = rescale_size((w, h), scale, return_scale=True)
    rescaled = imresize(img, new_size, interpolation=interpolation, backend=backend)
    if return_scale:
        return rescaled, scale_factor
    return rescaled


def imresize_to_multiple(img: np.ndarray, divisor, size=None, scale_factor=None, keep_ratio: bool = False,
                         return_scale: bool = False, interpolation: str = 'bilinear', out=None, backend=None):
    """Resize to ``size`` (w, h) or by ``scale_factor``, then round each side up to a multiple of ``divisor``."""
    h, w = img.shape[:2]
    if (size is None) == (scale_factor is None):
        raise ValueError('exactly one of size and scale_factor must be given')
    if size is not None:
        size = _to_2tuple(size)
        if keep_ratio:
            size = rescale_size((w, h), size)
    else:
        size = _scale_size((w, h), _to_2tuple(scale_factor))
    divisor = _to_2tuple(divisor)
    size = tuple(int(np.ceil(s / d)) * d for s, d in zip(size, divisor))
    resized, w_scale, h_scale = imresize(img, size, return_scale=True, interpolation=interpolation, out=out,
                                         backend=backend)
    if return_scale:
        return resized, w_scale, h_scale
    return resized


def imflip(img: np.ndarray, direction: str = 'horizontal') -> np.ndarray:
    """Flip horizontally (left-right), vertically (up-down) or diagonally (both); returns a new array."""
    if direction == 'horizontal':
        return np.flip(img, axis=1)
    if direction == 'vertical':
        return np.flip(img, axis=0)
    if direction == 'diagonal':
        return np.flip(img, axis=(0, 1))
    raise ValueError(f"flip direction must be 'horizontal', 'vertical' or 'diagonal', got {direction!r}")


def imflip_(img: np.ndarray, direction: str = 'horizontal') -> np.ndarray:
    """In-place :func:`imflip` (the array's memory is reused)."""
    codes = {'horizontal': 1, 'vertical': 0, 'diagonal': -1}
    if direction not in codes:
        raise ValueError(f"flip direction must be 'horizontal', 'vertical' or 'diagonal', got {direction!r}")
    return cv2.flip(img, codes[direction], img)


def _border_value(border_value, img):
    """A cv2 border value that fills every channel: cv2 would fill only the first channel from a scalar."""
    if isinstance(border_value, numbers.Number):
        n = 1 if img.ndim == 2 else img.shape[2]
        return tuple([float(border_value)] * min(n, 4))
    return tuple(float(v) for v in border_value)


def imrotate(img: np.ndarray, angle: float, center=None, scale: float = 1.0, border_value=0,
             interpolation: str = 'bilinear', auto_bound: bool = False, border_mode: str = 'constant') -> np.ndarray:
    """Rotate by ``angle`` degrees, positive = clockwise, around ``center`` (x, y; default the image centre).

    ``auto_bound`` grows the canvas to hold the whole rotated image (incompatible with ``center``).
    """
    if center is not None and auto_bound:
        raise ValueError('`auto_bound` conflicts with `center`')
    h, w = img.shape[:2]
    if center is None:
        center = ((w - 1) * 0.5, (h - 1) * 0.5)
    matrix = cv2.getRotationMatrix2D(tuple(float(c) for c in center), -angle, scale)
    if auto_bound:
        cos, sin = np.abs(matrix[0, 0]), np.abs(matrix[0, 1])
        new_w, new_h = w * cos + h * sin, h * cos + w * sin
        matrix[0, 2] += (new_w - w) * 0.5
        matrix[1, 2] += (new_h - h) * 0.5
        w, h = int(np.round(new_w)), int(np.round(new_h))
    if border_mode not in CV2_BORDER_CODES:
        raise ValueError(f'unknown border_mode {border_mode!r}')
    return cv2.warpAffine(img, matrix, (w, h), flags=_interp_code(interpolation),
                          borderMode=CV2_BORDER_CODES[border_mode], borderValue=_border_value(border_value, img))


def imshear(img: np.ndarray, magnitude: float, direction: str = 'horizontal', border_value=0,
            interpolation: str = 'bilinear') -> np.ndarray:
    """Shear: x' = x + magnitude * y (horizontal) or y' = y + magnitude * x (vertical)."""
    if direction == 'horizontal':
        matrix = np.float32([[1, magnitude, 0], [0, 1, 0]])
    elif direction == 'vertical':
        matrix = np.float32([[1, 0, 0], [magnitude, 1, 0]])
    else:
        raise ValueError(f'invalid shear direction {direction!r}')
    h, w = img.shape[:2]
    return cv2.warpAffine(img, matrix, (w, h), borderValue=_border_value(border_value, img),
                          flags=_interp_code(interpolation))


def imtranslate(img: np.ndarray, offset: float, direction: str = 'horizontal', border_value=0,
                interpolation: str = 'bilinear') -> np.ndarray:
    """Translate by ``offset`` pixels along x (horizontal) or y (vertical)."""
    if direction == 'horizontal':
        matrix = np.float32([[1, 0, offset], [0, 1, 0]])
    elif direction == 'vertical':
        matrix = np.float32([[1, 0, 0], [0, 1, offset]])
    else:
        raise ValueError(f'invalid translate direction {direction!r}')
    h, w = img.shape[:2]
    return cv2.warpAffine(img, matrix, (w, h), borderValue=_border_value(border_value, img),
                          flags=_interp_code(interpolation))


def bbox_clip(bboxes: np.ndarray, img_shape) -> np.ndarray:
    """Clip (..., 4k) boxes to pixel indices [0, w-1] x [0, h-1]."""
    limits = np.empty(bboxes.shape[-1], dtype=bboxes.dtype)
    limits[0::2] = img_shape[1] - 1
    limits[1::2] = img_shape[0] - 1
    return np.maximum(np.minimum(bboxes, limits), 0)


def bbox_scaling(bboxes: np.ndarray, scale: float, clip_shape=None) -> np.ndarray:
    """Scale boxes about their centres; widths count pixels inclusively (x2 - x1 + 1)."""
    if float(scale) == 1.0:
        scaled = bboxes.copy()
    else:
        w = bboxes[..., 2] - bboxes[..., 0] + 1
        h = bboxes[..., 3] - bboxes[..., 1] + 1
        dw = (w * (scale - 1)) * 0.5
        dh = (h * (scale - 1)) * 0.5
        scaled = bboxes + np.stack((-dw, -dh, dw, dh), axis=-1)
    if clip_shape is not None:
        return bbox_clip(scaled, clip_shape)
    return scaled


def imcrop(img: np.ndarray, bboxes: np.ndarray, scale: float = 1.0, pad_fill=None):
    """Crop inclusive (x1, y1, x2, y2) regions: scale the boxes, clip them to the image, crop (and pad).

    With ``pad_fill`` the part of a scaled box outside the image is filled with that value, so every patch has the
    scaled box's size. A (4,) box gives one patch, a (k, 4) array a list.
    """
    bboxes = np.asarray(bboxes)
    chn = 1 if img.ndim == 2 else img.shape[2]
    if pad_fill is not None:
        if isinstance(pad_fill, numbers.Number):
            pad_fill = [pad_fill] * chn
        if len(pad_fill) != chn:
            raise ValueError(f'pad_fill has {len(pad_fill)} values but the image has {chn} channels')
    boxes = bboxes[None, ...] if bboxes.ndim == 1 else bboxes
    scaled = bbox_scaling(boxes, scale).astype(np.int32)
    clipped = bbox_clip(scaled, img.shape)
    patches = []
    for i in range(clipped.shape[0]):
        x1, y1, x2, y2 = (int(v) for v in clipped[i])
        if pad_fill is None:
            patch = img[y1:y2 + 1, x1:x2 + 1, ...]
        else:
            sx1, sy1, sx2, sy2 = (int(v) for v in scaled[i])
            ph, pw = sy2 - sy1 + 1, sx2 - sx1 + 1
            shape = (ph, pw) if chn == 1 and img.ndim == 2 else (ph, pw, chn)
            patch = np.empty(shape, dtype=img.dtype)
            patch[...] = np.array(pad_fill, dtype=img.dtype) if img.ndim == 3 else pad_fill[0]
            xs, ys = max(-sx1, 0), max(-sy1, 0)
            cw, ch = x2 - x1 + 1, y2 - y1 + 1
            patch[ys:ys + ch, xs:xs + cw, ...] = img[y1:y1 + ch, x1:x1 + cw, ...]
        patches.append(patch)
    return patches[0] if bboxes.ndim == 1 else patches


def impad(img: np.ndarray, *, shape=None, padding=None, pad_val: Union[float, Sequence[float]] = 0,
          padding_mode: str = 'constant') -> np.ndarray:
    """Pad to ``shape`` (h, w) at the bottom/right, or by ``padding``: int, (lr, tb) or (left, top, right, bottom).

    ``pad_val`` is a number (all channels) or one value per channel; ``padding_mode`` is constant, edge, reflect or
    symmetric (numpy names).
    """
    if (shape is None) == (padding is None):
        raise ValueError('impad: give exactly one of shape and padding')
    if shape is not None:
        padding = (0, 0, max(shape[1] - img.shape[1], 0), max(shape[0] - img.shape[0], 0))
    if isinstance(pad_val, (tuple, list)):
        if img.ndim == 3 and len(pad_val) != img.shape[-1]:
            raise ValueError(f'pad_val {pad_val!r} has {len(pad_val)} values for a {img.shape[-1]}-channel image')
        value = tuple(float(v) for v in pad_val)
    elif isinstance(pad_val, numbers.Number):
        value = _border_value(pad_val, img)
    else:
        raise TypeError(f'pad_val must be a number or a sequence, got {type(pad_val).__name__}')
    if isinstance(padding, (tuple, list)) and len(padding) in (2, 4):
        if len(padding) == 2:
            padding = (padding[0], padding[1], padding[0], padding[1])
    elif isinstance(padding, numbers.Number):
        padding = (padding,) * 4
    else:
        raise ValueError(f'padding must be a number or a 2/4-tuple, got {padding!r}')
    if padding_mode not in _PAD_MODES:
        raise ValueError(f'padding_mode must be one of {sorted(_PAD_MODES)}, got {padding_mode!r}')
    left, top, right, bottom = (int(p) for p in padding)
    if img.ndim == 3 and img.shape[2] > 4:
        # cv2 borders take at most 4 values: pad channel groups separately
        parts = [impad(img[..., i:i + 4], padding=(left, top, right, bottom),
                       pad_val=list(value[i:i + 4]) if len(value) == img.shape[2] else value[0],
                       padding_mode=padding_mode) for i in range(0, img.shape[2], 4)]
        return np.concatenate([p if p.ndim == 3 else p[..., None] for p in parts], axis=2)
    out = cv2.copyMakeBorder(img, top, bottom, left, right, _PAD_MODES[padding_mode], value=value)
    if img.ndim == 3 and out.ndim == 2:  # cv2 drops a trailing channel axis of size 1
        out = out[..., None]
    return out


def impad_to_multiple(img: np.ndarray, divisor: int, pad_val=0) -> np.ndarray:
    """Pad at the bottom/right so both sides are multiples of ``divisor``."""
    pad_h = int(np.ceil(img.shape[0] / divisor)) * divisor
    pad_w = int(np.ceil(img.shape[1] / divisor)) * divisor
    return impad(img, shape=(pad_h, pad_w), pad_val=pad_val)


def cutout(img: np.ndarray, shape, pad_val=0) -> np.ndarray:
    """Fill a rectangle of ``shape`` (int or (h, w)) at a random centre with ``pad_val``."""
    channels = 1 if img.ndim == 2 else img.shape[2]
    cut_h, cut_w = (shape, shape) if isinstance(shape, int) else shape
    img_h, img_w = img.shape[:2]
    y0, x0 = np.random.uniform(img_h), np.random.uniform(img_w)
    y1, x1 = int(max(0, y0 - cut_h / 2.)), int(max(0, x0 - cut_w / 2.))
    y2, x2 = min(img_h, y1 + cut_h), min(img_w, x1 + cut_w)
    out = img.copy()
    if isinstance(pad_val, numbers.Number):
        out[y1:y2, x1:x2, ...] = pad_val
    else:
        if len(pad_val) != channels:
            raise ValueError(f'pad_val {pad_val!r} does not match {channels} channels')
        out[y1:y2, x1:x2, ...] = np.array(pad_val, dtype=img.dtype)
    return out
