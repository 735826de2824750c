"""A registry maps type names to classes or functions, so a config dict can say what to build.

Semantics follow MMCV 1.x ``mmcv.utils.Registry``: ``register_module`` as a decorator or a call, aliases, functions
as well as classes, ``parent``/``scope`` hierarchies with ``'scope.Name'`` lookups and a custom ``build_func``.
"""
from __future__ import annotations

import difflib
import fnmatch
import inspect
from typing import Any, Callable, Dict, Iterable, List, Optional, Union


def _closest_names(name: str, candidates: Iterable[str], n: int = 3) -> List[str]:
    candidates = list(candidates)
    close = difflib.get_close_matches(name, candidates, n=n, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)]
    return close


def _short_repr(obj: Any, limit: int = 160) -> str:
    text = repr(dict(obj)) if isinstance(obj, dict) else repr(obj)
    return text if len(text) <= limit else text[:limit - 5] + ' ...}'


def _reraise_with_context(e: Exception, context: str, trail_entry: tuple) -> None:
    """Re-raise ``e`` with ``context`` (the failing type and config node) in front of its message, keeping the
    exception type; where the type cannot be rebuilt from one message, the context becomes a note instead.

    The exception also gets ``build_trail``: ``[(type name, config), ...]`` from the outermost build to the innermost
    one that failed, so tools can point at the faulty config node without parsing the message."""
    trail = [trail_entry] + list(getattr(e, 'build_trail', []))
    message = e.args[0] if len(e.args) == 1 and isinstance(e.args[0], str) else str(e)
    try:
        new = type(e)(f'{context}: {message}')
    except Exception:  # noqa: BLE001 - exception types with other constructor signatures
        new = None
    if new is not None and context in str(new):
        try:
            new.build_trail = trail
        except AttributeError:  # exception types with __slots__
            pass
        raise new.with_traceback(e.__traceback__) from e
    try:
        e.build_trail = trail
    except AttributeError:
        pass
    if hasattr(e, 'add_note'):
        e.add_note(context)
    raise e


def build_from_cfg(cfg: Dict, registry: 'Registry', default_args: Optional[Dict] = None) -> Any:
    """Build an object from a config dict whose ``type`` names a registered class or function.

    ``type`` may also be the class or function itself. ``default_args`` fill in keys the config does not set.
    An unknown type raises ``KeyError`` naming the registry and suggesting close names; an exception raised by the
    constructor is re-raised, with the same exception type, prefixed by the type name and the config node, e.g.
    ``ValueError: ResNet (config: {'type': 'ResNet', 'depth': 51}): invalid depth 51``.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    if 'type' not in cfg:
        if default_args is None or 'type' not in default_args:
            raise KeyError(
                '`cfg` or `default_args` must contain the key "type", '
                f'but got {dict(cfg)!r} and {default_args!r}')
    if not isinstance(registry, Registry):
        raise TypeError(f'registry must be a Registry object, but got {type(registry).__name__}')
    if not (isinstance(default_args, dict) or default_args is None):
        raise TypeError(f'default_args must be a dict or None, but got {type(default_args).__name__}')

    args = dict(cfg)
    if default_args is not None:
        for name, value in default_args.items():
            args.setdefault(name, value)

    obj_type = args.pop('type')
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            err = KeyError(registry.missing_message(obj_type))
            err.build_trail = [(obj_type, cfg)]
            raise err
    elif inspect.isclass(obj_type) or inspect.isfunction(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(f'type must be a str or valid type, but got {type(obj_type).__name__}')
    try:
        return obj_cls(**args)
    except Exception as e:  # noqa: BLE001 - re-raised with the failing type and config named
        name = getattr(obj_cls, '__name__', str(obj_cls))
        _reraise_with_context(e, f'{name} (config: {_short_repr(cfg)})', (name, cfg))


class Registry:
    """A registry to map strings to classes or functions.

    Args:
        name: registry name, used in error messages ("ResNt is not in the 'model' registry").
        build_func: how ``build`` turns a config into an object; ``build_from_cfg`` unless inherited from ``parent``.
        parent: parent registry; a child registers itself with its parent under its ``scope``.
        scope: the key to find this registry from its parent ('mmdet' in 'mmdet.ResNet'). Defaults to the top-level
            package of the module that created the registry.
    """

    def __init__(self, name: str, build_func: Optional[Callable] = None, parent: Optional['Registry'] = None,
                 scope: Optional[str] = None):
        self._name = name
        self._module_dict: Dict[str, Any] = {}
        self._children: Dict[str, 'Registry'] = {}
        self._scope = self.infer_scope() if scope is None else scope

        if build_func is None:
            self.build_func = parent.build_func if parent is not None else build_from_cfg
        else:
            self.build_func = build_func
        if parent is not None:
            assert isinstance(parent, Registry)
            parent._add_children(self)
            self.parent = parent
        else:
            self.parent = None

    # -- introspection ---------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(name={self._name}, items={self._module_dict})'

    @property
    def name(self) -> str:
        return self._name

    @property
    def scope(self) -> str:
        return self._scope

    @property
    def module_dict(self) -> Dict[str, Any]:
        return self._module_dict

    @property
    def children(self) -> Dict[str, 'Registry']:
        return self._children

    def list(self, filter: Optional[str] = None, include_parents: bool = False) -> List[str]:  # noqa: A002
        """Sorted registered names. ``filter`` is a shell pattern if it has wildcards (``'*RCNN'``), otherwise a
        case-insensitive substring (``'rcnn'``). ``include_parents`` adds names reachable through the parents."""
        names = self._all_names() if include_parents else sorted(self._module_dict)
        if not filter:
            return names
        if any(c in filter for c in '*?['):
            return [n for n in names if fnmatch.fnmatchcase(n, filter)]
        return [n for n in names if filter.lower() in n.lower()]

    def query(self, text: str) -> List[str]:
        """Names containing ``text`` (case-insensitive); if there are none, the closest names."""
        found = self.list(text)
        return found if found else _closest_names(text, self._module_dict)

    def items(self):
        """``(name, class or function)`` pairs, sorted by name."""
        return [(name, self._module_dict[name]) for name in sorted(self._module_dict)]

    @staticmethod
    def infer_scope() -> str:
        """The top-level package of the module that created the registry (e.g. 'workbench')."""
        frame = inspect.currentframe()
        # frame 0: infer_scope, 1: __init__, 2: the caller that created the registry
        for _ in range(2):
            frame = frame.f_back if frame is not None else None
        module = inspect.getmodule(frame) if frame is not None else None
        if module is None or not module.__name__:
            return 'workbench'
        return module.__name__.split('.')[0]

    @staticmethod
    def split_scope_key(key: str):
        """Split the first scope from ``key``: 'mmdet.ResNet' -> ('mmdet', 'ResNet'); 'ResNet' -> (None, 'ResNet')."""
        split_index = key.find('.')
        if split_index != -1:
            return key[:split_index], key[split_index + 1:]
        return None, key

    # -- lookup ----------------------------------------------------------------------------------------------------
    def _root(self) -> 'Registry':
        root = self
        while root.parent is not None:
            root = root.parent
        return root

    def get(self, key: str) -> Any:
        """The registered class or function for ``key`` (which may be 'scope.Name'), or None."""
        scope, real_key = self.split_scope_key(key)
        if scope is None or scope == self._scope:
            if real_key in self._module_dict:
                return self._module_dict[real_key]
            if scope is None and self.parent is not None:
                # mmcv falls back to the parent for scope-less names
                return self.parent._get_local_or_up(real_key)
            return None
        if scope in self._children:
            return self._children[scope].get(real_key)
        return self._root()._get_scoped(scope, real_key)

    def _get_local_or_up(self, key: str) -> Any:
        if key in self._module_dict:
            return self._module_dict[key]
        return self.parent._get_local_or_up(key) if self.parent is not None else None

    def _get_scoped(self, scope: str, key: str) -> Any:
        if scope == self._scope:
            return self._module_dict.get(key)
        for child in self._children.values():
            found = child._get_scoped(scope, key)
            if found is not None:
                return found
        return None

    def _all_names(self) -> List[str]:
        names = set(self._module_dict)
        parent = self.parent
        while parent is not None:
            names.update(parent._module_dict)
            parent = parent.parent
        return sorted(names)

    def missing_message(self, key: str) -> str:
        """The KeyError text for an unknown ``key``, with close names suggested."""
        msg = f"{key} is not in the '{self._name}' registry."
        _, real_key = self.split_scope_key(key)
        names = self._all_names()
        close = _closest_names(real_key, names)
        if close:
            msg += ' Did you mean: ' + ', '.join(close) + '?'
        elif not names:
            msg += (' Nothing is registered in it yet: registration happens when the defining module is imported '
                    '(import it, or list it in custom_imports).')
        return msg

    # -- building ----------------------------------------------------------------------------------------------------
    def build(self, *args, **kwargs) -> Any:
        """``build(cfg, *args, **kwargs)`` calls ``build_func(cfg, registry, *args, **kwargs)``; ``cfg`` may also
        be passed by keyword (``MODELS.build(cfg=dict(type='NetA'))``)."""
        if 'cfg' in kwargs:
            cfg = kwargs.pop('cfg')
        elif args:
            cfg, args = args[0], args[1:]
        else:
            raise TypeError(f'{self._name} registry: build() needs a config, e.g. build(dict(type=...))')
        if args:
            return self.build_func(cfg, self, *args, **kwargs)
        return self.build_func(cfg, registry=self, **kwargs)

    def _add_children(self, registry: 'Registry') -> None:
        assert isinstance(registry, Registry)
        assert registry.scope is not None
        if registry.scope in self._children:
            raise KeyError(f'scope {registry.scope} exists in {self.name} registry')
        self._children[registry.scope] = registry

    # -- registration ------------------------------------------------------------------------------------------------
    def _register_module(self, module: Any, module_name: Union[str, List[str], None] = None,
                         force: bool = False) -> None:
        if not inspect.isclass(module) and not inspect.isfunction(module):
            raise TypeError(f'module must be a class or a function, but got {type(module).__name__}')
        if module_name is None:
            module_name = module.__name__
        if isinstance(module_name, str):
            module_name = [module_name]
        for name in module_name:
            if not force and name in self._module_dict:
                raise KeyError(f'{name} is already registered in {self.name} '
                               f'(by {self._module_dict[name].__module__}); pass force=True to override')
            self._module_dict[name] = module

    def register_module(self, name: Union[str, List[str], None] = None, force: bool = False,
                        module: Any = None):
        """Register a class or function, as a decorator (``@REG.register_module()``) or a call
        (``REG.register_module(module=Cls)``; for mmcv compatibility ``REG.register_module(Cls)`` works too).
        ``name`` may be a string or a list of aliases."""
        if not isinstance(force, bool):
            raise TypeError(f'force must be a boolean, but got {type(force).__name__}')
        # mmcv's deprecated form: register_module(SomeClass)
        if inspect.isclass(name) or inspect.isfunction(name):
            self._register_module(module=name, force=force)
            return name
        if not (name is None or isinstance(name, str) or
                (isinstance(name, (list, tuple)) and all(isinstance(n, str) for n in name))):
            raise TypeError(f'name must be None, a str or a sequence of str, but got {type(name).__name__}')
        if module is not None:
            self._register_module(module=module, module_name=name, force=force)
            return module

        def _register(obj):
            self._register_module(module=obj, module_name=name, force=force)
            return obj

        return _register

    # -- notebook views ------------------------------------------------------------------------------------------
    def to_dataframe(self):
        """A pandas DataFrame of the registered names: name, kind, defining module, first docstring line,
        constructor signature. Aliases appear as rows of their own."""
        import pandas as pd

        rows = []
        for name in sorted(self._module_dict):
            obj = self._module_dict[name]
            doc = inspect.getdoc(obj) or ''
            try:
                sig = str(inspect.signature(obj))
            except (TypeError, ValueError):
                sig = ''
            rows.append(dict(name=name, kind='class' if inspect.isclass(obj) else 'function',
                             module=obj.__module__, summary=doc.strip().split('\n')[0] if doc else '',
                             signature=sig))
        return pd.DataFrame(rows, columns=['name', 'kind', 'module', 'summary', 'signature'])
