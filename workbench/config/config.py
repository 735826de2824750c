"""Config: a config file (or dict) as a nested ConfigDict, with MMCV 1.x semantics plus provenance.

Beyond MMCV: ``workbench::method/file.py`` names a config shipped in the package, ``Config.diff`` compares two
resolved configs, and every leaf value remembers the file it came from (``key_origins()``, ``base_chain``).
"""
from __future__ import annotations

import copy
import difflib
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Union

from .config_dict import ConfigDict, to_plain
from .loader import Loaded, load_file, load_text
from .merge import DELETE_KEY, join_key, merge_a_into_b
from .pretty import format_python

RESERVED_KEYS = ('filename', 'text', 'pretty_text')
SET_IN_CODE = '<set in code>'
_INTERNAL = ('_cfg_dict', '_filename', '_text', '_origins', '_origin_values', '_base_chain', '_base_tree')


def _leaves(value: Any, prefix: str = '', out: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """dotted key -> value for every leaf (a value that is not a non-empty dict)."""
    out = {} if out is None else out
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _leaves(v, join_key(prefix, k), out)
    elif prefix:
        out[prefix] = value
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - e.g. arrays, whose == is elementwise
        return a is b


class Config:
    """A config from a file, a string or a dict, readable as attributes (``cfg.model.backbone``) or items.

    Args:
        cfg_dict: the config values. Keys 'filename', 'text' and 'pretty_text' are reserved.
        cfg_text: the source text, if any.
        filename: the file the config was read from, if any.

    Example:
        >>> cfg = Config(dict(a=1, b=dict(b1=[0, 1])))
        >>> cfg.b.b1
        [0, 1]
    """

    def __init__(self, cfg_dict: Optional[dict] = None, cfg_text: Optional[str] = None,
                 filename: Union[str, os.PathLike, None] = None):
        if cfg_dict is None:
            cfg_dict = {}
        elif not isinstance(cfg_dict, dict):
            raise TypeError(f'cfg_dict must be a dict, but got {type(cfg_dict).__name__}')
        for key in cfg_dict:
            if key in RESERVED_KEYS:
                raise KeyError(f'{key} is reserved for config file')
        filename = os.fspath(filename) if filename is not None else None
        object.__setattr__(self, '_cfg_dict', ConfigDict(cfg_dict))
        object.__setattr__(self, '_filename', filename)
        if cfg_text is None and filename is not None and osp.isfile(filename):
            with open(filename, encoding='utf-8') as f:
                cfg_text = f.read()
        object.__setattr__(self, '_text', cfg_text or '')
        source = filename or '<dict>'
        self._set_provenance({k: source for k in _leaves(self._cfg_dict)}, [filename] if filename else [],
                             {'file': filename, 'bases': []} if filename else {})

    # -- construction -------------------------------------------------------------------------------------------------
    @classmethod
    def _from_loaded(cls, loaded: Loaded, filename: Optional[str], import_custom_modules: bool) -> 'Config':
        cfg = cls.__new__(cls)
        for key in loaded.cfg:
            if key in RESERVED_KEYS:
                raise KeyError(f'{key} is reserved for config file ({filename})')
        object.__setattr__(cfg, '_cfg_dict', loaded.cfg)
        object.__setattr__(cfg, '_filename', filename)
        object.__setattr__(cfg, '_text', loaded.text)
        cfg._set_provenance(loaded.origins, loaded.chain, loaded.tree)
        if import_custom_modules and loaded.cfg.get('custom_imports'):
            from workbench.utils.misc import import_modules_from_strings
            custom = loaded.cfg['custom_imports']
            if not isinstance(custom, dict) or 'imports' not in custom:
                raise TypeError(f'{filename}: custom_imports must be dict(imports=[...], allow_failed_imports=False),'
                                f' got {custom!r}')
            import_modules_from_strings(**custom)
        return cfg

    @classmethod
    def fromfile(cls, filename: Union[str, os.PathLike], use_predefined_variables: bool = True,
                 import_custom_modules: bool = True) -> 'Config':
        """Load a .py/.json/.yaml/.yml config with its ``_base_`` files. ``filename`` may be a path or
        ``'workbench::<method>/<file>'`` for a config shipped with the package. A ``.py`` config is executed as
        Python: load only files you trust."""
        loaded = load_file(filename, use_predefined_variables)
        return cls._from_loaded(loaded, loaded.chain[-1], import_custom_modules)

    @classmethod
    def fromstring(cls, cfg_str: str, file_format: str, import_custom_modules: bool = True) -> 'Config':
        """A config from text in ``file_format`` ('py', 'json', 'yaml' or 'yml', with or without the dot).
        Relative ``_base_`` paths resolve against the working directory."""
        if not isinstance(cfg_str, str):
            raise TypeError(f'cfg_str must be a str, but got {type(cfg_str).__name__}')
        ext = file_format if file_format.startswith('.') else '.' + file_format
        if ext not in ('.py', '.json', '.yaml', '.yml'):
            raise OSError(f'unsupported config format {file_format!r}: only py/yml/yaml/json are supported')
        virtual = osp.join(os.getcwd(), f'<string>{ext}')
        loaded = load_text(cfg_str, virtual, ext)
        return cls._from_loaded(loaded, None, import_custom_modules)

    # -- provenance -------------------------------------------------------------------------------------------------
    def _set_provenance(self, origins: Dict[str, str], chain: List[str], tree: Dict[str, Any]) -> None:
        leaves = _leaves(self._cfg_dict)
        object.__setattr__(self, '_origins', {k: origins.get(k, SET_IN_CODE) for k in leaves})
        object.__setattr__(self, '_origin_values', copy.deepcopy(leaves))
        object.__setattr__(self, '_base_chain', list(chain))
        object.__setattr__(self, '_base_tree', tree)

    @property
    def base_chain(self) -> List[str]:
        """Every file that was read, in merge order: bases first, this config's own file last."""
        return list(self._base_chain)

    @property
    def base_tree(self) -> Dict[str, Any]:
        """The ``_base_`` hierarchy as ``{'file': path, 'bases': [subtree, ...]}`` (empty for a dict config)."""
        return copy.deepcopy(self._base_tree)

    def key_origins(self) -> Dict[str, str]:
        """Dotted key -> the file its current value came from, for every leaf value (lists are single leaves).

        Values from ``merge_from_dict`` show its ``source`` (default '<merge_from_dict>'); values from
        ``Config(dict)`` show '<dict>'; values changed in code after loading show '<set in code>'."""
        result = {}
        for key, value in _leaves(self._cfg_dict).items():
            if key in self._origins and key in self._origin_values and _same(self._origin_values[key], value):
                result[key] = self._origins[key]
            else:
                result[key] = SET_IN_CODE
        return result

    def origin_of(self, key: str) -> str:
        """The file that set the leaf ``key`` (dotted). KeyError naming the key if it is not a leaf."""
        origins = self.key_origins()
        if key not in origins:
            near = [k for k in origins if k.startswith(key + '.')]
            hint = f' ({key} is a dict; its leaves include {", ".join(near[:5])})' if near else ''
            raise KeyError(f'{key!r} is not a leaf key of this config{hint}')
        return origins[key]

    # -- merging ----------------------------------------------------------------------------------------------------
    def merge_from_dict(self, options: dict, allow_list_keys: bool = True, source: str = '<merge_from_dict>') -> None:
        """Merge ``{'dotted.key': value}`` options (as parsed by DictAction) into the config.

        Dotted keys create or override nested keys; with ``allow_list_keys`` a digit part indexes a list
        (``'data.train.pipeline.0.type'``). Existing sibling keys are kept."""
        option_dict: Dict[str, Any] = {}
        for full_key, value in options.items():
            node = option_dict
            parts = str(full_key).split('.')
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise KeyError(f'option {full_key!r} conflicts with another option that sets {part!r} '
                                   'to a non-dict value')
            node[parts[-1]] = value
        # start from the effective origins, so values edited in code keep '<set in code>' unless overridden
        origins = self.key_origins()
        merged = merge_a_into_b(option_dict, self._cfg_dict, allow_list_keys=allow_list_keys, source=source,
                                origins=origins)
        object.__setattr__(self, '_cfg_dict', merged)
        self._set_provenance(origins, self._base_chain, self._base_tree)

    # -- output -----------------------------------------------------------------------------------------------------
    @property
    def filename(self) -> Optional[str]:
        return self._filename

    @property
    def text(self) -> str:
        return self._text

    @property
    def pretty_text(self) -> str:
        """The config as Python source (``key = value`` lines, ``dict(...)`` style)."""
        return format_python(to_plain(self._cfg_dict))

    def to_dict(self) -> dict:
        """A plain nested dict copy of the values."""
        return to_plain(self._cfg_dict)

    def dump(self, file: Union[str, os.PathLike, None] = None) -> Optional[str]:
        """Write the config to ``file`` in the format of its extension (.py/.json/.yaml/.yml), or return it as a
        string (in the format of ``self.filename``; Python source when there is no filename)."""
        from workbench import fileio
        data = to_plain(self._cfg_dict)
        if file is None:
            if self.filename is None or self.filename.endswith('.py'):
                return format_python(data, strict=True)
            return fileio.dump(data, file_format=osp.splitext(self.filename)[1][1:])
        file = os.fspath(file)
        ext = osp.splitext(file)[1].lower()
        if ext == '.py':
            text = format_python(data, strict=True)
            with open(file, 'w', encoding='utf-8') as f:
                f.write(text)
        elif ext in ('.json', '.yaml', '.yml'):
            fileio.dump(data, file)
        else:
            raise OSError(f'cannot dump a config to {file}: use a .py, .json, .yaml or .yml file name')
        return None

    @staticmethod
    def diff(a: Union['Config', dict, str, os.PathLike], b: Union['Config', dict, str, os.PathLike],
             context: int = 3) -> str:
        """A unified diff of two resolved configs (Config objects, dicts or file names), empty when they are equal.
        Both are rendered like ``pretty_text`` but with every nested container on lines of its own, so a changed
        value shows as the few lines that hold it."""
        def as_config(x):
            if isinstance(x, Config):
                return x
            if isinstance(x, dict):
                return Config(x)
            return Config.fromfile(x)

        ca, cb = as_config(a), as_config(b)
        name_a = ca.filename or 'a'
        name_b = cb.filename or 'b'
        if name_a == name_b:
            name_a, name_b = f'a/{name_a}', f'b/{name_b}'
        text_a = format_python(to_plain(ca._cfg_dict), compact=False)
        text_b = format_python(to_plain(cb._cfg_dict), compact=False)
        lines = difflib.unified_diff(text_a.splitlines(keepends=True), text_b.splitlines(keepends=True),
                                     fromfile=name_a, tofile=name_b, n=context)
        return ''.join(lines)

    # -- dict / attribute protocol ------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith('__') or name in _INTERNAL:
            raise AttributeError(name)
        try:
            return getattr(self._cfg_dict, name)
        except AttributeError:
            keys = ', '.join(map(str, self._cfg_dict.keys())) or '(none)'
            where = f' ({self.filename})' if self.filename else ''
            raise AttributeError(f"the config{where} has no key '{name}' (keys: {keys})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in RESERVED_KEYS or name in _INTERNAL:
            raise AttributeError(f'{name} is reserved for config file and cannot be set')
        self._cfg_dict[name] = value

    def __delattr__(self, name: str) -> None:
        del self._cfg_dict[name]

    def __getitem__(self, name: str) -> Any:
        return self._cfg_dict[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.__setattr__(name, value)

    def __delitem__(self, name: str) -> None:
        del self._cfg_dict[name]

    def __contains__(self, name: Any) -> bool:
        return name in self._cfg_dict

    def __iter__(self):
        return iter(self._cfg_dict)

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __dir__(self):
        # tab completion in notebooks offers the config keys next to the methods
        return sorted(set(super().__dir__()) | {k for k in self._cfg_dict if isinstance(k, str)})

    def __repr__(self) -> str:
        return f'Config [path: {self.filename}]: {dict(self._cfg_dict)!r}'

    def __copy__(self) -> 'Config':
        new = Config.__new__(Config)
        for name in _INTERNAL:
            object.__setattr__(new, name, getattr(self, name))
        return new

    def __deepcopy__(self, memo) -> 'Config':
        new = Config.__new__(Config)
        memo[id(self)] = new
        for name in _INTERNAL:
            object.__setattr__(new, name, copy.deepcopy(getattr(self, name), memo))
        return new

    def __getstate__(self):
        return {name: getattr(self, name) for name in _INTERNAL}

    def __setstate__(self, state):
        for name in _INTERNAL:
            object.__setattr__(self, name, state[name])


__all__ = ['Config', 'ConfigDict', 'DELETE_KEY', 'SET_IN_CODE']
