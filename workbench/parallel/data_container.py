"""DataContainer: wraps one sample's field with how a collate should batch it (mmcv 1.x ``mmcv.parallel``).

- ``stack=True``: tensors of a batch are stacked (after padding the last ``pad_dims`` dims to a common size with
  ``padding_value``), e.g. images.
- ``stack=False``: items are kept as a list, e.g. boxes of varying count.
- ``cpu_only=True``: the data never moves to a device, e.g. image metas.
"""
from __future__ import annotations

import functools
from typing import Any, Optional

import torch


def _needs_tensor(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not isinstance(self.data, torch.Tensor):
            raise AttributeError(f'{self.__class__.__name__}.{method.__name__}() needs tensor data, '
                                 f'this container holds {type(self.data).__name__}')
        return method(self, *args, **kwargs)
    return wrapper


class DataContainer:
    """A container for one field of one sample plus its batching flags.

    Args:
        data: a tensor, an array, a dict, ... (anything).
        stack: stack into one tensor when batching (tensors only).
        padding_value: fill value when padding tensors of different sizes before stacking.
        cpu_only: keep on the CPU when scattering.
        pad_dims: how many trailing dims are padded when stacking: None (no padding), 1, 2 or 3.
    """

    def __init__(self, data: Any, stack: bool = False, padding_value: float = 0, cpu_only: bool = False,
                 pad_dims: Optional[int] = 2):
        if pad_dims not in (None, 1, 2, 3):
            raise ValueError(f'pad_dims must be None, 1, 2 or 3, got {pad_dims!r}')
        self._data = data
        self._cpu_only = cpu_only
        self._stack = stack
        self._padding_value = padding_value
        self._pad_dims = pad_dims

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.data!r})'

    def __len__(self) -> int:
        return len(self._data)

    @property
    def data(self) -> Any:
        return self._data

    @property
    def datatype(self):
        return self.data.type() if isinstance(self.data, torch.Tensor) else type(self.data)

    @property
    def cpu_only(self) -> bool:
        return self._cpu_only

    @property
    def stack(self) -> bool:
        return self._stack

    @property
    def padding_value(self) -> float:
        return self._padding_value

    @property
    def pad_dims(self) -> Optional[int]:
        return self._pad_dims

    @_needs_tensor
    def size(self, *args, **kwargs) -> torch.Size:
        return self.data.size(*args, **kwargs)

    @_needs_tensor
    def dim(self) -> int:
        return self.data.dim()
