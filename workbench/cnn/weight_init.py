"""Weight initialisation: functional initialisers, the config-driven INITIALIZERS and ``initialize``.

Semantics follow mmcv 1.x: an initializer built from a cfg with ``layer=[...]`` touches only sub-modules whose class
name (or a direct base class name, e.g. ``_BatchNorm``) is listed; ``override=dict(name=...)`` re-initialises the
named attribute as a whole module; a cfg with neither initialises nothing.
"""
import copy
import math
from typing import Dict, List, Optional, Union

import torch.nn as nn

from workbench.registry import INITIALIZERS, build_from_cfg


# --- functional initialisers ---------------------------------------------------------------------------------------
def _has(module: nn.Module, name: str) -> bool:
    return getattr(module, name, None) is not None


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.constant_(module.weight, val)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def xavier_init(module: nn.Module, gain: float = 1, bias: float = 0, distribution: str = 'normal') -> None:
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")
    if _has(module, 'weight'):
        if distribution == 'uniform':
            nn.init.xavier_uniform_(module.weight, gain=gain)
        else:
            nn.init.xavier_normal_(module.weight, gain=gain)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.normal_(module.weight, mean, std)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def trunc_normal_init(module: nn.Module, mean: float = 0, std: float = 1, a: float = -2, b: float = 2,
                      bias: float = 0) -> None:
    """Normal(mean, std) truncated to the absolute interval [a, b]."""
    if _has(module, 'weight'):
        nn.init.trunc_normal_(module.weight, mean, std, a, b)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.uniform_(module.weight, a, b)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def kaiming_init(module: nn.Module, a: float = 0, mode: str = 'fan_out', nonlinearity: str = 'relu',
                 bias: float = 0, distribution: str = 'normal') -> None:
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")
    if _has(module, 'weight'):
        if distribution == 'uniform':
            nn.init.kaiming_uniform_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
        else:
            nn.init.kaiming_normal_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Caffe2's "xavier" is PyTorch's kaiming_uniform_ with a=1, fan_in."""
    kaiming_init(module, a=1, mode='fan_in', nonlinearity='leaky_relu', bias=bias, distribution='uniform')


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias b with sigmoid(b) = prior_prob (focal-loss prior): -log((1 - p) / p)."""
    if not 0 < prior_prob < 1:
        raise ValueError(f'prior_prob must be in (0, 1), got {prior_prob}')
    return float(-math.log((1 - prior_prob) / prior_prob))


# --- config-driven initialisers ------------------------------------------------------------------------------------
def _class_and_base_names(m: nn.Module) -> List[str]:
    return [m.__class__.__name__] + [b.__name__ for b in m.__class__.__bases__]


class BaseInit:
    """Common arguments: ``bias`` (value), ``bias_prob`` (overrides bias with ``bias_init_with_prob``), ``layer``
    (class names to initialise). ``wholemodule`` is set by ``initialize`` for ``override`` targets."""

    def __init__(self, *, bias: float = 0, bias_prob: Optional[float] = None,
                 layer: Union[str, List[str], None] = None):
        self.wholemodule = False
        if not isinstance(bias, (int, float)):
            raise TypeError(f'bias must be a number, but got {type(bias).__name__}')
        if bias_prob is not None and not isinstance(bias_prob, float):
            raise TypeError(f'bias_prob must be a float, but got {type(bias_prob).__name__}')
        if layer is None:
            layer = []
        elif not isinstance(layer, (str, list, tuple)):
            raise TypeError(f'layer must be a str or a list of str, but got {type(layer).__name__}')
        self.bias = bias_init_with_prob(bias_prob) if bias_prob is not None else bias
        self.layer = [layer] if isinstance(layer, str) else list(layer)

    def _init_one(self, m: nn.Module) -> None:
        raise NotImplementedError

    def __call__(self, module: nn.Module) -> None:
        wanted = set(self.layer)

        def visit(m):
            if self.wholemodule or wanted & set(_class_and_base_names(m)):
                self._init_one(m)

        module.apply(visit)
        _record_init(module, self._info())

    def _info(self) -> str:
        return f'{self.__class__.__name__}: {self.__dict__}'


def _record_init(module: nn.Module, info: str) -> None:
    """Note ``info`` against parameters whose value changed (only while BaseModule.init_weights records)."""
    table = getattr(module, '_params_init_info', None)
    if table is None:
        return
    for param in module.parameters():
        entry = table.get(param)
        if entry is not None and entry['tmp_mean_value'] != param.data.mean():
            entry['init_info'] = info
            entry['tmp_mean_value'] = param.data.mean()


@INITIALIZERS.register_module(name='Constant')
class ConstantInit(BaseInit):
    def __init__(self, val: float, **kwargs):
        super().__init__(**kwargs)
        self.val = val

    def _init_one(self, m):
        constant_init(m, self.val, self.bias)


@INITIALIZERS.register_module(name='Xavier')
class XavierInit(BaseInit):
    def __init__(self, gain: float = 1, distribution: str = 'normal', **kwargs):
        super().__init__(**kwargs)
        self.gain, self.distribution = gain, distribution

    def _init_one(self, m):
        xavier_init(m, self.gain, self.bias, self.distribution)


@INITIALIZERS.register_module(name='Normal')
class NormalInit(BaseInit):
    def __init__(self, mean: float = 0, std: float = 1, **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std = mean, std

    def _init_one(self, m):
        normal_init(m, self.mean, self.std, self.bias)


@INITIALIZERS.register_module(name='TruncNormal')
class TruncNormalInit(BaseInit):
    def __init__(self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std, self.a, self.b = mean, std, a, b

    def _init_one(self, m):
        trunc_normal_init(m, self.mean, self.std, self.a, self.b, self.bias)


@INITIALIZERS.register_module(name='Uniform')
class UniformInit(BaseInit):
    def __init__(self, a: float = 0, b: float = 1, **kwargs):
        super().__init__(**kwargs)
        self.a, self.b = a, b

    def _init_one(self, m):
        uniform_init(m, self.a, self.b, self.bias)


@INITIALIZERS.register_module(name='Kaiming')
class KaimingInit(BaseInit):
    def __init__(self, a: float = 0, mode: str = 'fan_out', nonlinearity: str = 'relu', distribution: str = 'normal',
                 **kwargs):
        super().__init__(**kwargs)
        self.a, self.mode, self.nonlinearity, self.distribution = a, mode, nonlinearity, distribution

    def _init_one(self, m):
        kaiming_init(m, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)


@INITIALIZERS.register_module(name='Caffe2Xavier')
class Caffe2XavierInit(KaimingInit):
    def __init__(self, **kwargs):
        super().__init__(a=1, mode='fan_in', nonlinearity='leaky_relu', distribution='uniform', **kwargs)


@INITIALIZERS.register_module(name='Pretrained')
class PretrainedInit:
    """Load a checkpoint (path, http(s)://, torchvision://, open-mmlab://) into the module, non-strictly.

    With ``prefix='backbone.'`` only the keys under that prefix are loaded, with the prefix removed.
    Loading is delegated to ``workbench.engine.checkpoint`` (mmcv's ``load_checkpoint`` /
    ``_load_checkpoint_with_prefix`` signatures).
    """

    def __init__(self, checkpoint: str, prefix: Optional[str] = None, map_location=None):
        self.checkpoint, self.prefix, self.map_location = checkpoint, prefix, map_location
        self.wholemodule = False

    def __call__(self, module: nn.Module) -> None:
        # imported here: the checkpoint module depends on the model side, not the other way round
        from workbench.engine import checkpoint as ckpt
        if self.prefix is None:
            ckpt.load_checkpoint(module, self.checkpoint, map_location=self.map_location, strict=False)
        else:
            state_dict = ckpt._load_checkpoint_with_prefix(self.prefix, self.checkpoint,
                                                           map_location=self.map_location)
            loader = getattr(ckpt, 'load_state_dict', None)
            if loader is not None:
                loader(module, state_dict, strict=False)
            else:
                module.load_state_dict(state_dict, strict=False)
        _record_init(module, f'PretrainedInit: load from {self.checkpoint}')


def _initialize(module: nn.Module, cfg: Dict, wholemodule: bool = False) -> None:
    func = build_from_cfg(cfg, INITIALIZERS)
    func.wholemodule = wholemodule
    func(module)


def _initialize_override(module: nn.Module, override: Union[Dict, List[Dict]], cfg: Dict) -> None:
    if not isinstance(override, (dict, list)):
        raise TypeError(f'override must be a dict or a list of dict, but got {type(override).__name__}')
    for item in [override] if isinstance(override, dict) else override:
        item = copy.deepcopy(item)
        name = item.pop('name', None)
        if name is None:
            raise ValueError(f'`override` must contain the key "name", but got {item}')
        if not item:
            # a bare name inherits every argument of the outer cfg
            item.update(cfg)
        elif 'type' not in item:
            raise ValueError(f'`override` needs a "type" key when it gives other arguments, but got {item}')
        if not hasattr(module, name):
            raise RuntimeError(f'module {module.__class__.__name__} has no attribute {name!r}, '
                               f'but the init_cfg override is {item}')
        _initialize(getattr(module, name), item, wholemodule=True)


def initialize(module: nn.Module, init_cfg: Union[Dict, List[Dict]]) -> None:
    """Initialise ``module`` from one init cfg or a list of them (applied in order)."""
    if not isinstance(init_cfg, (dict, list)):
        raise TypeError(f'init_cfg must be a dict or a list of dict, but got {type(init_cfg).__name__}')
    for cfg in [init_cfg] if isinstance(init_cfg, dict) else init_cfg:
        cfg = copy.deepcopy(dict(cfg))
        override = cfg.pop('override', None)
        _initialize(module, cfg)
        if override is not None:
            cfg.pop('layer', None)
            _initialize_override(module, override, cfg)
