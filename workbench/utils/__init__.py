"""General utilities with MMCV 1.x names (mmcv.utils)."""
from .env import collect_env
from .kernels import kernel_source, kernel_source_dir, list_kernel_sources
from .logging import get_logger, get_root_logger, print_log
from .memory_format import MEMORY_FORMATS, set_memory_format
from .misc import (check_prerequisites, concat_list, deprecated_api_warning, has_method, import_modules_from_strings,
                   is_list_of, is_method_overridden, is_seq_of, is_str, is_tuple_of, iter_cast, list_cast,
                   requires_executable, requires_package, slice_list, tuple_cast)
from .path import check_file_exist, mkdir_or_exist, scandir
from .progressbar import ProgressBar, track_iter_progress, track_parallel_progress, track_progress
from .timer import Timer, TimerError, check_time
from .version import digit_version, get_git_hash

__all__ = [
    'collect_env', 'kernel_source', 'kernel_source_dir', 'list_kernel_sources', 'get_logger', 'get_root_logger',
    'print_log', 'concat_list', 'deprecated_api_warning', 'import_modules_from_strings', 'is_list_of', 'is_seq_of',
    'is_str', 'is_tuple_of', 'slice_list', 'check_file_exist', 'mkdir_or_exist', 'scandir', 'ProgressBar',
    'track_iter_progress', 'track_parallel_progress', 'track_progress', 'Timer', 'TimerError', 'check_time',
    'check_prerequisites', 'has_method', 'is_method_overridden', 'iter_cast', 'list_cast', 'tuple_cast',
    'requires_executable', 'requires_package', 'digit_version', 'get_git_hash', 'MEMORY_FORMATS', 'set_memory_format'
]
