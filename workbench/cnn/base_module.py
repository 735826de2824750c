"""``BaseModule`` (an nn.Module with ``init_cfg`` / ``init_weights``) and the Sequential / ModuleList / ModuleDict
containers built on it (mmcv.runner.base_module semantics)."""
import copy
import logging
import warnings
from collections import defaultdict
from typing import Iterable, List, Optional, Union

import torch.nn as nn

from .weight_init import initialize

logger = logging.getLogger('workbench')


class BaseModule(nn.Module):
    """nn.Module with a config-driven ``init_weights``.

    ``init_weights()`` first applies this module's ``init_cfg`` (if any), then calls ``init_weights()`` of every
    direct child that has one, so an inner module's own init_cfg is applied last and wins ("inner init_cfg has
    higher priority"). A top-level ``Pretrained`` init_cfg stops there, so children do not overwrite the loaded
    weights. The top-level call records, per parameter, which initialiser last changed it (``init_info()``).
    """

    def __init__(self, init_cfg: Union[dict, List[dict], None] = None):
        super().__init__()
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        return self._is_init

    def init_weights(self) -> None:
        top_level = not hasattr(self, '_params_init_info')
        if top_level:
            table = defaultdict(dict)
            for param in self.parameters():
                table[param]['init_info'] = (f'The value is the same before and after calling `init_weights` of '
                                             f'{self.__class__.__name__}')
                table[param]['tmp_mean_value'] = param.data.mean()
            for m in self.modules():
                m._params_init_info = table

        if self._is_init:
            warnings.warn(f'init_weights of {self.__class__.__name__} has been called more than once.')
        else:
            pretrained_only = False
            if self.init_cfg:
                logger.debug('initialize %s with init_cfg %s', self.__class__.__name__, self.init_cfg)
                initialize(self, self.init_cfg)
                pretrained_only = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
            if not pretrained_only:
                for child in self.children():
                    if hasattr(child, 'init_weights'):
                        child.init_weights()
                        _note_children(child, f'Initialized by user-defined `init_weights` in '
                                              f'{child.__class__.__name__}')
            self._is_init = True

        if top_level:
            names = {p: n for n, p in self.named_parameters()}
            self._last_init_info = {names[p]: v['init_info'] for p, v in table.items() if p in names}
            for m in self.modules():
                if hasattr(m, '_params_init_info'):
                    del m._params_init_info

    def init_info(self) -> dict:
        """{parameter name: how it was last initialised}, from the last top-level ``init_weights`` call."""
        return dict(getattr(self, '_last_init_info', {}))

    def __repr__(self) -> str:
        s = super().__repr__()
        if self.init_cfg:
            s += f'\ninit_cfg={self.init_cfg}'
        return s


def _note_children(module: nn.Module, info: str) -> None:
    table = getattr(module, '_params_init_info', None)
    if table is None:
        return
    for param in module.parameters():
        entry = table.get(param)
        if entry is not None and entry['tmp_mean_value'] != param.data.mean():
            entry['init_info'] = info
            entry['tmp_mean_value'] = param.data.mean()


class Sequential(BaseModule, nn.Sequential):
    """nn.Sequential with ``init_cfg``."""

    def __init__(self, *args, init_cfg: Optional[dict] = None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """nn.ModuleList with ``init_cfg``."""

    def __init__(self, modules: Optional[Iterable[nn.Module]] = None, init_cfg: Optional[dict] = None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """nn.ModuleDict with ``init_cfg``."""

    def __init__(self, modules: Optional[dict] = None, init_cfg: Optional[dict] = None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
