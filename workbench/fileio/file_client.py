"""FileClient: one interface to read and write bytes/text on different storages (MMCV 1.x ``mmcv.fileio``).

Built in: the local disk ('disk') and read-only HTTP(S) ('http'). MMCV's cluster backends (petrel, ceph, memcached,
lmdb) need client libraries the workbench does not ship; register a backend of your own with
``FileClient.register_backend``.
"""
from __future__ import annotations

import inspect
import os
import os.path as osp
import tempfile
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple, Union

_UNSHIPPED = ('petrel', 'ceph', 'memcached', 'lmdb')


class BaseStorageBackend(metaclass=ABCMeta):
    """A storage backend implements at least ``get`` (bytes) and ``get_text`` (str)."""

    @property
    def name(self) -> str:
        return self.__class__.__name__

    @abstractmethod
    def get(self, filepath):
        ...

    @abstractmethod
    def get_text(self, filepath, encoding: str = 'utf-8'):
        ...


class HardDiskBackend(BaseStorageBackend):
    """Files on the local disk."""

    def get(self, filepath) -> bytes:
        with open(filepath, 'rb') as f:
            return f.read()

    def get_text(self, filepath, encoding: str = 'utf-8') -> str:
        with open(filepath, encoding=encoding) as f:
            return f.read()

    def put(self, obj: bytes, filepath) -> None:
        os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
        with open(filepath, 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
        with open(filepath, 'w', encoding=encoding) as f:
            f.write(obj)

    def remove(self, filepath) -> None:
        os.remove(filepath)

    def exists(self, filepath) -> bool:
        return osp.exists(filepath)

    def isdir(self, filepath) -> bool:
        return osp.isdir(filepath)

    def isfile(self, filepath) -> bool:
        return osp.isfile(filepath)

    def join_path(self, filepath, *filepaths) -> str:
        return osp.join(filepath, *filepaths)

    @contextmanager
    def get_local_path(self, filepath) -> Iterator[str]:
        yield str(filepath)

    def list_dir_or_file(self, dir_path, list_dir: bool = True, list_file: bool = True,
                         suffix: Union[str, Tuple[str, ...], None] = None, recursive: bool = False) -> Iterator[str]:
        if list_dir and suffix is not None:
            raise TypeError('`suffix` should be None when `list_dir` is True')
        if suffix is not None and not isinstance(suffix, (str, tuple)):
            raise TypeError('`suffix` must be a string or tuple of strings')
        root = str(dir_path)

        def scan(path):
            for entry in sorted(os.scandir(path), key=lambda e: e.name):
                if entry.name.startswith('.'):
                    continue
                rel = osp.relpath(entry.path, root)
                if entry.is_file():
                    if list_file and (suffix is None or rel.endswith(suffix)):
                        yield rel
                elif entry.is_dir():
                    if list_dir:
                        yield rel
                    if recursive:
                        yield from scan(entry.path)
        return scan(root)


class HTTPBackend(BaseStorageBackend):
    """Read-only access to http(s) URLs."""

    def get(self, filepath) -> bytes:
        from urllib.request import urlopen
        with urlopen(str(filepath)) as response:  # noqa: S310 - the caller chose this URL
            return response.read()

    def get_text(self, filepath, encoding: str = 'utf-8') -> str:
        return self.get(filepath).decode(encoding)

    @contextmanager
    def get_local_path(self, filepath) -> Iterator[str]:
        """Download to a temporary file, yield its path, delete it afterwards."""
        fd, path = tempfile.mkstemp(suffix=osp.splitext(str(filepath))[1])
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(self.get(filepath))
            yield path
        finally:
            os.remove(path)


class FileClient:
    """A client for one storage backend, chosen by ``backend`` (e.g. 'disk', 'http') or by a URI ``prefix``
    ('http', 'https'); ``backend`` wins when both are given; neither means the local disk. The same arguments
    give the same object."""

    _backends: Dict[str, type] = {'disk': HardDiskBackend, 'http': HTTPBackend}
    _prefix_to_backends: Dict[str, type] = {'http': HTTPBackend, 'https': HTTPBackend}
    _instances: Dict[str, 'FileClient'] = {}

    client: BaseStorageBackend

    def __new__(cls, backend: Optional[str] = None, prefix: Optional[str] = None, **kwargs):
        if backend is None and prefix is None:
            backend = 'disk'
        if backend is not None and backend not in cls._backends:
            raise ValueError(cls._unknown('backend', backend, cls._backends))
        if prefix is not None and prefix not in cls._prefix_to_backends:
            raise ValueError(cls._unknown('prefix', prefix, cls._prefix_to_backends))
        key = f'{backend}:{prefix}:' + ','.join(f'{k}={v!r}' for k, v in sorted(kwargs.items()))
        if key in cls._instances:
            return cls._instances[key]
        instance = super().__new__(cls)
        backend_cls = cls._backends[backend] if backend is not None else cls._prefix_to_backends[prefix]
        instance.client = backend_cls(**kwargs)
        cls._instances[key] = instance
        return instance

    @staticmethod
    def _unknown(what: str, value: str, known: Dict[str, type]) -> str:
        msg = f'{what} {value!r} is not supported; supported: {", ".join(sorted(known))}.'
        if value in _UNSHIPPED or value in ('s3',):
            msg += (f' The {value} storage needs a client library the workbench does not ship; register a backend '
                    'for it with FileClient.register_backend(name, BackendClass, prefixes=...).')
        return msg

    @property
    def name(self) -> str:
        return self.client.name

    @staticmethod
    def parse_uri_prefix(uri: Union[str, Path]) -> Optional[str]:
        """'s3://path/of/file' -> 's3' ('cluster:s3://...' -> 's3'); a path without '://' -> None."""
        if not isinstance(uri, (str, Path)):
            raise TypeError(f'uri should be a str or Path, got {type(uri).__name__}')
        uri = str(uri)
        if '://' not in uri:
            return None
        prefix = uri.split('://', 1)[0]
        return prefix.split(':')[-1]

    @classmethod
    def infer_client(cls, file_client_args: Optional[dict] = None, uri: Union[str, Path, None] = None
                     ) -> 'FileClient':
        """A client from ``file_client_args`` (FileClient keyword arguments) or else from the prefix of ``uri``."""
        if file_client_args is None and uri is None:
            raise ValueError('infer_client needs file_client_args or uri')
        if file_client_args is None:
            return cls(prefix=cls.parse_uri_prefix(uri))
        return cls(**file_client_args)

    @classmethod
    def _register_backend(cls, name: str, backend: type, force: bool, prefixes) -> None:
        if not isinstance(name, str):
            raise TypeError(f'the backend name should be a string, got {type(name).__name__}')
        if not inspect.isclass(backend) or not issubclass(backend, BaseStorageBackend):
            raise TypeError(f'backend should be a class derived from BaseStorageBackend, got {backend!r}')
        if name in cls._backends and not force:
            raise KeyError(f'{name} is already registered as a storage backend, add "force=True" to override it')
        if name in cls._backends:
            # cached clients of the old class must not be handed out any more
            for key in [k for k, v in cls._instances.items() if isinstance(v.client, cls._backends[name])]:
                del cls._instances[key]
        cls._backends[name] = backend
        if prefixes is not None:
            for prefix in [prefixes] if isinstance(prefixes, str) else prefixes:
                if prefix in cls._prefix_to_backends and not force:
                    raise KeyError(f'prefix {prefix} is already registered as a storage backend prefix, add '
                                   '"force=True" to override it')
                cls._prefix_to_backends[prefix] = backend

    @classmethod
    def register_backend(cls, name: str, backend: Optional[type] = None, force: bool = False, prefixes=None):
        """Register a backend class under ``name`` (and URI ``prefixes``), as a call or a class decorator."""
        if backend is not None:
            cls._register_backend(name, backend, force, prefixes)
            return backend

        def _register(backend_cls):
            cls._register_backend(name, backend_cls, force, prefixes)
            return backend_cls
        return _register

    def _call(self, method: str, *args, **kwargs) -> Any:
        func = getattr(self.client, method, None)
        if func is None:
            raise NotImplementedError(f'the {self.name} backend does not support {method}()')
        return func(*args, **kwargs)

    def get(self, filepath):
        return self._call('get', filepath)

    def get_text(self, filepath, encoding: str = 'utf-8') -> str:
        return self._call('get_text', filepath, encoding=encoding)

    def put(self, obj: bytes, filepath) -> None:
        self._call('put', obj, filepath)

    def put_text(self, obj: str, filepath) -> None:
        self._call('put_text', obj, filepath)

    def remove(self, filepath) -> None:
        self._call('remove', filepath)

    def exists(self, filepath) -> bool:
        return self._call('exists', filepath)

    def isdir(self, filepath) -> bool:
        return self._call('isdir', filepath)

    def isfile(self, filepath) -> bool:
        return self._call('isfile', filepath)

    def join_path(self, filepath, *filepaths) -> str:
        return self._call('join_path', filepath, *filepaths)

    def get_local_path(self, filepath):
        """A context manager that yields a local path for ``filepath`` (itself for local files)."""
        return self._call('get_local_path', filepath)

    def list_dir_or_file(self, dir_path, list_dir: bool = True, list_file: bool = True, suffix=None,
                         recursive: bool = False) -> Iterator[str]:
        return self._call('list_dir_or_file', dir_path, list_dir, list_file, suffix, recursive)


__all__ = ['BaseStorageBackend', 'HardDiskBackend', 'HTTPBackend', 'FileClient']
