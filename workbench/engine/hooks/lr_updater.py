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
from typing import List, Optional, Union

from workbench.registry import HOOKS

from .hook import Hook
from .schedules import (anneal_func, anneal_target, annealing_cos, annealing_linear, check_iter_based,
                        check_min_target, cyclic_phases, cyclic_value, get_position_from_periods, one_cycle_phase_ends,
                        one_cycle_position, step_decay, validate_cyclic, validate_pct_start, validate_step,
                        validate_warmup, warmup_factor, warmup_step)


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
        validate_warmup(warmup, warmup_iters, warmup_ratio)
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
        k = warmup_factor(self.warmup, cur_iters, self.warmup_iters, self.warmup_ratio)
        if isinstance(self.regular_lr, dict):
            return {key: [_lr * k for _lr in lrs] for key, lrs in self.regular_lr.items()}
        return [_lr * k for _lr in self.regular_lr]

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
        action = warmup_step(cur_iter, self.warmup, self.warmup_iters, self.by_epoch)
        if action == 'regular':
            self._set_lr(runner, self.regular_lr)
        elif action == 'warmup':
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
        validate_step(step)
        self.step = step
        self.gamma = gamma
        self.min_lr = min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress = runner.epoch if self.by_epoch else runner.iter
        return step_decay(base_lr, progress, self.step, self.gamma, self.min_lr)


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


class _AnnealToMinLrUpdaterHook(LrUpdaterHook):
    """From ``base_lr`` to ``min_lr`` (or ``base_lr * min_lr_ratio``) over the whole run, by ``_anneal``."""
    _anneal = staticmethod(annealing_cos)

    def __init__(self, min_lr: Optional[float] = None, min_lr_ratio: Optional[float] = None, **kwargs):
        check_min_target(min_lr, min_lr_ratio, 'lr')
        self.min_lr = min_lr
        self.min_lr_ratio = min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = _progress(runner, self.by_epoch)
        return self._anneal(base_lr, anneal_target(base_lr, self.min_lr, self.min_lr_ratio), progress / max_progress)


@HOOKS.register_module()
class CosineAnnealingLrUpdaterHook(_AnnealToMinLrUpdaterHook):
    """Cosine from ``base_lr`` to ``min_lr`` (or ``base_lr * min_lr_ratio``) over the whole run."""
    _anneal = staticmethod(annealing_cos)


@HOOKS.register_module()
class FlatCosineAnnealingLrUpdaterHook(LrUpdaterHook):
    """Flat ``base_lr`` until ``start_percent`` of the run (rounded to a whole epoch/iteration), then cosine."""

    def __init__(self, start_percent: float = 0.75, min_lr: Optional[float] = None,
                 min_lr_ratio: Optional[float] = None, **kwargs):
        check_min_target(min_lr, min_lr_ratio, 'lr')
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
        target_lr = anneal_target(base_lr, self.min_lr, self.min_lr_ratio)
        if progress < 0:
            return base_lr
        return annealing_cos(base_lr, target_lr, progress / max_progress)


@HOOKS.register_module()
class CosineRestartLrUpdaterHook(LrUpdaterHook):
    """Cosine annealing restarted at the end of each of ``periods``, the i-th cycle's amplitude scaled by
    ``restart_weights[i]``."""

    def __init__(self, periods: List[int], restart_weights: List[float] = [1], min_lr: Optional[float] = None,
                 min_lr_ratio: Optional[float] = None, **kwargs):
        check_min_target(min_lr, min_lr_ratio, 'lr')
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
        target_lr = anneal_target(base_lr, self.min_lr, self.min_lr_ratio)
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
        self.target_ratio = validate_cyclic(target_ratio, step_ratio_up, by_epoch, gamma)
        self.cyclic_times = cyclic_times
        self.step_ratio_up = step_ratio_up
        self.gamma = gamma
        self.max_iter_per_phase = None
        self.lr_phases: list = []
        self.anneal_func = anneal_func(anneal_strategy)
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner):
        super().before_run(runner)
        self.max_iter_per_phase, self.lr_phases = cyclic_phases(runner.max_iters, self.cyclic_times,
                                                                self.step_ratio_up, self.target_ratio)

    def get_lr(self, runner, base_lr):
        return cyclic_value(base_lr, runner.iter, self.max_iter_per_phase, self.lr_phases, self.gamma,
                            self.anneal_func)


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """The 1cycle policy: from ``max_lr / div_factor`` up to ``max_lr`` over ``pct_start`` of ``total_steps``,
    then down to ``max_lr / div_factor / final_div_factor`` (three_phase: down to the start first, then to the
    minimum)."""

    def __init__(self, max_lr, total_steps: Optional[int] = None, pct_start: float = 0.3,
                 anneal_strategy: str = 'cos', div_factor: float = 25, final_div_factor: float = 1e4,
                 three_phase: bool = False, **kwargs):
        kwargs.setdefault('by_epoch', False)
        check_iter_based(kwargs['by_epoch'])
        if not isinstance(max_lr, (numbers.Number, list, dict)):
            raise ValueError(f'the type of max_lr must be number, list or dict, but got {type(max_lr)}')
        self._max_lr = max_lr
        if total_steps is not None and not isinstance(total_steps, int):
            raise ValueError(f'the type of total_steps must be int, but got {type(total_steps)}')
        self.total_steps = total_steps
        validate_pct_start(pct_start)
        self.pct_start = pct_start
        self.anneal_func = anneal_func(anneal_strategy)
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
        # the lr the phases anneal between, as factors of base_lr: up to max_lr, (three_phase: back to base_lr,)
        # then down to the minimum
        if self.three_phase:
            ratios = [1, self.div_factor, 1, 1 / self.final_div_factor]
        else:
            ratios = [1, self.div_factor, 1 / self.final_div_factor]
        ends = one_cycle_phase_ends(total_steps, self.pct_start, self.three_phase)
        self.lr_phases = [dict(end_iter=end, start_lr=start, end_lr=stop)
                          for end, start, stop in zip(ends, ratios[:-1], ratios[1:])]

    def get_lr(self, runner, base_lr):
        i, pct = one_cycle_position(runner.iter, [phase['end_iter'] for phase in self.lr_phases])
        phase = self.lr_phases[i]
        return self.anneal_func(base_lr * phase['start_lr'], base_lr * phase['end_lr'], pct)


@HOOKS.register_module()
class LinearAnnealingLrUpdaterHook(_AnnealToMinLrUpdaterHook):
    """Linear from ``base_lr`` to ``min_lr`` (or ``base_lr * min_lr_ratio``) over the whole run."""
    _anneal = staticmethod(annealing_linear)
