"""Learning-rate schedules as hooks, with mmcv 1.x's formulas (``mmcv.runner.hooks.lr_updater``).

Each policy computes the "regular" lr of every param group from its ``initial_lr`` (set once in ``before_run``
and stored in the optimizer's state, so a resumed run keeps its base lr). Warmup then scales the regular lr during
the first ``warmup_iters`` iterations:

- constant: ``lr * warmup_ratio``
- linear:   ``lr * (1 - (1 - it / warmup_iters) * (1 - warmup_ratio))``
- exp:      ``lr * warmup_ratio ** (1 - it / warmup_iters)``

Config names: ``lr_config = dict(policy='step', ...)`` builds ``StepLrUpdaterHook`` (a lower-case policy is
title-cased first, as mmcv does).
"""
from __future__ import annotations

import numbers
from math import cos, pi
from typing import Callable, List, Optional, Union

from workbench.registry import HOOKS

from .hook import Hook


def annealing_cos(start: float, end: float, factor: float, weight: float = 1.) -> float:
    """Cosine from ``start`` (factor 0) to ``end`` (factor 1); ``weight`` scales the amplitude."""
    cos_out = cos(pi * factor) + 1
    return end + 0.5 * weight * (start - end) * cos_out


def annealing_linear(start: float, end: float, factor: float) -> float:
    """Linear from ``start`` (factor 0) to ``end`` (factor 1)."""
    return start + (end - start) * factor


def _anneal_func(strategy: str) -> Callable:
    if strategy == 'cos':
        return annealing_cos
    if strategy == 'linear':
        return annealing_linear
    raise ValueError(f'anneal_strategy must be "cos" or "linear", got {strategy!r}')


def _format_param(name: str, optim, param) -> List[float]:
    if isinstance(param, numbers.Number):
        return [param] * len(optim.param_groups)
    if isinstance(param, (list, tuple)):
        if len(param) != len(optim.param_groups):
            raise ValueError(f'expected {len(optim.param_groups)} values for {name}, got {len(param)}')
        return list(param)
    if isinstance(param, dict):
        if name not in param:
            raise KeyError(f'{name} is not found in {param.keys()}')
        return _format_param(name, optim, param[name])
    raise TypeError(f'{name} must be a number, a list/tuple or a dict, got {type(param).__name__}')


class LrUpdaterHook(Hook):
    """Base of the lr schedules.

    Args:
        by_epoch: the schedule's progress is the epoch (True) or the iteration (False).
        warmup: None, 'constant', 'linear' or 'exp'.
        warmup_iters: iterations (or epochs when ``warmup_by_epoch``) the warmup lasts.
        warmup_ratio: the warmup starts at ``warmup_ratio * lr``.
        warmup_by_epoch: count ``warmup_iters`` in epochs.
    """

    def __init__(self, by_epoch: bool = True, warmup: Optional[str] = None, warmup_iters: int = 0,
                 warmup_ratio: float = 0.1, warmup_by_epoch: bool = False):
        if warmup is not None:
            if warmup not in ('constant', 'linear', 'exp'):
                raise ValueError(f'"{warmup}" is not a supported type for warming up, valid types are '
                                 '"constant", "linear" and "exp"')
            if warmup_iters <= 0:
                raise ValueError(f'warmup_iters must be a positive integer, got {warmup_iters}')
            if not 0 < warmup_ratio <= 1.0:
                raise ValueError(f'warmup_ratio must be in range (0, 1], got {warmup_ratio}')
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.warmup_iters: Optional[int] = warmup_iters
        self.warmup_ratio = warmup_ratio
        self.warmup_by_epoch = warmup_by_epoch
        if self.warmup_by_epoch:
            self.warmup_epochs = self.warmup_iters
            self.warmup_iters = None  # known once the epoch length is
        else:
            self.warmup_epochs = None
        self.base_lr: Union[list, dict] = []
        self.regular_lr: Union[list, dict] = []

    def _set_lr(self, runner, lr_groups) -> None:
        if isinstance(runner.optimizer, dict):
            for k, optim in runner.optimizer.items():
                for param_group, lr in zip(optim.param_groups, lr_groups[k]):
                    param_group['lr'] = lr
        else:
            for param_group, lr in zip(runner.optimizer.param_groups, lr_groups):
                param_group['lr'] = lr

    def get_lr(self, runner, base_lr: float) -> float:
        raise NotImplementedError

    def get_regular_lr(self, runner):
        if isinstance(runner.optimizer, dict):
            return {k: [self.get_lr(runner, _base_lr) for _base_lr in self.base_lr[k]]
                    for k in runner.optimizer.keys()}
        return [self.get_lr(runner, _base_lr) for _base_lr in self.base_lr]

    def get_warmup_lr(self, cur_iters: int):

        def _get_warmup_lr(cur_iters, regular_lr):
            if self.warmup == 'constant':
                return [_lr * self.warmup_ratio for _lr in regular_lr]
            if self.warmup == 'linear':
                k = (1 - cur_iters / self.warmup_iters) * (1 - self.warmup_ratio)
                return [_lr * (1 - k) for _lr in regular_lr]
            k = self.warmup_ratio ** (1 - cur_iters / self.warmup_iters)  # exp
            return [_lr * k for _lr in regular_lr]

        if isinstance(self.regular_lr, dict):
            return {key: _get_warmup_lr(cur_iters, lrs) for key, lrs in self.regular_lr.items()}
        return _get_warmup_lr(cur_iters, self.regular_lr)

    def before_run(self, runner):
        # initial_lr lives in the optimizer state: a resumed optimizer brings its own
        if isinstance(runner.optimizer, dict):
            self.base_lr = {}
            for k, optim in runner.optimizer.items():
                for group in optim.param_groups:
                    group.setdefault('initial_lr', group['lr'])
                self.base_lr[k] = [group['initial_lr'] for group in optim.param_groups]
        else:
            for group in runner.optimizer.param_groups:
                group.setdefault('initial_lr', group['lr'])
            self.base_lr = [group['initial_lr'] for group in runner.optimizer.param_groups]

    def before_train_epoch(self, runner):
        if self.warmup_iters is None:
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)
        if not self.by_epoch:
            return
        self.regular_lr = self.get_regular_lr(runner)
        self._set_lr(runner, self.regular_lr)

    def before_train_iter(self, runner):
        cur_iter = runner.iter
        if self.warmup_iters is None:  # IterBasedRunner has no train epochs: the loader is known per iteration
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)
        if not self.by_epoch:
            self.regular_lr = self.get_regular_lr(runner)
            if self.warmup is None or cur_iter >= self.warmup_iters:
                self._set_lr(runner, self.regular_lr)
            else:
                self._set_lr(runner, self.get_warmup_lr(cur_iter))
        elif self.by_epoch:
            if self.warmup is None or cur_iter > self.warmup_iters:
                return
            if cur_iter == self.warmup_iters:
                self._set_lr(runner, self.regular_lr)
            else:
                self._set_lr(runner, self.get_warmup_lr(cur_iter))


def _progress(runner, by_epoch: bool):
    return (runner.epoch, runner.max_epochs) if by_epoch else (runner.iter, runner.max_iters)


@HOOKS.register_module()
class FixedLrUpdaterHook(LrUpdaterHook):
    """The initial lr throughout (warmup still applies)."""

    def get_lr(self, runner, base_lr):
        return base_lr


@HOOKS.register_module()
class StepLrUpdaterHook(LrUpdaterHook):
    """``base_lr * gamma ** k``: k = progress // step (int step) or the number of milestones passed (list step);
    never below ``min_lr`` when given."""

    def __init__(self, step: Union[int, List[int]], gamma: float = 0.1, min_lr: Optional[float] = None,
                 **kwargs):
        if isinstance(step, list):
            if not all(isinstance(s, int) and s > 0 for s in step):
                raise ValueError(f'step must be positive ints, got {step}')
        elif isinstance(step, int):
            if step <= 0:
                raise ValueError(f'"step" must be a positive integer, got {step}')
        else:
            raise TypeError(f'"step" must be a list or an integer, got {type(step).__name__}')
        self.step = step
        self.gamma = gamma
        self.min_lr = min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress = runner.epoch if self.by_epoch else runner.iter
        if isinstance(self.step, int):
            exp = progress // self.step
        else:
            exp = len(self.step)
            for i, s in enumerate(self.step):
                if progress < s:
                    exp = i
                    break
        lr = base_lr * (self.gamma ** exp)
        if self.min_lr is not None:
            lr = max(lr, self.min_lr)
        return lr


@HOOKS.register_module()
class ExpLrUpdaterHook(LrUpdaterHook):
    """``base_lr * gamma ** progress``."""

    def __init__(self, gamma: float, **kwargs):
        self.gamma = gamma
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress = runner.epoch if self.by_epoch else runner.iter
        return base_lr * self.gamma ** progress


@HOOKS.register_module()
class PolyLrUpdaterHook(LrUpdaterHook):
    """``(base_lr - min_lr) * (1 - progress / max_progress) ** power + min_lr``."""

    def __init__(self, power: float = 1., min_lr: float = 0., **kwargs):
        self.power = power
        self.min_lr = min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = _progress(runner, self.by_epoch)
        coeff = (1 - progress / max_progress) ** self.power
        return (base_lr - self.min_lr) * coeff + self.min_lr


@HOOKS.register_module()
class InvLrUpdaterHook(LrUpdaterHook):
    """``base_lr * (1 + gamma * progress) ** -power``."""

    def __init__(self, gamma: float, power: float = 1., **kwargs):
        self.gamma = gamma
        self.power = power
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress = runner.epoch if self.by_epoch else runner.iter
        return base_lr * (1 + self.gamma * progress) ** (-self.power)


def _target(base: float, min_value: Optional[float], min_ratio: Optional[float]) -> float:
    return base * min_ratio if min_ratio is not None else min_value


def _check_min(min_value, min_ratio, name):
    if (min_value is None) == (min_ratio is None):
        raise ValueError(f'exactly one of min_{name} and min_{name}_ratio must be given')


@HOOKS.register_module()
class CosineAnnealingLrUpdaterHook(LrUpdaterHook):
    """Cosine from ``base_lr`` to ``min_lr`` (or ``base_lr * min_lr_ratio``) over the whole run."""

    def __init__(self, min_lr: Optional[float] = None, min_lr_ratio: Optional[float] = None, **kwargs):
        _check_min(min_lr, min_lr_ratio, 'lr')
        self.min_lr = min_lr
        self.min_lr_ratio = min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = _progress(runner, self.by_epoch)
        return annealing_cos(base_lr, _target(base_lr, self.min_lr, self.min_lr_ratio), progress / max_progress)


@HOOKS.register_module()
class FlatCosineAnnealingLrUpdaterHook(LrUpdaterHook):
    """Flat ``base_lr`` until ``start_percent`` of the run (rounded to a whole epoch/iteration), then cosine."""

    def __init__(self, start_percent: float = 0.75, min_lr: Optional[float] = None,
                 min_lr_ratio: Optional[float] = None, **kwargs):
        _check_min(min_lr, min_lr_ratio, 'lr')
        if not isinstance(start_percent, float) or not 0 <= start_percent <= 1:
            raise ValueError(f'start_percent must be a float in [0, 1], got {start_percent!r}')
        self.start_percent = start_percent
        self.min_lr = min_lr
        self.min_lr_ratio = min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, total = _progress(runner, self.by_epoch)
        start = round(total * self.start_percent)
        progress = progress - start
        max_progress = total - start
        target_lr = _target(base_lr, self.min_lr, self.min_lr_ratio)
        if progress < 0:
            return base_lr
        return annealing_cos(base_lr, target_lr, progress / max_progress)


def get_position_from_periods(iteration: int, cumulative_periods: List[int]) -> int:
    """Index of the restart period that ``iteration`` falls in."""
    for i, period in enumerate(cumulative_periods):
        if iteration < period:
            return i
    raise ValueError(f'Current iteration {iteration} exceeds cumulative_periods {cumulative_periods}')


@HOOKS.register_module()
class CosineRestartLrUpdaterHook(LrUpdaterHook):
    """Cosine annealing restarted at the end of each of ``periods``, the i-th cycle's amplitude scaled by
    ``restart_weights[i]``."""

    def __init__(self, periods: List[int], restart_weights: List[float] = [1], min_lr: Optional[float] = None,
                 min_lr_ratio: Optional[float] = None, **kwargs):
        _check_min(min_lr, min_lr_ratio, 'lr')
        if len(periods) != len(restart_weights):
            raise ValueError('periods and restart_weights should have the same length')
        self.periods = periods
        self.min_lr = min_lr
        self.min_lr_ratio = min_lr_ratio
        self.restart_weights = restart_weights
        super().__init__(**kwargs)
        self.cumulative_periods = [sum(self.periods[0:i + 1]) for i in range(len(self.periods))]

    def get_lr(self, runner, base_lr):
        progress = runner.epoch if self.by_epoch else runner.iter
        target_lr = _target(base_lr, self.min_lr, self.min_lr_ratio)
        idx = get_position_from_periods(progress, self.cumulative_periods)
        current_weight = self.restart_weights[idx]
        nearest_restart = 0 if idx == 0 else self.cumulative_periods[idx - 1]
        current_periods = self.periods[idx]
        alpha = min((progress - nearest_restart) / current_periods, 1)
        return annealing_cos(base_lr, target_lr, alpha, current_weight)


@HOOKS.register_module()
class CyclicLrUpdaterHook(LrUpdaterHook):
    """Cyclic lr (iteration-based): each of ``cyclic_times`` cycles rises from ``base_lr`` to
    ``base_lr * target_ratio[0]`` over ``step_ratio_up`` of the cycle, then falls to ``base_lr * target_ratio[1]``.
    Cycle c's excursion is scaled by ``gamma ** c``."""

    def __init__(self, by_epoch: bool = False, target_ratio=(10, 1e-4), cyclic_times: int = 1,
                 step_ratio_up: float = 0.4, anneal_strategy: str = 'cos', gamma: float = 1, **kwargs):
        if isinstance(target_ratio, float):
            target_ratio = (target_ratio, target_ratio / 1e5)
        elif isinstance(target_ratio, tuple):
            target_ratio = (target_ratio[0], target_ratio[0] / 1e5) if len(target_ratio) == 1 else target_ratio
        else:
            raise ValueError(f'target_ratio should be either float or tuple, got {type(target_ratio)}')
        if len(target_ratio) != 2:
            raise ValueError('"target_ratio" must be list or tuple of two floats')
        if not 0 <= step_ratio_up < 1.0:
            raise ValueError('"step_ratio_up" must be in range [0,1)')
        if not 0 < gamma <= 1:
            raise ValueError('"gamma" must be in range (0, 1]')
        if by_epoch:
            raise ValueError('currently only support "by_epoch" = False')
        self.target_ratio = target_ratio
        self.cyclic_times = cyclic_times
        self.step_ratio_up = step_ratio_up
        self.gamma = gamma
        self.max_iter_per_phase = None
        self.lr_phases: list = []
        self.anneal_func = _anneal_func(anneal_strategy)
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner):
        super().before_run(runner)
        self.max_iter_per_phase = runner.max_iters // self.cyclic_times
        iter_up_phase = int(self.step_ratio_up * self.max_iter_per_phase)
        self.lr_phases = [[0, iter_up_phase, 1, self.target_ratio[0]],
                          [iter_up_phase, self.max_iter_per_phase, self.target_ratio[0], self.target_ratio[1]]]

    def get_lr(self, runner, base_lr):
        curr_iter = runner.iter % self.max_iter_per_phase
        curr_cycle = runner.iter // self.max_iter_per_phase
        scale = self.gamma ** curr_cycle
        for start_iter, end_iter, start_ratio, end_ratio in self.lr_phases:
            if start_iter <= curr_iter < end_iter:
                # shrink the excursion from base_lr by gamma per cycle
                if start_iter == 0:
                    end_ratio = 1 - scale + end_ratio * scale
                else:
                    start_ratio = 1 - scale + start_ratio * scale
                progress = curr_iter - start_iter
                return self.anneal_func(base_lr * start_ratio, base_lr * end_ratio,
                                        progress / (end_iter - start_iter))
        raise ValueError(f'iteration {runner.iter} is outside every cyclic lr phase {self.lr_phases}')


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """The 1cycle policy: from ``max_lr / div_factor`` up to ``max_lr`` over ``pct_start`` of ``total_steps``,
    then down to ``max_lr / div_factor / final_div_factor`` (three_phase: down to the start first, then to the
    minimum)."""

    def __init__(self, max_lr, total_steps: Optional[int] = None, pct_start: float = 0.3,
                 anneal_strategy: str = 'cos', div_factor: float = 25, final_div_factor: float = 1e4,
                 three_phase: bool = False, **kwargs):
        if 'by_epoch' not in kwargs:
            kwargs['by_epoch'] = False
        elif kwargs['by_epoch']:
            raise ValueError('currently only support "by_epoch" = False')
        if not isinstance(max_lr, (numbers.Number, list, dict)):
            raise ValueError(f'the type of max_lr must be number, list or dict, but got {type(max_lr)}')
        self._max_lr = max_lr
        if total_steps is not None and not isinstance(total_steps, int):
            raise ValueError(f'the type of total_steps must be int, but got {type(total_steps)}')
        self.total_steps = total_steps
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f'expected float between 0 and 1 pct_start, but got {pct_start}')
        self.pct_start = pct_start
        self.anneal_func = _anneal_func(anneal_strategy)
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.three_phase = three_phase
        self.lr_phases: list = []
        super().__init__(**kwargs)

    def before_run(self, runner):
        total_steps = self.total_steps if self.total_steps is not None else runner.max_iters
        if total_steps < runner.max_iters:
            raise ValueError('The total steps must be greater than or equal to max iterations '
                             f'{runner.max_iters} of runner, but total steps is {total_steps}.')
        if isinstance(runner.optimizer, dict):
            self.base_lr = {}
            for k, optim in runner.optimizer.items():
                _max_lr = _format_param(k, optim, self._max_lr)
                self.base_lr[k] = [lr / self.div_factor for lr in _max_lr]
                for group, lr in zip(optim.param_groups, self.base_lr[k]):
                    group.setdefault('initial_lr', lr)
        else:
            k = type(runner.optimizer).__name__
            _max_lr = _format_param(k, runner.optimizer, self._max_lr)
            self.base_lr = [lr / self.div_factor for lr in _max_lr]
            for group, lr in zip(runner.optimizer.param_groups, self.base_lr):
                group.setdefault('initial_lr', lr)
        if self.three_phase:
            self.lr_phases = [
                dict(end_iter=float(self.pct_start * total_steps) - 1, start_lr=1, end_lr=self.div_factor),
                dict(end_iter=float(2 * self.pct_start * total_steps) - 2, start_lr=self.div_factor, end_lr=1),
                dict(end_iter=total_steps - 1, start_lr=1, end_lr=1 / self.final_div_factor)]
        else:
            self.lr_phases = [
                dict(end_iter=float(self.pct_start * total_steps) - 1, start_lr=1, end_lr=self.div_factor),
                dict(end_iter=total_steps - 1, start_lr=self.div_factor, end_lr=1 / self.final_div_factor)]

    def get_lr(self, runner, base_lr):
        curr_iter = runner.iter
        start_iter = 0
        for i, phase in enumerate(self.lr_phases):
            end_iter = phase['end_iter']
            if curr_iter <= end_iter or i == len(self.lr_phases) - 1:
                pct = (curr_iter - start_iter) / (end_iter - start_iter)
                return self.anneal_func(base_lr * phase['start_lr'], base_lr * phase['end_lr'], pct)
            start_iter = end_iter
        raise ValueError('no lr phase configured; before_run was not called')


@HOOKS.register_module()
class LinearAnnealingLrUpdaterHook(LrUpdaterHook):
    """Linear from ``base_lr`` to ``min_lr`` (or ``base_lr * min_lr_ratio``) over the whole run."""

    def __init__(self, min_lr: Optional[float] = None, min_lr_ratio: Optional[float] = None, **kwargs):
        _check_min(min_lr, min_lr_ratio, 'lr')
        self.min_lr = min_lr
        self.min_lr_ratio = min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = _progress(runner, self.by_epoch)
        return annealing_linear(base_lr, _target(base_lr, self.min_lr, self.min_lr_ratio), progress / max_progress)
