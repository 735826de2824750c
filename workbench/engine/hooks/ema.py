"""Exponential moving averages of the weights (mmcv's ``EMAHook``, mmdet's ``ExpMomentumEMAHook`` and
``LinearMomentumEMAHook``).

The averages are kept as buffers named ``ema_<param name with _ for .>`` on the model, so they are saved with every
checkpoint. ``after_train_epoch`` swaps them into the model (evaluation and the epoch checkpoint then see the EMA
weights, as in mmdet) and ``before_train_epoch`` swaps back. The buffers are registered in ``before_run``, after
``runner.resume`` loaded the weights, so their saved values are copied from the resumed checkpoint here.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

from workbench.registry import HOOKS

from ..checkpoint import is_module_wrapper
from .hook import Hook


class _EMABase(Hook):

    def __init__(self, interval: int = 1, skip_buffers: bool = True, resume_from: Optional[str] = None):
        if not isinstance(interval, int) or interval <= 0:
            raise ValueError(f'interval must be a positive int, got {interval!r}')
        self.interval = interval
        self.skip_buffers = skip_buffers
        self.checkpoint = resume_from

    def before_run(self, runner):
        model = runner.model.module if is_module_wrapper(runner.model) else runner.model
        self.param_ema_buffer = {}
        if self.skip_buffers:
            self.model_parameters = dict(model.named_parameters(recurse=True))
        else:
            self.model_parameters = model.state_dict()
        for name, value in self.model_parameters.items():
            buffer_name = f"ema_{name.replace('.', '_')}"  # '.' is not allowed in a buffer name
            self.param_ema_buffer[name] = buffer_name
            model.register_buffer(buffer_name, value.data.clone())
        self.model_buffers = dict(model.named_buffers(recurse=True))
        if self.checkpoint is not None:
            runner.resume(self.checkpoint)
        resumed = getattr(runner, '_resumed_state_dict', None)
        if resumed:
            for buffer_name in self.param_ema_buffer.values():
                if buffer_name in resumed:
                    self.model_buffers[buffer_name].data.copy_(resumed[buffer_name])

    def get_momentum(self, runner) -> float:
        raise NotImplementedError

    def _update(self, momentum: float):
        for name, parameter in self.model_parameters.items():
            if parameter.dtype.is_floating_point:  # num_batches_tracked and other counters stay as they are
                buffer = self.model_buffers[self.param_ema_buffer[name]]
                buffer.mul_(1 - momentum).add_(parameter.data, alpha=momentum)

    def after_train_epoch(self, runner):
        self._swap_ema_parameters()

    def before_train_epoch(self, runner):
        self._swap_ema_parameters()

    def _swap_ema_parameters(self):
        for name, value in self.model_parameters.items():
            temp = value.data.clone()
            ema_buffer = self.model_buffers[self.param_ema_buffer[name]]
            value.data.copy_(ema_buffer.data)
            ema_buffer.data.copy_(temp)


@HOOKS.register_module()
class EMAHook(_EMABase):
    """mmcv's EMAHook: ``ema = (1 - m) * ema + m * param`` every ``interval`` iterations with
    ``m = min(momentum ** interval, (1 + iter) / (warm_up + iter))``; parameters only."""

    def __init__(self, momentum: float = 0.0002, interval: int = 1, warm_up: int = 100,
                 resume_from: Optional[str] = None):
        super().__init__(interval=interval, skip_buffers=True, resume_from=resume_from)
        if not 0 < momentum < 1:
            raise ValueError(f'momentum must be in (0, 1), got {momentum}')
        self.warm_up = warm_up
        self.momentum = momentum ** interval

    def after_train_iter(self, runner):
        curr_step = runner.iter
        momentum = min(self.momentum, (1 + curr_step) / (self.warm_up + curr_step))
        if curr_step % self.interval != 0:
            return
        self._update(momentum)


class BaseEMAHook(_EMABase):
    """mmdet's BaseEMAHook: the update runs when ``(iter + 1) % interval == 0`` with momentum
    ``momentum_fun(iter)`` (or the constant ``momentum``); buffers are averaged too unless ``skip_buffers``."""

    def __init__(self, momentum: float = 0.0002, interval: int = 1, skip_buffers: bool = False,
                 resume_from: Optional[str] = None, momentum_fun: Optional[Callable] = None):
        super().__init__(interval=interval, skip_buffers=skip_buffers, resume_from=resume_from)
        if not 0 < momentum < 1:
            raise ValueError(f'momentum must be in (0, 1), got {momentum}')
        self.momentum = momentum
        self.momentum_fun = momentum_fun

    def get_momentum(self, runner) -> float:
        return self.momentum_fun(runner.iter) if self.momentum_fun else self.momentum

    def after_train_iter(self, runner):
        if (runner.iter + 1) % self.interval != 0:
            return
        self._update(self.get_momentum(runner))


@HOOKS.register_module()
class ExpMomentumEMAHook(BaseEMAHook):
    """Momentum ``(1 - momentum) * exp(-(1 + iter) / total_iter) + momentum`` (mmdet, YOLOX)."""

    def __init__(self, total_iter: int = 2000, **kwargs):
        super().__init__(**kwargs)
        self.momentum_fun = lambda x: (1 - self.momentum) * math.exp(-(1 + x) / total_iter) + self.momentum


@HOOKS.register_module()
class LinearMomentumEMAHook(BaseEMAHook):
    """Momentum ``min(momentum ** interval, (1 + iter) / (warm_up + iter))`` (mmdet)."""

    def __init__(self, warm_up: int = 100, **kwargs):
        super().__init__(**kwargs)
        self.momentum_fun = lambda x: min(self.momentum ** self.interval, (1 + x) / (warm_up + x))
