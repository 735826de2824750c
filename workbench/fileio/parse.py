"""Text files of names: one item per line (list_from_file) or a key followed by values (dict_from_file)."""
from __future__ import annotations

from typing import Dict, List, Optional

from .file_client import FileClient


def _lines(filename, encoding: str, file_client_args: Optional[dict]) -> List[str]:
    text = FileClient.infer_client(file_client_args, filename).get_text(filename, encoding=encoding)
    return text.splitlines()


def list_from_file(filename, prefix: str = '', offset: int = 0, max_num: int = 0, encoding: str = 'utf-8',
                   file_client_args: Optional[dict] = None) -> List:
    """The lines of a text file (without line ends), each with ``prefix`` prepended, skipping the first ``offset``
    lines and keeping at most ``max_num`` (0 or less: no limit)."""
    lines = _lines(filename, encoding, file_client_args)[offset:]
    if max_num > 0:
        lines = lines[:max_num]
    return [prefix + line for line in lines]


def dict_from_file(filename, key_type: type = str, encoding: str = 'utf-8',
                   file_client_args: Optional[dict] = None) -> Dict:
    """A dict from a text file whose lines have two or more whitespace-separated columns: the first column is the key
    (converted by ``key_type``), the rest the value (a str if one column, else a list)."""
    mapping = {}
    for lineno, line in enumerate(_lines(filename, encoding, file_client_args), 1):
        items = line.split()
        if not items:
            continue
        if len(items) < 2:
            raise ValueError(f'{filename}, line {lineno}: expected a key and at least one value, got {line!r}')
        mapping[key_type(items[0])] = items[1:] if len(items) > 2 else items[1]
    return mapping
