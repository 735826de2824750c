"""File handlers: one class per format that loads/dumps objects from/to file objects, paths and strings.

New formats register with ``@register_handler('txt')`` (or a list of extensions), as in MMCV 1.x.
"""
from __future__ import annotations

import json
import pickle
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Union


class BaseFileHandler(metaclass=ABCMeta):
    """Subclasses implement ``load_from_fileobj``, ``dump_to_fileobj`` and ``dump_to_str``; binary formats set
    ``str_like = False`` so paths are opened in binary mode."""
    str_like = True

    @abstractmethod
    def load_from_fileobj(self, file, **kwargs):
        ...

    @abstractmethod
    def dump_to_fileobj(self, obj, file, **kwargs):
        ...

    @abstractmethod
    def dump_to_str(self, obj, **kwargs):
        ...

    def load_from_path(self, filepath: str, mode: str = 'r', **kwargs):
        if not self.str_like and mode == 'r':
            mode = 'rb'
        with open(filepath, mode, **({'encoding': 'utf-8'} if 'b' not in mode else {})) as f:
            return self.load_from_fileobj(f, **kwargs)

    def dump_to_path(self, obj, filepath: str, mode: str = 'w', **kwargs):
        if not self.str_like and mode == 'w':
            mode = 'wb'
        with open(filepath, mode, **({'encoding': 'utf-8'} if 'b' not in mode else {})) as f:
            self.dump_to_fileobj(obj, f, **kwargs)


def _json_default(obj: Any) -> Any:
    """JSON has no sets, tuples-as-such or numpy types: convert them (numpy is optional here)."""
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency, but fileio does not need it
        np = None
    if np is not None:
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, np.generic):
            return obj.item()
    raise TypeError(f'{type(obj).__name__} ({obj!r}) is not JSON serializable')


class JsonHandler(BaseFileHandler):

    def load_from_fileobj(self, file, **kwargs):
        return json.load(file, **kwargs)

    def dump_to_fileobj(self, obj, file, **kwargs):
        kwargs.setdefault('default', _json_default)
        json.dump(obj, file, **kwargs)

    def dump_to_str(self, obj, **kwargs):
        kwargs.setdefault('default', _json_default)
        return json.dumps(obj, **kwargs)


def _yaml_dumper():
    import yaml

    class _Dumper(yaml.SafeDumper):
        """Safe YAML, with tuples written as plain lists (so safe_load can read them back)."""

    _Dumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))
    try:
        import numpy as np
        _Dumper.add_multi_representer(np.generic, lambda d, v: d.represent_data(v.item()))
        _Dumper.add_representer(np.ndarray, lambda d, v: d.represent_list(v.tolist()))
    except ImportError:  # pragma: no cover
        pass
    # ConfigDict and other dict subclasses: plain mappings
    _Dumper.add_multi_representer(dict, lambda d, v: d.represent_dict(dict(v)))
    return _Dumper


class YamlHandler(BaseFileHandler):
    """YAML with ``yaml.safe_load``: loading never constructs arbitrary Python objects."""

    def load_from_fileobj(self, file, **kwargs):
        import yaml
        return yaml.safe_load(file, **kwargs)

    def dump_to_fileobj(self, obj, file, **kwargs):
        import yaml
        kwargs.setdefault('sort_keys', False)
        yaml.dump(obj, file, Dumper=_yaml_dumper(), **kwargs)

    def dump_to_str(self, obj, **kwargs):
        import yaml
        kwargs.setdefault('sort_keys', False)
        return yaml.dump(obj, Dumper=_yaml_dumper(), **kwargs)


class PickleHandler(BaseFileHandler):
    """Pickle, protocol 2 by default (as MMCV). Loading a pickle can run code: load only trusted files."""
    str_like = False

    def load_from_fileobj(self, file, **kwargs):
        return pickle.load(file, **kwargs)

    def dump_to_str(self, obj, **kwargs):
        kwargs.setdefault('protocol', 2)
        return pickle.dumps(obj, **kwargs)

    def dump_to_fileobj(self, obj, file, **kwargs):
        kwargs.setdefault('protocol', 2)
        pickle.dump(obj, file, **kwargs)


file_handlers: Dict[str, BaseFileHandler] = {
    'json': JsonHandler(), 'yaml': YamlHandler(), 'yml': YamlHandler(), 'pickle': PickleHandler(),
    'pkl': PickleHandler(),
}


def _register_handler(handler: BaseFileHandler, file_formats: Union[str, List[str]]) -> None:
    if not isinstance(handler, BaseFileHandler):
        raise TypeError(f'handler must be a child of BaseFileHandler, not {type(handler).__name__}')
    if isinstance(file_formats, str):
        file_formats = [file_formats]
    if not all(isinstance(f, str) for f in file_formats):
        raise TypeError('file_formats must be a str or a list of str')
    for fmt in file_formats:
        file_handlers[fmt] = handler


def register_handler(file_formats: Union[str, List[str]], **kwargs):
    """Class decorator: ``@register_handler('txt')`` registers an instance of the class for those formats."""
    def wrap(cls):
        _register_handler(cls(**kwargs), file_formats)
        return cls
    return wrap
