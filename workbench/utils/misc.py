"""Small helpers with MMCV 1.x names: type checks and casts, list slicing, deprecated-argument renaming, string
imports, prerequisite checks."""
from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import warnings
from collections import abc
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union


def is_str(x: Any) -> bool:
    """Whether ``x`` is a str (kept for MMCV compatibility)."""
    return isinstance(x, str)


def is_seq_of(seq: Any, expected_type: Union[type, tuple], seq_type: Optional[type] = None) -> bool:
    """Whether ``seq`` is a sequence (of ``seq_type`` if given) whose items are all ``expected_type``."""
    exp_seq_type = abc.Sequence if seq_type is None else seq_type
    if not isinstance(exp_seq_type, type):
        raise TypeError(f'seq_type must be a type, got {seq_type!r}')
    if not isinstance(seq, exp_seq_type):
        return False
    return all(isinstance(item, expected_type) for item in seq)


def is_list_of(seq: Any, expected_type: Union[type, tuple]) -> bool:
    return is_seq_of(seq, expected_type, seq_type=list)


def is_tuple_of(seq: Any, expected_type: Union[type, tuple]) -> bool:
    return is_seq_of(seq, expected_type, seq_type=tuple)


def slice_list(in_list: list, lens: Union[int, Sequence[int]]) -> List[list]:
    """Cut ``in_list`` into consecutive pieces of the given lengths (an int: equal pieces of that length).
    The lengths must add up to ``len(in_list)``."""
    if isinstance(lens, int):
        if lens <= 0 or len(in_list) % lens != 0:
            raise ValueError(f'cannot slice a list of length {len(in_list)} into pieces of length {lens}')
        lens = [lens] * (len(in_list) // lens)
    if not isinstance(lens, (list, tuple)) or not all(isinstance(n, int) for n in lens):
        raise TypeError(f'"lens" must be an int or a list of int, got {lens!r}')
    if sum(lens) != len(in_list):
        raise ValueError(f'sum of lens {list(lens)} = {sum(lens)} does not match the list length {len(in_list)}')
    out, start = [], 0
    for n in lens:
        out.append(in_list[start:start + n])
        start += n
    return out


def concat_list(in_list: Sequence[Sequence]) -> list:
    """Concatenate a list of lists into one list."""
    return [item for sub in in_list for item in sub]


def deprecated_api_warning(name_dict: Dict[str, str], cls_name: Optional[str] = None) -> Callable:
    """Decorator: keyword arguments named like the keys of ``name_dict`` are renamed to the values, with a
    DeprecationWarning. Passing both the old and the new name is an error."""
    def decorator(func):
        sig_params = list(inspect.signature(func).parameters)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            fname = f'{cls_name}.{func.__name__}' if cls_name else func.__name__
            for src, dst in name_dict.items():
                if src in kwargs:
                    if dst in kwargs:
                        raise TypeError(f'"{src}" is deprecated in `{fname}`; pass only "{dst}", not both')
                    warnings.warn(f'"{src}" is deprecated in `{fname}`, please use "{dst}" instead',
                                  DeprecationWarning, stacklevel=2)
                    kwargs[dst] = kwargs.pop(src)
            # positional arguments already bound to a name may not be passed again by keyword
            bound = sig_params[:len(args)]
            for dst in name_dict.values():
                if dst in bound and dst in kwargs:
                    raise TypeError(f'`{fname}` got multiple values for "{dst}"')
            return func(*args, **kwargs)
        return wrapper
    return decorator


def import_modules_from_strings(imports: Union[str, List[str], None], allow_failed_imports: bool = False):
    """Import modules by name (``'os.path'``); a single name gives a module, a list gives a list.
    With ``allow_failed_imports`` a module that fails to import becomes None (with a warning)."""
    if not imports:
        return None
    single = isinstance(imports, str)
    if single:
        imports = [imports]
    if not isinstance(imports, list):
        raise TypeError(f'custom_imports must be a str or a list of str, got {type(imports).__name__}')
    modules = []
    for name in imports:
        if not isinstance(name, str):
            raise TypeError(f'{name!r} is of type {type(name).__name__}; expected a module name (str)')
        try:
            modules.append(importlib.import_module(name))
        except ImportError as e:
            if not allow_failed_imports:
                raise ImportError(f'failed to import {name!r} (listed in custom_imports): {e}') from e
            warnings.warn(f'{name} failed to import and is ignored.', UserWarning)
            modules.append(None)
    return modules[0] if single else modules


def iter_cast(inputs: Iterable, dst_type: type, return_type: Optional[type] = None):
    """Cast every item of ``inputs`` to ``dst_type``: an iterator, or a ``return_type`` (e.g. list) if given."""
    if not isinstance(inputs, abc.Iterable):
        raise TypeError('inputs must be an iterable object')
    if not isinstance(dst_type, type):
        raise TypeError('"dst_type" must be a valid type')
    out = map(dst_type, inputs)
    return out if return_type is None else return_type(out)


def list_cast(inputs: Iterable, dst_type: type) -> list:
    return iter_cast(inputs, dst_type, return_type=list)


def tuple_cast(inputs: Iterable, dst_type: type) -> tuple:
    return iter_cast(inputs, dst_type, return_type=tuple)


def has_method(obj: object, method: str) -> bool:
    """Whether ``obj`` has a callable attribute ``method``."""
    return callable(getattr(obj, method, None))


def is_method_overridden(method: str, base_class: type, derived_class: Union[type, Any]) -> bool:
    """Whether ``derived_class`` (a class or an instance) overrides ``base_class.method``."""
    if not isinstance(base_class, type):
        raise TypeError("base_class doesn't accept instance, please pass class instead")
    if not isinstance(derived_class, type):
        derived_class = derived_class.__class__
    return getattr(derived_class, method) is not getattr(base_class, method)


def check_prerequisites(prerequisites: Union[str, List[str]], checker: Callable[[str], bool],
                        msg_tmpl: str = 'Prerequisites "{}" are required in method "{}" but not found, please install '
                                        'them first.') -> Callable:
    """Decorator: calling the function raises ImportError if ``checker`` fails for any prerequisite."""
    def wrap(func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            reqs = [prerequisites] if isinstance(prerequisites, str) else prerequisites
            missing = [item for item in reqs if not checker(item)]
            if missing:
                raise ImportError(msg_tmpl.format(', '.join(missing), func.__name__))
            return func(*args, **kwargs)
        return wrapped
    return wrap


def _package_exists(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _executable_exists(cmd: str) -> bool:
    import shutil
    return shutil.which(cmd) is not None


def requires_package(prerequisites: Union[str, List[str]]) -> Callable:
    """Decorator: the function needs these importable packages (ImportError naming the missing ones otherwise)."""
    return check_prerequisites(prerequisites, checker=_package_exists)


def requires_executable(prerequisites: Union[str, List[str]]) -> Callable:
    """Decorator: the function needs these executables on PATH (e.g. 'ffmpeg')."""
    return check_prerequisites(prerequisites, checker=_executable_exists)
