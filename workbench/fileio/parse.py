"""Text files of names: one item per line (list_from_file) or a key followed by values (dict_from_file)."""
from __future__ import annotations

from typing import Dict, List


def list_from_file(filename, prefix: str = '', offset: int = 0, max_num: int = 0, encoding: str = 'utf-8') -> List:
    """The lines of a text file (without line ends), each with ``prefix`` prepended, skipping the first ``offset``
    lines and keeping at most ``max_num`` (0 or less: no limit)."""
    items = []
    with open(filename, encoding=encoding) as f:
        for _ in range(offset):
            if not f.readline():
                break
        for line in f:
            if 0 < max_num <= len(items):
                break
            items.append(prefix + line.rstrip('\n\r'))
    return items


def dict_from_file(filename, key_type: type = str, encoding: str = 'utf-8') -> Dict:
    """A dict from a text file whose lines have two or more whitespace-separated columns: the first column is the key
    (converted by ``key_type``), the rest the value (a str if one column, else a list)."""
    mapping = {}
    with open(filename, encoding=encoding) as f:
        for lineno, line in enumerate(f, 1):
            items = line.rstrip('\n\r').split()
            if not items:
                continue
            if len(items) < 2:
                raise ValueError(f'{filename}, line {lineno}: expected a key and at least one value, got {line!r}')
            key = key_type(items[0])
            mapping[key] = items[1:] if len(items) > 2 else items[1]
    return mapping
