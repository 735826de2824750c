"""load/dump by file extension or explicit ``file_format``, to and from paths, file objects and strings."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from .handlers import file_handlers


def _format_of(file: Any, file_format: Optional[str], action: str) -> str:
    if file_format is None:
        if isinstance(file, (str, Path)):
            file_format = os.fspath(file).rsplit('.', 1)[-1] if '.' in os.path.basename(os.fspath(file)) else ''
        else:
            raise ValueError(f'cannot infer the format to {action} a file object: pass file_format= '
                             f'(one of {", ".join(sorted(file_handlers))})')
    if file_format not in file_handlers:
        raise TypeError(f'unsupported format {file_format!r} ({action} {file!r}); supported: '
                        f'{", ".join(sorted(file_handlers))}; register more with @register_handler')
    return file_format


def load(file: Any, file_format: Optional[str] = None, **kwargs) -> Any:
    """Load json/yaml/pickle data from a path (format from the extension unless ``file_format``) or a file object.
    Pickle files can run code when loaded: load only trusted ones."""
    file_format = _format_of(file, file_format, 'load')
    handler = file_handlers[file_format]
    if isinstance(file, (str, Path)):
        if not os.path.isfile(file):
            raise FileNotFoundError(f'no such file: {os.fspath(file)}')
        return handler.load_from_path(os.fspath(file), **kwargs)
    if hasattr(file, 'read'):
        return handler.load_from_fileobj(file, **kwargs)
    raise TypeError(f'file must be a path or a file object, not {type(file).__name__}')


def dump(obj: Any, file: Any = None, file_format: Optional[str] = None, **kwargs) -> Optional[Any]:
    """Dump ``obj`` to a path or file object, or return it as a string (bytes for pickle) when ``file`` is None.
    Returns None when written to a file; failures raise."""
    if file is None and file_format is None:
        raise ValueError('file_format must be given when dumping to a string (file=None)')
    file_format = _format_of(file, file_format, 'dump')
    handler = file_handlers[file_format]
    if file is None:
        return handler.dump_to_str(obj, **kwargs)
    if isinstance(file, (str, Path)):
        handler.dump_to_path(obj, os.fspath(file), **kwargs)
        return None
    if hasattr(file, 'write'):
        handler.dump_to_fileobj(obj, file, **kwargs)
        return None
    raise TypeError(f'file must be a path or a file object, not {type(file).__name__}')


__all__ = ['load', 'dump']
