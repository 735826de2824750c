"""Reading config files: formats, predefined variables, ``_base_`` inheritance and ``{{ _base_.x }}`` references.

Loading a ``.py`` config executes it as Python (it may import modules and run any code), so only load ``.py``
configs you trust. ``.json`` and ``.yaml``/``.yml`` configs are parsed as data (``yaml.safe_load``) and never run code.
"""
from __future__ import annotations

import copy
import json
import os
import os.path as osp
import re
import types
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .config_dict import ConfigDict
from .merge import merge_a_into_b

BASE_KEY = '_base_'
DEPRECATION_KEY = '_deprecation_'
PACKAGE_PREFIX = 'workbench::'
SUPPORTED_EXTS = ('.py', '.json', '.yaml', '.yml')

_PREDEFINED_RE = re.compile(r'\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}')
# a reference may stand bare (`a = {{ _base_.x }}`) or fill a whole quoted string (`a: '{{ _base_.x }}'` in YAML)
_BASE_REF_RE = re.compile(r'(?P<q>[\'"]?)\{\{\s*_base_\.(?P<key>[\w\.]+)\s*\}\}(?P=q)')


def packaged_configs_dir() -> str:
    """The ``configs`` folder installed with the workbench package."""
    return osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs')


def resolve_config_path(path: Any, relative_to: Optional[str] = None) -> str:
    """Absolute path of a config name: ``workbench::retinanet/x.py`` (a packaged config), ``~/x.py``, a path
    relative to ``relative_to`` (the folder of the config that names it) or to the working directory."""
    path = os.fspath(path)
    if path.startswith(PACKAGE_PREFIX):
        return osp.normpath(osp.join(packaged_configs_dir(), path[len(PACKAGE_PREFIX):]))
    path = osp.expanduser(path)
    if not osp.isabs(path) and relative_to is not None:
        path = osp.join(relative_to, path)
    return osp.normpath(osp.abspath(path))


class ConfigSyntaxError(SyntaxError):
    """A config file that cannot be parsed; the message names the file and line."""


@dataclass
class Loaded:
    cfg: ConfigDict
    text: str
    origins: Dict[str, str]
    chain: List[str]                       # every file read, bases before the files that inherit from them
    tree: Dict[str, Any] = field(default_factory=dict)  # {'file': path, 'bases': [subtree, ...]}


@dataclass
class _BaseRef:
    key: str
    line: int


def substitute_predefined(text: str, filename: str) -> str:
    """Replace ``{{ fileDirname }}``, ``{{ fileBasename }}``, ``{{ fileBasenameNoExtension }}``, ``{{ fileExtname }}``
    (names from VS Code) with facts about ``filename``."""
    dirname = osp.dirname(filename)
    basename = osp.basename(filename)
    values = dict(fileDirname=dirname, fileBasename=basename, fileBasenameNoExtension=osp.splitext(basename)[0],
                  fileExtname=osp.splitext(filename)[1])
    # forward slashes so Windows paths do not turn into escape sequences inside string literals
    return _PREDEFINED_RE.sub(lambda m: values[m.group(1)].replace('\\', '/'), text)


def _replace_base_refs(text: str) -> Tuple[str, Dict[str, _BaseRef]]:
    """Swap each ``{{ _base_.a.b }}`` for a unique quoted placeholder string, so the file still parses in any
    format; the placeholders are replaced by the referenced base values after the bases are loaded. A reference
    inside a longer string is not supported (as in MMCV)."""
    refs: Dict[str, _BaseRef] = {}

    def repl(m: re.Match) -> str:
        name = f'_wb_base_{m.group("key").replace(".", "_")}_{uuid.uuid4().hex[:12]}'
        refs[name] = _BaseRef(m.group('key'), text.count('\n', 0, m.start()) + 1)
        return f'"{name}"'

    return _BASE_REF_RE.sub(repl, text), refs


def _lookup(cfg: Any, dotted: str) -> Any:
    value = cfg
    for part in dotted.split('.'):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(part)
    return value


def _substitute_base_refs(value: Any, refs: Dict[str, _BaseRef], base: dict, filename: str,
                          base_files: List[str]) -> Any:
    if isinstance(value, str) and value in refs:
        ref = refs[value]
        try:
            # a copy, so editing the inserted value later does not also edit the base value it came from
            return copy.deepcopy(_lookup(base, ref.key))
        except KeyError as e:
            keys = ', '.join(map(str, base.keys())) or '(none)'
            where = ', '.join(base_files) or 'no _base_ files'
            raise KeyError(f'{filename}, line {ref.line}: {{{{ _base_.{ref.key} }}}} refers to the key '
                           f"'{ref.key}' ('{e.args[0]}' is missing), which the base configs ({where}) do not define; "
                           f'their top-level keys are: {keys}') from None
    if isinstance(value, str) and '_wb_base_' in value:
        for name, ref in refs.items():
            if name in value:
                raise ValueError(f'{filename}, line {ref.line}: {{{{ _base_.{ref.key} }}}} must stand as a whole value '
                                 f'(e.g. `x = {{{{ _base_.{ref.key} }}}}`); it cannot be part of an expression or a '
                                 'longer string')
    if isinstance(value, dict):
        return type(value)({k: _substitute_base_refs(v, refs, base, filename, base_files) for k, v in value.items()})
    if isinstance(value, list):
        return [_substitute_base_refs(v, refs, base, filename, base_files) for v in value]
    if isinstance(value, tuple):
        return tuple(_substitute_base_refs(v, refs, base, filename, base_files) for v in value)
    return value


def _parse_python(text: str, filename: str) -> dict:
    try:
        code = compile(text, filename, 'exec', dont_inherit=True)
    except SyntaxError as e:
        line = (e.text or '').rstrip('\n')
        err = ConfigSyntaxError(f'syntax error in config file {filename}, line {e.lineno}: {e.msg}'
                                + (f'\n    {line.strip()}' if line else ''))
        err.filename, err.lineno, err.offset, err.text = filename, e.lineno, e.offset, e.text
        raise err from None
    namespace: Dict[str, Any] = {'__file__': filename, '__name__': '__workbench_config__'}
    exec(code, namespace)  # noqa: S102 - .py configs are Python by design; documented in docs/config.md
    return {k: v for k, v in namespace.items()
            if not k.startswith('__') and not isinstance(v, (types.ModuleType, types.FunctionType, type))}


def _parse_json(text: str, filename: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigSyntaxError(f'invalid JSON in config file {filename}, line {e.lineno}: {e.msg}') from None
    return data


def _parse_yaml(text: str, filename: str) -> dict:
    import yaml
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        line = f', line {mark.line + 1}' if mark is not None else ''
        problem = getattr(e, 'problem', None) or str(e)
        raise ConfigSyntaxError(f'invalid YAML in config file {filename}{line}: {problem}') from None
    return {} if data is None else data


def parse_text(text: str, filename: str, ext: str) -> dict:
    """Parse config text of format ``ext`` ('.py', '.json', '.yaml', '.yml') into a dict."""
    if ext == '.py':
        data = _parse_python(text, filename)
    elif ext == '.json':
        data = _parse_json(text, filename)
    elif ext in ('.yaml', '.yml'):
        data = _parse_yaml(text, filename)
    else:
        raise OSError(f'unsupported config format {ext!r} for {filename}: only .py, .json, .yaml and .yml configs '
                      'are supported')
    if not isinstance(data, dict):
        raise TypeError(f'config file {filename} must define a mapping at the top level, got {type(data).__name__}')
    return data


def _warn_deprecation(info: Any, filename: str) -> None:
    if not isinstance(info, dict):
        raise TypeError(f'{filename}: {DEPRECATION_KEY} must be a dict(expected=..., reference=...), '
                        f'got {info!r}')
    msg = f'The config file {osp.basename(filename)} will be deprecated in the future.'
    if 'expected' in info:
        msg += f' Please use {info["expected"]} instead.'
    if 'reference' in info:
        msg += f' More information can be found at {info["reference"]}'
    warnings.warn(msg, UserWarning, stacklevel=4)


def load_text(text: str, filename: str, ext: str, use_predefined_variables: bool = True,
              _stack: Tuple[str, ...] = ()) -> Loaded:
    """Load config text that lives at ``filename`` (used for relative ``_base_`` paths and predefined variables)."""
    if use_predefined_variables:
        text = substitute_predefined(text, filename)
    text, refs = _replace_base_refs(text)
    raw = parse_text(text, filename, ext)

    if DEPRECATION_KEY in raw:
        _warn_deprecation(raw.pop(DEPRECATION_KEY), filename)

    base_names = raw.pop(BASE_KEY, [])
    if isinstance(base_names, str):
        base_names = [base_names]
    if not isinstance(base_names, (list, tuple)) or not all(isinstance(b, str) for b in base_names):
        raise TypeError(f'{filename}: {BASE_KEY} must be a path or a list of paths, got {base_names!r}')

    base_cfg: Dict[str, Any] = {}
    base_origins: Dict[str, str] = {}
    chain: List[str] = []
    subtrees = []
    key_owner: Dict[str, str] = {}
    base_texts = []
    for name in base_names:
        path = resolve_config_path(name, osp.dirname(filename))
        if not osp.isfile(path):
            raise FileNotFoundError(f'{filename}: base config {name!r} not found (looked for {path})')
        if path in _stack or path == filename:
            cycle = ' -> '.join(list(_stack) + [filename, path])
            raise RecursionError(f'circular _base_ inheritance: {cycle}')
        sub = load_file(path, use_predefined_variables, _stack + (filename,))
        duplicates = [k for k in sub.cfg if k in base_cfg]
        if duplicates:
            details = '; '.join(f"'{k}' in both {key_owner[k]} and {path}" for k in duplicates)
            raise KeyError(f'{filename}: the same key may not be set by two sibling _base_ configs: {details}. '
                           'Move the key into one of them, or set it in this file instead.')
        for k in sub.cfg:
            key_owner[k] = path
        base_cfg.update(sub.cfg)
        base_origins.update(sub.origins)
        chain.extend(p for p in sub.chain if p not in chain)
        subtrees.append(sub.tree)
        base_texts.append(sub.text)

    if refs:
        raw = _substitute_base_refs(raw, refs, base_cfg, filename, [resolve_config_path(b, osp.dirname(filename))
                                                                     for b in base_names])
    origins = dict(base_origins)
    merged = merge_a_into_b(raw, ConfigDict(base_cfg), source=filename, origins=origins)
    chain.append(filename)
    own_text = f'# {filename}\n' + text
    return Loaded(cfg=merged, text='\n'.join(base_texts + [own_text]), origins=origins, chain=chain,
                  tree={'file': filename, 'bases': subtrees})


def load_file(filename: Any, use_predefined_variables: bool = True, _stack: Tuple[str, ...] = ()) -> Loaded:
    """Load a config file with its bases."""
    path = resolve_config_path(filename)
    if not osp.isfile(path):
        hint = ''
        if os.fspath(filename).startswith(PACKAGE_PREFIX):
            hint = f' (packaged configs live in {packaged_configs_dir()})'
        raise FileNotFoundError(f'config file {os.fspath(filename)!r} not found (looked for {path}){hint}')
    ext = osp.splitext(path)[1].lower()
    if ext not in SUPPORTED_EXTS:
        raise OSError(f'unsupported config format {ext!r} for {path}: only .py, .json, .yaml and .yml configs are '
                      'supported')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    return load_text(text, path, ext, use_predefined_variables, _stack)

