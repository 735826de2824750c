"""ConfigDict: a dict whose keys can also be read and written as attributes (``cfg.model.backbone.depth``).

Nested dicts, including dicts inside lists and tuples, are converted to ConfigDict on the way in, so attribute access
works at every level, as with MMCV 1.x (which used ``addict.Dict``).
"""
from __future__ import annotations

import copy
from typing import Any


def to_config_dict(value: Any) -> Any:
    """Convert dicts (also inside lists/tuples) to ConfigDict; other values are returned unchanged."""
    if isinstance(value, ConfigDict):
        return value
    if isinstance(value, dict):
        return ConfigDict(value)
    if isinstance(value, list):
        return [to_config_dict(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_config_dict(v) for v in value)
    return value


def to_plain(value: Any) -> Any:
    """Convert ConfigDicts (also nested) back to plain dicts, e.g. before dumping to json/yaml."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    return value


class ConfigDict(dict):
    """A dict with attribute access. A missing attribute raises AttributeError naming the key and the keys present."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        for key, value in dict(*args, **kwargs).items():
            super().__setitem__(key, to_config_dict(value))

    # attribute access ---------------------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            if name.startswith('__'):
                # keep Python protocols (copy, pickle, ...) working: they probe dunder names with getattr
                raise AttributeError(name) from None
            keys = ', '.join(map(str, self.keys())) or '(none)'
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}' "
                                 f'(keys: {keys})') from None

    def __dir__(self):
        return sorted(set(super().__dir__()) | {k for k in self.keys() if isinstance(k, str)})

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    # keep nested conversion on every write path --------------------------------------------------------------------
    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, to_config_dict(value))

    def update(self, *args, **kwargs) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self) -> 'ConfigDict':
        return ConfigDict(self)

    def __copy__(self) -> 'ConfigDict':
        return ConfigDict(self)

    def __deepcopy__(self, memo) -> 'ConfigDict':
        new = ConfigDict()
        memo[id(self)] = new
        for key, value in self.items():
            dict.__setitem__(new, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return new

    def __reduce__(self):
        return (ConfigDict, (dict(self),))

    def to_dict(self) -> dict:
        """A plain (nested) dict copy."""
        return to_plain(self)
