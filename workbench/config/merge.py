"""Recursive merge of a child config into a base config, recording which file each leaf value came from.

Rules (MMCV 1.x): dicts merge key by key; any other value replaces; ``_delete_=True`` in a child dict replaces the
base dict instead of merging into it; with ``allow_list_keys`` a child dict whose keys are digit strings edits the
elements of a base list in place (``{'0': dict(type='X')}`` merges into element 0).

Origins are a flat mapping ``'dotted.key' -> source`` over the leaves of the merged config: the values that are not
non-empty dicts. A list is a single leaf (editing one element marks the whole list with the editor's source).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from .config_dict import ConfigDict, to_config_dict

DELETE_KEY = '_delete_'


def join_key(prefix: str, key: Any) -> str:
    return f'{prefix}.{key}' if prefix else str(key)


def leaf_origins(value: Any, prefix: str, source: str, out: Dict[str, str]) -> None:
    """Mark every leaf of ``value`` (stored at ``prefix``) as coming from ``source``."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            if k == DELETE_KEY:
                continue
            leaf_origins(v, join_key(prefix, k), source, out)
    elif prefix:
        out[prefix] = source


def drop_origins(origins: Dict[str, str], prefix: str) -> None:
    """Forget the origins of ``prefix`` and everything under it."""
    for key in [k for k in origins if k == prefix or k.startswith(prefix + '.')]:
        del origins[key]


def _strip_delete(value: Any) -> Any:
    """Remove ``_delete_`` markers from a child value that lands where the base has nothing to delete."""
    if isinstance(value, dict):
        return ConfigDict({k: _strip_delete(v) for k, v in value.items() if k != DELETE_KEY})
    return to_config_dict(value)


def merge_a_into_b(a: dict, b: Any, *, allow_list_keys: bool = False, source: str = '<unknown>',
                   origins: Optional[Dict[str, str]] = None, prefix: str = '') -> Any:
    """Return ``b`` updated by ``a`` (neither is modified). ``origins`` (if given) is updated in place."""
    if origins is None:
        origins = {}
    if isinstance(b, list):
        b = list(b)
    elif isinstance(b, dict):
        b = ConfigDict(b)
    else:
        raise TypeError(f'cannot merge {dict(a)!r} into {prefix or "the config"}, which is a {type(b).__name__}')

    for k, v in a.items():
        here = join_key(prefix, k)
        if isinstance(b, list):
            if not (allow_list_keys and isinstance(k, str) and k.isdigit()):
                raise TypeError(f'{prefix} is a list in the base config, so the key {k!r} cannot index it '
                                '(use an integer index such as 0, and allow_list_keys=True)')
            index = int(k)
            if index >= len(b):
                raise KeyError(f'index {index} ({here}) is out of range for the list at {prefix}, '
                               f'which has {len(b)} element(s): {b!r}')
            b[index] = merge_a_into_b(v, b[index], allow_list_keys=allow_list_keys, source=source,
                                      origins={}, prefix=here) if isinstance(v, dict) else to_config_dict(v)
            # a list is one leaf: the editor of an element becomes the origin of the whole list
            drop_origins(origins, prefix)
            origins[prefix] = source
            continue
        if isinstance(v, dict):
            delete = bool(v.get(DELETE_KEY, False))
            v = {kk: vv for kk, vv in v.items() if kk != DELETE_KEY}
            if k in b and not delete:
                allowed = (dict, list) if allow_list_keys else dict
                if not isinstance(b[k], allowed):
                    if isinstance(b[k], list):
                        raise TypeError(f'{here} is a list in the base config; editing its elements with digit keys '
                                        f'({list(v)!r}) needs allow_list_keys=True')
                    raise TypeError(
                        f'{here}={v!r} in the child config cannot inherit from the base, because {here} is a dict '
                        f'in the child but a {type(b[k]).__name__} ({b[k]!r}) in the base. Set '
                        f'`{DELETE_KEY}=True` in the child to replace the base value instead.')
                b[k] = merge_a_into_b(v, b[k], allow_list_keys=allow_list_keys, source=source, origins=origins,
                                      prefix=here)
                if isinstance(b[k], dict) and not b[k]:
                    origins[here] = source
                continue
            drop_origins(origins, here)
            b[k] = _strip_delete(v)
            leaf_origins(b[k], here, source, origins)
            if not b[k]:
                origins[here] = source
        else:
            drop_origins(origins, here)
            b[k] = to_config_dict(v)
            origins[here] = source
    return b
