"""MultiScaleFlipAug: run the inner transforms once per (scale, flip) and gather the results as lists."""
from __future__ import annotations

import warnings

from workbench.registry import PIPELINES

from .compose import Compose


@PIPELINES.register_module()
class MultiScaleFlipAug:
    """Test-time augmentation: for each scale in ``img_scale`` (or each ``scale_factor``), no flip and, with
    ``flip``, each of ``flip_direction``. Every result key becomes a list over the augmentations, in the order
    scale-major, (no flip, flips...) minor.
    """

    def __init__(self, transforms, img_scale=None, scale_factor=None, flip=False, flip_direction='horizontal'):
        self.transforms = Compose(transforms)
        if (img_scale is None) == (scale_factor is None):
            raise ValueError('MultiScaleFlipAug: give exactly one of img_scale and scale_factor')
        if img_scale is not None:
            self.img_scale = img_scale if isinstance(img_scale, list) else [img_scale]
            self.img_scale = [tuple(s) for s in self.img_scale]
            self.scale_key = 'scale'
        else:
            self.img_scale = scale_factor if isinstance(scale_factor, list) else [scale_factor]
            self.scale_key = 'scale_factor'
        self.flip = flip
        self.flip_direction = flip_direction if isinstance(flip_direction, list) else [flip_direction]
        if not all(isinstance(d, str) for d in self.flip_direction):
            raise TypeError(f'MultiScaleFlipAug: flip_direction must be str or list of str, got {flip_direction}')
        if not self.flip and self.flip_direction != ['horizontal']:
            warnings.warn('flip_direction has no effect when flip is set to False')
        if self.flip and not any(isinstance(t, dict) and t.get('type') == 'RandomFlip' for t in transforms):
            warnings.warn('flip has no effect when RandomFlip is not in transforms')

    def __call__(self, results):
        flip_args = [(False, None)]
        if self.flip:
            flip_args += [(True, d) for d in self.flip_direction]
        aug_data = []
        for scale in self.img_scale:
            for flip, direction in flip_args:
                _results = results.copy()
                _results[self.scale_key] = scale
                _results['flip'] = flip
                _results['flip_direction'] = direction
                aug_data.append(self.transforms(_results))
        out = {key: [] for key in aug_data[0]}
        for data in aug_data:
            for key, val in data.items():
                out[key].append(val)
        return out

    def __repr__(self):
        return (f'{self.__class__.__name__}(transforms={self.transforms}, img_scale={self.img_scale}, '
                f'flip={self.flip}, flip_direction={self.flip_direction})')
