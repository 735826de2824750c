"""Formatting transforms: numpy to tensors, DataContainer wrapping, and Collect (what the model receives)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from workbench.parallel import DataContainer as DC
from workbench.registry import PIPELINES

from ._utils import require_keys

DEFAULT_META_KEYS = ('filename', 'ori_filename', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
                     'flip_direction', 'img_norm_cfg')


def to_tensor(data) -> torch.Tensor:
    """Tensor from a tensor, ndarray, sequence, int (LongTensor) or float (FloatTensor)."""
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, np.ndarray):
        if any(s < 0 for s in data.strides):  # views such as flips need a copy for torch
            data = np.ascontiguousarray(data)
        return torch.from_numpy(data)
    if isinstance(data, Sequence) and not isinstance(data, str):
        return torch.tensor(data)
    if isinstance(data, (bool, np.bool_)):
        raise TypeError(f'type {type(data)} cannot be converted to tensor')
    if isinstance(data, (int, np.integer)):
        return torch.LongTensor([int(data)])
    if isinstance(data, (float, np.floating)):
        return torch.FloatTensor([float(data)])
    raise TypeError(f'type {type(data)} cannot be converted to tensor.')


@PIPELINES.register_module()
class ToTensor:
    """Convert ``results[key]`` to tensors for each key."""

    def __init__(self, keys):
        self.keys = keys

    def __call__(self, results):
        for key in self.keys:
            require_keys(results, self, key)
            results[key] = to_tensor(results[key])
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(keys={self.keys})'


@PIPELINES.register_module()
class ImageToTensor:
    """HWC (or HW) arrays to CHW tensors for each key."""

    def __init__(self, keys):
        self.keys = keys

    def __call__(self, results):
        for key in self.keys:
            require_keys(results, self, key)
            img = results[key]
            if img.ndim < 3:
                img = np.expand_dims(img, -1)
            results[key] = to_tensor(np.ascontiguousarray(img.transpose(2, 0, 1)))
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(keys={self.keys})'


@PIPELINES.register_module()
class Transpose:
    """``results[key].transpose(order)`` for each key."""

    def __init__(self, keys, order):
        self.keys = keys
        self.order = order

    def __call__(self, results):
        for key in self.keys:
            require_keys(results, self, key)
            results[key] = results[key].transpose(self.order)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(keys={self.keys}, order={self.order})'


@PIPELINES.register_module()
class ToDataContainer:
    """Wrap fields in DataContainers: each field is dict(key=..., **DataContainer kwargs)."""

    def __init__(self, fields=(dict(key='img', stack=True), dict(key='gt_bboxes'), dict(key='gt_labels'))):
        self.fields = fields

    def __call__(self, results):
        for field in self.fields:
            field = dict(field)
            key = field.pop('key')
            require_keys(results, self, key)
            results[key] = DC(results[key], **field)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(fields={self.fields})'


@PIPELINES.register_module()
class DefaultFormatBundle:
    """The usual formatting: img → stacked CHW float tensor DC; proposals/gt_bboxes/gt_bboxes_ignore/gt_labels →
    tensor DCs; gt_masks → cpu-only DC (mask object kept); gt_semantic_seg → stacked (1, H, W) tensor DC.

    Fills pad_shape, scale_factor and img_norm_cfg with no-op defaults when no transform set them.
    """

    def __init__(self, img_to_float=True, pad_val=None):
        self.img_to_float = img_to_float
        self.pad_val = dict(img=0, masks=0, seg=255) if pad_val is None else dict(pad_val)

    @staticmethod
    def _add_default_meta_keys(results):
        img = results['img']
        results.setdefault('pad_shape', img.shape)
        results.setdefault('scale_factor', 1.0)
        channels = 1 if img.ndim < 3 else img.shape[2]
        results.setdefault('img_norm_cfg', dict(mean=np.zeros(channels, dtype=np.float32),
                                                std=np.ones(channels, dtype=np.float32), to_rgb=False))
        return results

    def __call__(self, results):
        if 'img' in results:
            img = results['img']
            if self.img_to_float and img.dtype == np.uint8:
                img = img.astype(np.float32)
            self._add_default_meta_keys(results)
            if img.ndim < 3:
                img = np.expand_dims(img, -1)
            img = to_tensor(np.ascontiguousarray(img.transpose(2, 0, 1)))
            results['img'] = DC(img, padding_value=self.pad_val.get('img', 0), stack=True)
        for key in ('proposals', 'gt_bboxes', 'gt_bboxes_ignore', 'gt_labels'):
            if key in results:
                results[key] = DC(to_tensor(results[key]))
        if 'gt_masks' in results:
            results['gt_masks'] = DC(results['gt_masks'], padding_value=self.pad_val.get('masks', 0), cpu_only=True)
        if 'gt_semantic_seg' in results:
            results['gt_semantic_seg'] = DC(to_tensor(results['gt_semantic_seg'][None, ...]),
                                            padding_value=self.pad_val.get('seg', 255), stack=True)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(img_to_float={self.img_to_float})'


@PIPELINES.register_module()
class Collect:
    """Keep only ``keys`` and put ``meta_keys`` into a cpu-only DataContainer under 'img_metas'."""

    def __init__(self, keys, meta_keys=DEFAULT_META_KEYS):
        self.keys = keys
        self.meta_keys = meta_keys

    def __call__(self, results):
        img_meta = {}
        for key in self.meta_keys:
            require_keys(results, self, key)
            img_meta[key] = results[key]
        data = {'img_metas': DC(img_meta, cpu_only=True)}
        for key in self.keys:
            require_keys(results, self, key)
            data[key] = results[key]
        return data

    def __repr__(self):
        return f'{self.__class__.__name__}(keys={self.keys}, meta_keys={self.meta_keys})'


@PIPELINES.register_module()
class WrapFieldsToLists:
    """Wrap every value in a one-element list (test-time format without MultiScaleFlipAug)."""

    def __call__(self, results):
        return {key: [val] for key, val in results.items()}

    def __repr__(self):
        return f'{self.__class__.__name__}()'
