"""DictAction: an argparse action that turns ``KEY=VALUE`` words into a dict, for ``--cfg-options``.

Values: ints, floats, ``true``/``false`` (any case), ``None``; ``V1,V2`` or ``[V1,V2]`` is a list, ``(V1,V2)`` a tuple,
brackets nest (``KEY=[(a,b),(c,d)]``); anything else is a string (surrounding quotes are stripped). Spaces inside a
value are removed, as in MMCV, so quote a whole list for the shell: ``workflow="[(train,1),(val,1)]"``.
Repeating the option adds to the same dict.
"""
from __future__ import annotations

import argparse
import copy
from typing import Any

_PAIRS = {'(': ')', '[': ']'}


class _ParseError(ValueError):
    pass


def parse_scalar(text: str) -> Any:
    """'1' -> 1, '1.5' -> 1.5, 'True'/'false' -> bool, 'None' -> None, anything else stays a str."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if text.lower() in ('true', 'false'):
        return text.lower() == 'true'
    if text == 'None':
        return None
    return text


def _next_comma(text: str) -> int:
    """Index of the first comma outside brackets (len(text) if none). Unbalanced brackets are an error."""
    stack = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in (')', ']'):
            if not stack or stack.pop() != ch:
                raise _ParseError(f'unbalanced brackets in {text!r}')
        elif ch == ',' and not stack:
            return i
    if stack:
        raise _ParseError(f'unbalanced brackets in {text!r}')
    return len(text)


def parse_value(text: str) -> Any:
    """Parse one VALUE of ``KEY=VALUE`` (see the module docstring)."""
    text = text.strip('\'"').replace(' ', '')
    is_tuple = False
    if text.startswith('(') and text.endswith(')') and _next_comma(text) == len(text):
        is_tuple, text = True, text[1:-1]
    elif text.startswith('[') and text.endswith(']') and _next_comma(text) == len(text):
        text = text[1:-1]
    elif ',' not in text:
        if any(c in text for c in '()[]'):
            _next_comma(text)  # raises for unbalanced brackets, e.g. '[1,2'
        return parse_scalar(text)
    values = []
    while text:
        comma = _next_comma(text)
        values.append(parse_value(text[:comma]))
        text = text[comma + 1:]
    return tuple(values) if is_tuple else values


class DictAction(argparse.Action):
    """argparse action: ``--cfg-options a.b=1 c=[1,2] d="(a,b)" e=None`` ->
    ``{'a.b': 1, 'c': [1, 2], 'd': ('a', 'b'), 'e': None}``. Use with ``nargs='+'``."""

    @staticmethod
    def _parse_int_float_bool(val: str) -> Any:
        return parse_scalar(val)

    @staticmethod
    def _parse_iterable(val: str) -> Any:
        return parse_value(val)

    def __call__(self, parser, namespace, values, option_string=None):
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        if isinstance(values, str):
            values = [values]
        for kv in values:
            if '=' not in kv:
                raise argparse.ArgumentError(self, f'expected KEY=VALUE, got {kv!r}')
            key, val = kv.split('=', maxsplit=1)
            if not key:
                raise argparse.ArgumentError(self, f'empty KEY in {kv!r}')
            try:
                options[key] = parse_value(val)
            except _ParseError as e:
                raise argparse.ArgumentError(self, f'{key}: {e}') from None
        setattr(namespace, self.dest, options)
