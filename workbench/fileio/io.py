"""load/dump by file extension or explicit ``file_format``, to and from paths, file objects and strings."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Optional

from .file_client import FileClient, HardDiskBackend
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


def _remote_client(file: Any, file_client_args: Optional[dict]):
    """The FileClient for a URI ('http://...', a registered prefix) or explicit args; None for local paths."""
    if not isinstance(file, (str, Path)):
        return None
    if file_client_args is None and FileClient.parse_uri_prefix(file) is None:
        return None
    client = FileClient.infer_client(file_client_args, file)
    return None if isinstance(client.client, HardDiskBackend) else client


def load(file: Any, file_format: Optional[str] = None, file_client_args: Optional[dict] = None, **kwargs) -> Any:
    """Load json/yaml/pickle data from a path or URI (format from the extension unless ``file_format``) or a file
    object. ``file_client_args`` choose a FileClient backend. Pickle files can run code when loaded: load only
    trusted ones."""
    file_format = _format_of(file, file_format, 'load')
    handler = file_handlers[file_format]
    client = _remote_client(file, file_client_args)
    if client is not None:
        if handler.str_like:
            return handler.load_from_fileobj(io.StringIO(client.get_text(file)), **kwargs)
        return handler.load_from_fileobj(io.BytesIO(client.get(file)), **kwargs)
    if isinstance(file, (str, Path)):
        if not os.path.isfile(file):
            raise FileNotFoundError(f'no such file: {os.fspath(file)}')
        return handler.load_from_path(os.fspath(file), **kwargs)
    if hasattr(file, 'read'):
        return handler.load_from_fileobj(file, **kwargs)
    raise TypeError(f'file must be a path or a file object, not {type(file).__name__}')


def dump(obj: Any, file: Any = None, file_format: Optional[str] = None, file_client_args: Optional[dict] = None,
         **kwargs) -> Optional[Any]:
    """Dump ``obj`` to a path, URI or file object, or return it as a string (bytes for pickle) when ``file`` is
    None. Returns None when written to a file; failures raise."""
    if file is None and file_format is None:
        raise ValueError('file_format must be given when dumping to a string (file=None)')
    file_format = _format_of(file, file_format, 'dump')
    handler = file_handlers[file_format]
    if file is None:
        return handler.dump_to_str(obj, **kwargs)
    client = _remote_client(file, file_client_args)
    if client is not None:
        data = handler.dump_to_str(obj, **kwargs)
        (client.put_text if isinstance(data, str) else client.put)(data, file)
        return None
    if isinstance(file, (str, Path)):
        handler.dump_to_path(obj, os.fspath(file), **kwargs)
        return None
    if hasattr(file, 'write'):
        handler.dump_to_fileobj(obj, file, **kwargs)
        return None
    raise TypeError(f'file must be a path or a file object, not {type(file).__name__}')


__all__ = ['load', 'dump']
