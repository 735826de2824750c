"""Looking into a resolved config: its leaves with types and origins, which registry a ``type`` field draws from,
edits by dotted key, and validation by building the model. The ConfigEditor widget is a view over these."""
from __future__ import annotations

import ast
import copy
from typing import Any, Dict, List, Optional, Tuple

from .config import Config

# the key under which a dict sits -> the registry its 'type' names (default: models)
_REGISTRY_BY_PARENT_KEY = {
    'assigner': 'BBOX_ASSIGNERS', 'sampler': 'BBOX_SAMPLERS', 'bbox_coder': 'BBOX_CODERS',
    'anchor_generator': 'PRIOR_GENERATORS', 'prior_generator': 'PRIOR_GENERATORS', 'point_generator':
    'PRIOR_GENERATORS', 'iou_calculator': 'IOU_CALCULATORS', 'optimizer': 'OPTIMIZERS', 'runner': 'RUNNERS',
    'norm_cfg': 'NORM_LAYERS', 'act_cfg': 'ACTIVATION_LAYERS', 'conv_cfg': 'CONV_LAYERS',
    'upsample_cfg': 'UPSAMPLE_LAYERS', 'init_cfg': 'INITIALIZERS', 'custom_hooks': 'HOOKS', 'pipeline': 'PIPELINES',
    'transforms': 'PIPELINES', 'train': 'DATASETS', 'val': 'DATASETS', 'test': 'DATASETS', 'dataset': 'DATASETS',
    'hooks': 'HOOKS', 'cls_cost': 'MATCH_COST', 'reg_cost': 'MATCH_COST', 'iou_cost': 'MATCH_COST',
}


def leaves(cfg: Config) -> Dict[str, Any]:
    """Dotted key -> leaf value (dicts are walked; lists are leaves unless they hold dicts, which are walked
    with their index as a key part, so pipeline steps can be edited one by one)."""
    out: Dict[str, Any] = {}

    def walk(value, prefix):
        if isinstance(value, dict):
            if not value and prefix:
                out[prefix] = {}
            for k, v in value.items():
                walk(v, f'{prefix}.{k}' if prefix else str(k))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                walk(v, f'{prefix}.{i}')
        else:
            out[prefix] = value
    walk(cfg.to_dict(), '')
    return out


def leaves_table(cfg: Config):
    """A DataFrame of every leaf: key, value (repr), type, origin file."""
    import pandas as pd

    origins = cfg.key_origins()
    rows = []
    for key, value in leaves(cfg).items():
        origin = origins.get(key)
        if origin is None:  # a key inside a list of dicts: the list is the origin-tracked leaf
            parts = key.split('.')
            for cut in range(len(parts) - 1, 0, -1):
                if '.'.join(parts[:cut]) in origins:
                    origin = origins['.'.join(parts[:cut])]
                    break
        rows.append(dict(key=key, value=repr(value), type=type(value).__name__, origin=origin))
    return pd.DataFrame(rows, columns=['key', 'value', 'type', 'origin'])


def registry_for_key(key: str):
    """The registry that the ``type`` field at dotted ``key`` (e.g. 'model.backbone.type') names."""
    import workbench.registry as reg

    parts = [p for p in key.split('.')[:-1] if not p.isdigit()]
    for part in reversed(parts):
        if part in _REGISTRY_BY_PARENT_KEY:
            return getattr(reg, _REGISTRY_BY_PARENT_KEY[part])
        if part.startswith('loss') or part in ('model', 'backbone', 'neck', 'rpn_head', 'roi_head', 'bbox_head',
                                                'mask_head', 'bbox_roi_extractor', 'mask_roi_extractor'):
            return reg.MODELS
    return reg.MODELS


def type_signature(registry, name: str) -> str:
    """The constructor signature of a registered type (for showing its arguments)."""
    import inspect
    obj = registry.get(name)
    if obj is None:
        raise KeyError(registry.missing_message(name))
    try:
        return f'{name}{inspect.signature(obj)}'
    except (TypeError, ValueError):
        return name


def parse_value(text: str, current: Any = None) -> Any:
    """Turn an edited text back into a value: a Python literal if it parses as one, else the string itself (when the
    current value is a string)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if current is None or isinstance(current, str):
            return text
        raise ValueError(f'{text!r} is not a valid Python literal for a {type(current).__name__} value')


def set_by_key(cfg: Config, key: str, value: Any) -> Config:
    """A copy of ``cfg`` with the leaf at dotted ``key`` set (list indices allowed), origin '<edited>'."""
    new = copy.deepcopy(cfg)
    new.merge_from_dict({key: value}, allow_list_keys=True, source='<edited>')
    return new


def find_type_paths(cfg_dict: dict, type_name: str, prefix: str = '') -> List[str]:
    """Dotted paths of the config nodes whose ``type`` is ``type_name``."""
    found = []
    if isinstance(cfg_dict, dict):
        if cfg_dict.get('type') == type_name:
            found.append(prefix or '<root>')
        for k, v in cfg_dict.items():
            found += find_type_paths(v, type_name, f'{prefix}.{k}' if prefix else str(k))
    elif isinstance(cfg_dict, (list, tuple)):
        for i, v in enumerate(cfg_dict):
            found += find_type_paths(v, type_name, f'{prefix}.{i}')
    return found


def _find_node_path(value, target: dict, prefix: str = '') -> Optional[str]:
    """Dotted path of the sub-dict equal to ``target`` (the first found, depth first)."""
    if isinstance(value, dict):
        if value == target:
            return prefix or '<root>'
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for k, v in items:
        found = _find_node_path(v, target, f'{prefix}.{k}' if prefix else str(k))
        if found is not None:
            return found
    return None


def _faulty_node(cfg_dict: dict, error: BaseException) -> Optional[str]:
    """The config path of the node that failed to build: the innermost entry of the registry's ``build_trail``
    (type name and config of every nested build, outermost first), else a type name found in the message."""
    trail = getattr(error, 'build_trail', None)
    if trail:
        name, node = trail[-1]
        path = _find_node_path(cfg_dict, dict(node)) if isinstance(node, dict) else None
        if path is not None:
            return path
        paths = find_type_paths(cfg_dict, name)
        if paths:
            return paths[0]
    import re
    for name in re.findall(r'([A-Za-z_][A-Za-z0-9_]*) is not in the', str(error)):
        paths = find_type_paths(cfg_dict, name)
        if paths:
            return paths[0]
    return None


def validate_model(cfg: Config, input_shape: Tuple[int, int, int] = (3, 256, 256), count_flops: bool = True
                   ) -> Dict[str, Any]:
    """Build ``cfg.model``; returns dict(ok, params, flops, error, error_path). ``error_path`` is the dotted config
    path of the faulty node when it can be told from the error."""
    from workbench.models import build_detector

    try:
        model = build_detector(copy.deepcopy(cfg.to_dict()['model']))
    except Exception as e:  # noqa: BLE001 - reported to the user, not swallowed
        msg = f'{type(e).__name__}: {e}'
        path = _faulty_node(cfg.to_dict().get('model', {}), e)
        return dict(ok=False, params=None, flops=None, error=msg, error_path=f'model.{path}' if path and
                    path != '<root>' else ('model' if path else None))
    params = sum(p.numel() for p in model.parameters())
    flops = None
    if count_flops:
        from workbench.cnn import get_model_complexity_info
        model.eval()
        flops, _ = get_model_complexity_info(model, tuple(input_shape), print_per_layer_stat=False,
                                             as_strings=False)
    return dict(ok=True, params=params, flops=flops, error=None, error_path=None)


def save_config(cfg: Config, path: str) -> Config:
    """Write ``cfg`` as a .py (or .json/.yaml) file and check that it loads back to the same values."""
    cfg.dump(path)
    loaded = Config.fromfile(path)
    if loaded.to_dict() != cfg.to_dict():
        raise ValueError(f'{path} does not load back to the same config:\n{Config.diff(cfg, loaded)}')
    return loaded
