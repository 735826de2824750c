"""Render a config dict as Python source: ``key = value`` lines, ``dict(k=v)`` for nested dicts, single quotes.

The output is valid Python that evaluates back to the same values (it is what ``Config.dump('x.py')`` writes), and
it is stable, so two configs can be compared line by line (``Config.diff``). A value that fits in ``width``
characters stays on one line; longer ones break with one item per line, indented by four spaces.
"""
from __future__ import annotations

import keyword
import math
from typing import Any, List

INDENT = ' ' * 4


class UnrenderableValue(TypeError):
    """A value has no Python literal form (e.g. an object instance), so it cannot be written to a .py config."""


def _is_identifier_key(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _atom(value: Any, path: str, strict: bool) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "float('-inf')"
        return repr(float(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bytes):
        return repr(value)
    if strict:
        raise UnrenderableValue(f'config value at {path or "<top>"} is a {type(value).__name__} ({value!r}), which '
                                'has no Python literal form; only None/bool/int/float/str/bytes/list/tuple/dict '
                                'can be written to a .py config')
    # for display only (pretty_text of a config that holds e.g. a class passed as `type=`)
    if isinstance(value, type) or callable(value):
        return f'{getattr(value, "__module__", "?")}.{getattr(value, "__qualname__", repr(value))}'
    return repr(value)


def _one_line(value: Any, path: str, strict: bool) -> str:
    if isinstance(value, dict):
        if all(_is_identifier_key(k) for k in value):
            return 'dict(' + ', '.join(f'{k}={_one_line(v, f"{path}.{k}", strict)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{_one_line(k, path, strict)}: {_one_line(v, f"{path}.{k}", strict)}'
                               for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(_one_line(v, f'{path}.{i}', strict) for i, v in enumerate(value)) + ']'
    if isinstance(value, tuple):
        items = [_one_line(v, f'{path}.{i}', strict) for i, v in enumerate(value)]
        return '(' + items[0] + ',)' if len(items) == 1 else '(' + ', '.join(items) + ')'
    return _atom(value, path, strict)


def _has_containers(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(isinstance(v, (dict, list, tuple)) for v in items)


def _render(value: Any, indent: int, prefix_len: int, width: int, path: str, strict: bool,
            compact: bool = True) -> str:
    """Render ``value`` whose first line starts after ``prefix_len`` characters at nesting level ``indent``.
    ``compact=False`` also breaks every container that holds containers, so each line changes independently."""
    flat = _one_line(value, path, strict)
    if not isinstance(value, (dict, list, tuple)) or len(value) == 0:
        return flat
    if len(flat) + prefix_len <= width and (compact or not _has_containers(value)):
        return flat
    inner = INDENT * (indent + 1)
    lines: List[str] = []
    if isinstance(value, dict):
        ident = all(_is_identifier_key(k) for k in value)
        for k, v in value.items():
            head = f'{k}=' if ident else f'{_one_line(k, path, strict)}: '
            body = _render(v, indent + 1, len(inner) + len(head), width, f'{path}.{k}', strict, compact)
            lines.append(f'{inner}{head}{body}')
        open_, close = ('dict(', ')') if ident else ('{', '}')
    else:
        for i, v in enumerate(value):
            lines.append(inner + _render(v, indent + 1, len(inner), width, f'{path}.{i}', strict, compact))
        open_, close = ('[', ']') if isinstance(value, list) else ('(', ')')
        if isinstance(value, tuple) and len(value) == 1:
            lines[0] += ','
    return open_ + '\n' + ',\n'.join(lines) + close


def format_python(cfg: dict, width: int = 100, strict: bool = False, compact: bool = True) -> str:
    """The Python source for a config dict. ``strict`` raises UnrenderableValue for values with no literal form;
    ``compact=False`` puts each nested container on lines of its own (stable line-by-line diffs)."""
    out = []
    for key, value in cfg.items():
        if not _is_identifier_key(key):
            if strict:
                raise UnrenderableValue(f'top-level config key {key!r} is not a Python identifier, so it cannot be '
                                        'written as an assignment in a .py config; dump to .json or .yaml instead')
            out.append(f'{key!r} = ' + _render(value, 0, len(repr(key)) + 3, width, str(key), strict, compact))
            continue
        out.append(f'{key} = ' + _render(value, 0, len(key) + 3, width, key, strict, compact))
    return '\n'.join(out) + '\n' if out else ''
