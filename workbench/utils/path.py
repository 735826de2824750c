"""Filesystem helpers: mkdir_or_exist, scandir, check_file_exist."""
from __future__ import annotations

import os
import os.path as osp
from pathlib import Path
from typing import Iterator, Tuple, Union


def mkdir_or_exist(dir_name: Union[str, Path], mode: int = 0o777) -> None:
    """Create a directory (with parents) unless it exists; '' does nothing."""
    if dir_name == '':
        return
    os.makedirs(osp.expanduser(os.fspath(dir_name)), mode=mode, exist_ok=True)


def check_file_exist(filename: Union[str, Path], msg_tmpl: str = 'file "{}" does not exist') -> None:
    if not osp.isfile(filename):
        raise FileNotFoundError(msg_tmpl.format(filename))


def scandir(dir_path: Union[str, Path], suffix: Union[str, Tuple[str, ...], None] = None, recursive: bool = False,
            case_sensitive: bool = True) -> Iterator[str]:
    """Yield paths (relative to ``dir_path``, '/'-free of the root) of the files in ``dir_path`` whose names end with
    ``suffix`` (a str or tuple), descending into sub-folders if ``recursive``. Hidden files (leading '.') are
    skipped."""
    if isinstance(dir_path, (str, Path)):
        dir_path = os.fspath(dir_path)
    else:
        raise TypeError(f'"dir_path" must be a string or Path object, got {type(dir_path).__name__}')
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(f'"suffix" must be a string or tuple of strings, got {type(suffix).__name__}')
    if suffix is not None and not case_sensitive:
        suffix = suffix.lower() if isinstance(suffix, str) else tuple(s.lower() for s in suffix)
    root = dir_path

    def _scan(path: str) -> Iterator[str]:
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.name.startswith('.'):
                continue
            if entry.is_file():
                rel = osp.relpath(entry.path, root)
                name = rel if case_sensitive else rel.lower()
                if suffix is None or name.endswith(suffix):
                    yield rel
            elif recursive and entry.is_dir():
                yield from _scan(entry.path)

    return _scan(dir_path)


__all__ = ['mkdir_or_exist', 'check_file_exist', 'scandir']
