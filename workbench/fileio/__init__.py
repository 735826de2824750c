"""File IO: load/dump json, yaml and pickle; read lists and dicts from text files; FileClient storage backends."""
from .file_client import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend
from .handlers import BaseFileHandler, JsonHandler, PickleHandler, YamlHandler, file_handlers, register_handler
from .io import dump, load
from .parse import dict_from_file, list_from_file

__all__ = ['load', 'dump', 'FileClient', 'BaseStorageBackend', 'HardDiskBackend', 'HTTPBackend', 'register_handler',
           'BaseFileHandler', 'JsonHandler', 'PickleHandler', 'YamlHandler', 'file_handlers', 'list_from_file',
           'dict_from_file']
