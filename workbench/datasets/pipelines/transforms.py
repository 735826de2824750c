"""Geometric transforms of the standard detection pipeline: Resize, RandomFlip, Pad, Normalize, SegRescale.

Each keeps images (``img_fields``), boxes (``bbox_fields``), masks (``mask_fields``) and segmentation maps
(``seg_fields``) consistent, and records what it did in the results dict (mmdet 2.x keys).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from workbench.image import imflip, imnormalize, impad, impad_to_multiple, imrescale, imresize
from workbench.registry import PIPELINES

from ._utils import bbox_flip, require_keys

_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


def _is_scale(x) -> bool:
    return isinstance(x, tuple) and len(x) == 2 and all(isinstance(v, numbers.Number) for v in x)


@PIPELINES.register_module()
class Resize:
    """Resize images, boxes, masks and segmentation maps.

    The target scale comes from ``results['scale']`` if set (e.g. by MultiScaleFlipAug), from a float
    ``results['scale_factor']``, or is drawn from ``img_scale``:

    - ``ratio_range`` given: one ``img_scale`` multiplied by a ratio drawn from the range;
    - one ``img_scale``: that scale;
    - several, ``multiscale_mode='range'``: long and short edges drawn between those of two scales;
    - several, ``multiscale_mode='value'``: one of the scales.

    With ``keep_ratio`` the scale is a (long, short) edge limit (see ``imrescale``); otherwise the exact (w, h).
    Adds scale, scale_idx, img_shape, pad_shape, scale_factor (float32 [w, h, w, h]), keep_ratio.
    """

    def __init__(self, img_scale=None, multiscale_mode='range', ratio_range=None, keep_ratio=True,
                 bbox_clip_border=True, backend='cv2', interpolation='bilinear', override=False):
        if img_scale is None:
            self.img_scale = None
        else:
            self.img_scale = list(img_scale) if isinstance(img_scale, list) else [img_scale]
            self.img_scale = [tuple(s) if isinstance(s, list) else s for s in self.img_scale]
            for s in self.img_scale:
                if not _is_scale(s):
                    raise TypeError(f'Resize: img_scale entries must be (w, h) tuples, got {s!r}')
        if ratio_range is not None:
            if self.img_scale is None or len(self.img_scale) != 1:
                raise ValueError('Resize: ratio_range needs exactly one img_scale')
        elif multiscale_mode not in ('value', 'range'):
            raise ValueError(f"Resize: multiscale_mode must be 'value' or 'range', got {multiscale_mode!r}")
        self.multiscale_mode = multiscale_mode
        self.ratio_range = ratio_range
        self.keep_ratio = keep_ratio
        self.bbox_clip_border = bbox_clip_border
        self.backend = backend
        self.interpolation = interpolation
        self.override = override

    @staticmethod
    def random_select(img_scales):
        idx = np.random.randint(len(img_scales))
        return img_scales[idx], idx

    @staticmethod
    def random_sample(img_scales):
        if len(img_scales) != 2:
            raise ValueError(f"multiscale_mode='range' needs exactly 2 scales, got {len(img_scales)}")
        longs = [max(s) for s in img_scales]
        shorts = [min(s) for s in img_scales]
        long_edge = np.random.randint(min(longs), max(longs) + 1)
        short_edge = np.random.randint(min(shorts), max(shorts) + 1)
        return (long_edge, short_edge), None

    @staticmethod
    def random_sample_ratio(img_scale, ratio_range):
        lo, hi = ratio_range
        if not lo <= hi:
            raise ValueError(f'ratio_range must be (low, high), got {ratio_range}')
        ratio = np.random.random_sample() * (hi - lo) + lo
        return (int(img_scale[0] * ratio), int(img_scale[1] * ratio)), None

    def _random_scale(self, results):
        if self.img_scale is None:
            raise ValueError('Resize: img_scale is None and the results dict sets neither scale nor scale_factor')
        if self.ratio_range is not None:
            scale, idx = self.random_sample_ratio(self.img_scale[0], self.ratio_range)
        elif len(self.img_scale) == 1:
            scale, idx = self.img_scale[0], 0
        elif self.multiscale_mode == 'range':
            scale, idx = self.random_sample(self.img_scale)
        else:
            scale, idx = self.random_select(self.img_scale)
        results['scale'] = scale
        results['scale_idx'] = idx

    def _resize_img(self, results):
        for key in results.get('img_fields', ['img']):
            img = results[key]
            if self.keep_ratio:
                out = imrescale(img, results['scale'], interpolation=self.interpolation, backend=self.backend)
                # the factor actually applied per axis after rounding the size
                w_scale = out.shape[1] / img.shape[1]
                h_scale = out.shape[0] / img.shape[0]
            else:
                out, w_scale, h_scale = imresize(img, results['scale'], return_scale=True,
                                                 interpolation=self.interpolation, backend=self.backend)
            results[key] = out
            results['img_shape'] = out.shape
            results['pad_shape'] = out.shape  # until a Pad changes it
            results['scale_factor'] = np.array([w_scale, h_scale, w_scale, h_scale], dtype=np.float32)
            results['keep_ratio'] = self.keep_ratio

    def _resize_bboxes(self, results):
        for key in results.get('bbox_fields', []):
            bboxes = results[key] * results['scale_factor']
            if self.bbox_clip_border:
                h, w = results['img_shape'][:2]
                bboxes[:, 0::2] = np.clip(bboxes[:, 0::2], 0, w)
                bboxes[:, 1::2] = np.clip(bboxes[:, 1::2], 0, h)
            results[key] = bboxes

    def _resize_masks(self, results):
        for key in results.get('mask_fields', []):
            if results[key] is None:
                continue
            if self.keep_ratio:
                results[key] = results[key].rescale(results['scale'])
            else:
                results[key] = results[key].resize(results['img_shape'][:2])

    def _resize_seg(self, results):
        for key in results.get('seg_fields', []):
            if self.keep_ratio:
                results[key] = imrescale(results[key], results['scale'], interpolation='nearest',
                                         backend=self.backend)
            else:
                results[key] = imresize(results[key], results['scale'], interpolation='nearest',
                                        backend=self.backend)

    def __call__(self, results):
        require_keys(results, self, *results.get('img_fields', ['img']))
        if 'scale' not in results:
            if 'scale_factor' in results:
                factor = results['scale_factor']
                if not isinstance(factor, float):
                    raise TypeError('Resize: a preset results["scale_factor"] must be a float, got '
                                    f'{type(factor).__name__}')
                h, w = results['img'].shape[:2]
                results['scale'] = (int(w * factor), int(h * factor))
            else:
                self._random_scale(results)
        elif not self.override:
            if 'scale_factor' in results:
                raise ValueError('Resize: scale and scale_factor cannot be both set (use override=True)')
        else:
            results.pop('scale')
            results.pop('scale_factor', None)
            self._random_scale(results)
        self._resize_img(results)
        self._resize_bboxes(results)
        self._resize_masks(results)
        self._resize_seg(results)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(img_scale={self.img_scale}, multiscale_mode={self.multiscale_mode}, '
                f'ratio_range={self.ratio_range}, keep_ratio={self.keep_ratio}, '
                f'bbox_clip_border={self.bbox_clip_border})')


@PIPELINES.register_module()
class RandomFlip:
    """Flip images, boxes, masks and maps.

    ``direction`` is one direction or a list; ``flip_ratio`` a probability (split evenly over the directions) or a
    list of per-direction probabilities summing to at most 1. A preset ``results['flip']`` /
    ``results['flip_direction']`` (from MultiScaleFlipAug) is obeyed. Adds flip, flip_direction.
    """

    def __init__(self, flip_ratio=None, direction='horizontal'):
        if isinstance(flip_ratio, list):
            if not all(isinstance(r, (int, float)) for r in flip_ratio) or not 0 <= sum(flip_ratio) <= 1:
                raise ValueError(f'RandomFlip: flip_ratio list must hold floats summing to [0, 1], got {flip_ratio}')
        elif isinstance(flip_ratio, (int, float)) and not isinstance(flip_ratio, bool):
            if not 0 <= flip_ratio <= 1:
                raise ValueError(f'RandomFlip: flip_ratio must be in [0, 1], got {flip_ratio}')
        elif flip_ratio is not None:
            raise ValueError(f'RandomFlip: flip_ratio must be a float, a list of floats or None, got {flip_ratio!r}')
        if isinstance(direction, str):
            bad = [] if direction in _DIRECTIONS else [direction]
        elif isinstance(direction, list):
            bad = [d for d in direction if d not in _DIRECTIONS]
        else:
            raise ValueError(f'RandomFlip: direction must be a str or a list, got {direction!r}')
        if bad:
            raise ValueError(f'RandomFlip: invalid direction(s) {bad}; expected {_DIRECTIONS}')
        if isinstance(flip_ratio, list) and (not isinstance(direction, list) or len(direction) != len(flip_ratio)):
            raise ValueError('RandomFlip: a flip_ratio list needs a direction list of the same length')
        self.flip_ratio = flip_ratio
        self.direction = direction

    @staticmethod
    def bbox_flip(bboxes, img_shape, direction):
        return bbox_flip(bboxes, img_shape, direction)

    def _draw(self):
        directions = (list(self.direction) if isinstance(self.direction, list) else [self.direction]) + [None]
        if self.flip_ratio is None:
            raise ValueError('RandomFlip: flip_ratio is None and results["flip"] was not preset')
        if isinstance(self.flip_ratio, list):
            probs = list(self.flip_ratio) + [1 - sum(self.flip_ratio)]
        else:
            single = self.flip_ratio / (len(directions) - 1)
            probs = [single] * (len(directions) - 1) + [1 - self.flip_ratio]
        return directions[np.random.choice(len(directions), p=probs)]

    def __call__(self, results):
        if 'flip' not in results:
            cur_dir = self._draw()
            results['flip'] = cur_dir is not None
            results.setdefault('flip_direction', cur_dir)
        elif 'flip_direction' not in results:
            results['flip_direction'] = (self.direction if isinstance(self.direction, str) else self.direction[0]) \
                if results['flip'] else None
        if results['flip']:
            direction = results['flip_direction']
            for key in results.get('img_fields', ['img']):
                require_keys(results, self, key)
                results[key] = imflip(results[key], direction=direction)
            for key in results.get('bbox_fields', []):
                require_keys(results, self, 'img_shape')
                results[key] = bbox_flip(results[key], results['img_shape'], direction)
            for key in results.get('mask_fields', []):
                results[key] = results[key].flip(direction)
            for key in results.get('seg_fields', []):
                results[key] = imflip(results[key], direction=direction)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(flip_ratio={self.flip_ratio})'


@PIPELINES.register_module()
class Pad:
    """Pad images at the bottom/right to a fixed ``size`` (h, w), to a multiple of ``size_divisor``, or to a
    square; masks and maps follow with their own ``pad_val`` entries (dict keys img, masks, seg).

    Adds pad_shape, pad_fixed_size, pad_size_divisor.
    """

    def __init__(self, size=None, size_divisor=None, pad_to_square=False, pad_val=None):
        if pad_val is None:
            pad_val = dict(img=0, masks=0, seg=255)
        elif isinstance(pad_val, (int, float)):
            warnings.warn('Pad: a number pad_val is deprecated; use dict(img=..., masks=..., seg=...)')
            pad_val = dict(img=pad_val, masks=pad_val, seg=255)
        if not isinstance(pad_val, dict):
            raise TypeError(f'Pad: pad_val must be a dict, got {type(pad_val).__name__}')
        if pad_to_square:
            if size is not None or size_divisor is not None:
                raise ValueError('Pad: pad_to_square excludes size and size_divisor')
        elif (size is None) == (size_divisor is None):
            raise ValueError('Pad: give exactly one of size and size_divisor (or pad_to_square=True)')
        self.size = size
        self.size_divisor = size_divisor
        self.pad_to_square = pad_to_square
        self.pad_val = pad_val

    def _pad_img(self, results):
        pad_val = self.pad_val.get('img', 0)
        size = self.size
        padded = None
        for key in results.get('img_fields', ['img']):
            require_keys(results, self, key)
            img = results[key]
            if self.pad_to_square:
                side = max(img.shape[:2])
                size = (side, side)
            if size is not None:
                padded = impad(img, shape=size, pad_val=pad_val)
            else:
                padded = impad_to_multiple(img, self.size_divisor, pad_val=pad_val)
            results[key] = padded
        results['pad_shape'] = padded.shape
        results['pad_fixed_size'] = size
        results['pad_size_divisor'] = self.size_divisor

    def _pad_masks(self, results):
        shape = results['pad_shape'][:2]
        for key in results.get('mask_fields', []):
            results[key] = results[key].pad(shape, pad_val=self.pad_val.get('masks', 0))

    def _pad_seg(self, results):
        shape = results['pad_shape'][:2]
        for key in results.get('seg_fields', []):
            results[key] = impad(results[key], shape=shape, pad_val=self.pad_val.get('seg', 255))

    def __call__(self, results):
        self._pad_img(results)
        self._pad_masks(results)
        self._pad_seg(results)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, size_divisor={self.size_divisor}, '
                f'pad_to_square={self.pad_to_square}, pad_val={self.pad_val})')


@PIPELINES.register_module()
class Normalize:
    """(img - mean) / std per channel, BGR→RGB first if ``to_rgb``; float32 out. Adds img_norm_cfg."""

    def __init__(self, mean, std, to_rgb=True):
        self.mean = np.array(mean, dtype=np.float32)
        self.std = np.array(std, dtype=np.float32)
        if self.mean.shape != self.std.shape:
            raise ValueError(f'Normalize: mean {mean} and std {std} differ in length')
        if np.any(self.std == 0):
            raise ValueError(f'Normalize: std must not contain 0, got {std}')
        self.to_rgb = to_rgb

    def __call__(self, results):
        for key in results.get('img_fields', ['img']):
            require_keys(results, self, key)
            results[key] = imnormalize(results[key], self.mean, self.std, self.to_rgb)
        results['img_norm_cfg'] = dict(mean=self.mean, std=self.std, to_rgb=self.to_rgb)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(mean={self.mean}, std={self.std}, to_rgb={self.to_rgb})'


@PIPELINES.register_module()
class SegRescale:
    """Rescale segmentation maps by ``scale_factor`` (nearest), e.g. to a head's output stride."""

    def __init__(self, scale_factor=1, backend='cv2'):
        self.scale_factor = scale_factor
        self.backend = backend

    def __call__(self, results):
        for key in results.get('seg_fields', []):
            if self.scale_factor != 1:
                results[key] = imrescale(results[key], self.scale_factor, interpolation='nearest',
                                         backend=self.backend)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(scale_factor={self.scale_factor})'
