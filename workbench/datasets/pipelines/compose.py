"""Compose: run a sequence of transforms over a results dict."""
from __future__ import annotations

from collections.abc import Sequence

from workbench.registry import PIPELINES, build_from_cfg

from ._utils import PipelineKeyError, missing_key_error


@PIPELINES.register_module()
class Compose:
    """Apply transforms (config dicts built from ``PIPELINES``, or callables) in order.

    A transform returning None drops the sample: ``Compose`` returns None at once. A plain ``KeyError`` raised by a
    transform is re-raised naming the transform and the missing key.
    """

    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise TypeError(f'transforms must be a sequence, got {type(transforms).__name__}')
        self.transforms = []
        for i, t in enumerate(transforms):
            if isinstance(t, dict):
                self.transforms.append(build_from_cfg(t, PIPELINES))
            elif callable(t):
                self.transforms.append(t)
            else:
                raise TypeError(f'transform #{i} must be callable or a dict, got {type(t).__name__}: {t!r}')

    def __call__(self, data):
        for t in self.transforms:
            try:
                data = t(data)
            except PipelineKeyError:
                raise
            except KeyError as e:
                key = e.args[0] if e.args else '?'
                if isinstance(data, dict) and isinstance(key, str) and key not in data:
                    raise missing_key_error(t, key, data) from e
                raise
            if data is None:
                return None
        return data

    def __repr__(self) -> str:
        body = ''.join(f'\n    {t}' for t in self.transforms)
        return f'{self.__class__.__name__}({body}\n)'
