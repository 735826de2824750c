"""Photometric augmentations: PhotoMetricDistortion (SSD), YOLOXHSVRandomAug, CutOut."""
from __future__ import annotations

import cv2
import numpy as np

from workbench.image import bgr2hsv, hsv2bgr
from workbench.registry import PIPELINES

from ._utils import require_keys


@PIPELINES.register_module()
class PhotoMetricDistortion:
    """Random brightness, contrast (before or after the HSV steps), saturation, hue and channel swap, each applied
    with probability 0.5 (SSD). Works on float32 BGR images; a uint8 image is converted to float32 first.
    """

    def __init__(self, brightness_delta=32, contrast_range=(0.5, 1.5), saturation_range=(0.5, 1.5), hue_delta=18):
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = contrast_range
        self.saturation_lower, self.saturation_upper = saturation_range
        self.hue_delta = hue_delta

    def _contrast(self, img):
        if np.random.randint(2):
            img *= np.random.uniform(self.contrast_lower, self.contrast_upper)
        return img

    def __call__(self, results):
        fields = results.get('img_fields', ['img'])
        if list(fields) != ['img']:
            raise ValueError(f'PhotoMetricDistortion handles only img_fields == ["img"], got {fields}')
        require_keys(results, self, 'img')
        img = results['img']
        if img.dtype == np.uint8:
            img = img.astype(np.float32)
        elif img.dtype != np.float32:
            raise TypeError(f'PhotoMetricDistortion needs a uint8 or float32 image, got {img.dtype}')
        else:
            img = img.copy()
        if np.random.randint(2):
            img += np.random.uniform(-self.brightness_delta, self.brightness_delta)
        contrast_first = np.random.randint(2) == 1
        if contrast_first:
            img = self._contrast(img)
        img = bgr2hsv(img)  # float32 HSV: H in [0, 360)
        if np.random.randint(2):
            img[..., 1] *= np.random.uniform(self.saturation_lower, self.saturation_upper)
        if np.random.randint(2):
            img[..., 0] += np.random.uniform(-self.hue_delta, self.hue_delta)
            img[..., 0][img[..., 0] > 360] -= 360
            img[..., 0][img[..., 0] < 0] += 360
        img = hsv2bgr(img)
        if not contrast_first:
            img = self._contrast(img)
        if np.random.randint(2):
            img = img[..., np.random.permutation(3)]
        results['img'] = img
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(brightness_delta={self.brightness_delta}, contrast_range='
                f'({self.contrast_lower}, {self.contrast_upper}), saturation_range=({self.saturation_lower}, '
                f'{self.saturation_upper}), hue_delta={self.hue_delta})')


@PIPELINES.register_module()
class YOLOXHSVRandomAug:
    """YOLOX's HSV jitter on uint8 BGR images: each of H, S, V gets, with probability 0.5, an integer offset
    drawn from +-delta (H wraps at 180, S and V are clipped to [0, 255])."""

    def __init__(self, hue_delta=5, saturation_delta=30, value_delta=30):
        self.hue_delta = hue_delta
        self.saturation_delta = saturation_delta
        self.value_delta = value_delta

    def __call__(self, results):
        require_keys(results, self, 'img')
        img = results['img']
        gains = np.random.uniform(-1, 1, 3) * [self.hue_delta, self.saturation_delta, self.value_delta]
        gains *= np.random.randint(0, 2, 3)
        gains = gains.astype(np.int16)
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.int16)
        hsv[..., 0] = (hsv[..., 0] + gains[0]) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] + gains[1], 0, 255)
        hsv[..., 2] = np.clip(hsv[..., 2] + gains[2], 0, 255)
        results['img'] = cv2.cvtColor(hsv.astype(img.dtype), cv2.COLOR_HSV2BGR)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(hue_delta={self.hue_delta}, saturation_delta={self.saturation_delta}, '
                f'value_delta={self.value_delta})')


@PIPELINES.register_module()
class CutOut:
    """Fill ``n_holes`` (an int or an inclusive (min, max) range) random rectangles with ``fill_in``.

    Rectangle sizes come from ``cutout_shape`` ((w, h) pixels) or ``cutout_ratio`` ((w, h) fractions of the image),
    one candidate or a list to choose from. The top-left corner is uniform over the image; the box is clipped.
    """

    def __init__(self, n_holes, cutout_shape=None, cutout_ratio=None, fill_in=(0, 0, 0)):
        if (cutout_shape is None) == (cutout_ratio is None):
            raise ValueError('CutOut: give exactly one of cutout_shape and cutout_ratio')
        if isinstance(n_holes, tuple):
            if not (len(n_holes) == 2 and 0 <= n_holes[0] < n_holes[1]):
                raise ValueError(f'CutOut: n_holes range must be (min, max) with 0 <= min < max, got {n_holes}')
        else:
            n_holes = (n_holes, n_holes)
        self.n_holes = n_holes
        self.fill_in = fill_in
        self.with_ratio = cutout_ratio is not None
        self.candidates = cutout_ratio if self.with_ratio else cutout_shape
        if not isinstance(self.candidates, list):
            self.candidates = [self.candidates]

    def __call__(self, results):
        require_keys(results, self, 'img')
        img = results['img']
        h, w = img.shape[:2]
        n_holes = np.random.randint(self.n_holes[0], self.n_holes[1] + 1)
        for _ in range(n_holes):
            x1 = np.random.randint(0, w)
            y1 = np.random.randint(0, h)
            cand = self.candidates[np.random.randint(0, len(self.candidates))]
            if self.with_ratio:
                cw, ch = int(cand[0] * w), int(cand[1] * h)
            else:
                cw, ch = cand
            x2, y2 = np.clip(x1 + cw, 0, w), np.clip(y1 + ch, 0, h)
            img[y1:y2, x1:x2, ...] = self.fill_in
        results['img'] = img
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(n_holes={self.n_holes}, '
                f'{"cutout_ratio" if self.with_ratio else "cutout_shape"}={self.candidates}, fill_in={self.fill_in})')
