"""Momentum schedules as hooks, with mmcv 1.x's formulas (``mmcv.runner.hooks.momentum_updater``).

The momentum is ``momentum`` for SGD-like optimizers and ``betas[0]`` for Adam-like ones. Warmup divides the
regular momentum (constant: ``m / warmup_ratio``; linear: ``m / (1 - (1 - it / warmup_iters) * (1 - ratio))``;
exp: ``m / ratio ** (1 - it / warmup_iters)``). ``momentum_config = dict(policy='cyclic', ...)`` builds
``CyclicMomentumUpdaterHook``.
"""
from __future__ import annotations

from typing import Optional

from workbench.registry import HOOKS

from .hook import Hook
from .lr_updater import _anneal_func, _check_min, _format_param, _progress, _target, annealing_cos, \
    annealing_linear


def _group_momentum(group) -> float:
    return group['momentum'] if 'momentum' in group else group['betas'][0]


class MomentumUpdaterHook(Hook):

    def __init__(self, by_epoch: bool = True, warmup: Optional[str] = None, warmup_iters: int = 0,
                 warmup_ratio: float = 0.9):
        if warmup is not None:
            if warmup not in ('constant', 'linear', 'exp'):
                raise ValueError(f'"{warmup}" is not a supported type for warming up, valid types are '
                                 '"constant", "linear" and "exp"')
            if warmup_iters <= 0:
                raise ValueError(f'warmup_iters must be a positive integer, got {warmup_iters}')
            if not 0 < warmup_ratio <= 1.0:
                raise ValueError(f'warmup_momentum must be in range (0, 1], got {warmup_ratio}')
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.warmup_iters = warmup_iters
        self.warmup_ratio = warmup_ratio
        self.base_momentum = []
        self.regular_mom = []

    @staticmethod
    def _set_groups(optim, values):
        for param_group, mom in zip(optim.param_groups, values):
            if 'momentum' in param_group:
                param_group['momentum'] = mom
            elif 'betas' in param_group:
                param_group['betas'] = (mom, param_group['betas'][1])

    def _set_momentum(self, runner, momentum_groups):
        if isinstance(runner.optimizer, dict):
            for k, optim in runner.optimizer.items():
                self._set_groups(optim, momentum_groups[k])
        else:
            self._set_groups(runner.optimizer, momentum_groups)

    def get_momentum(self, runner, base_momentum):
        raise NotImplementedError

    def get_regular_momentum(self, runner):
        if isinstance(runner.optimizer, dict):
            return {k: [self.get_momentum(runner, m) for m in self.base_momentum[k]] for k in runner.optimizer}
        return [self.get_momentum(runner, m) for m in self.base_momentum]

    def get_warmup_momentum(self, cur_iters):

        def _warmup(cur_iters, regular):
            if self.warmup == 'constant':
                return [m / self.warmup_ratio for m in regular]
            if self.warmup == 'linear':
                k = (1 - cur_iters / self.warmup_iters) * (1 - self.warmup_ratio)
                return [m / (1 - k) for m in regular]
            k = self.warmup_ratio ** (1 - cur_iters / self.warmup_iters)
            return [m / k for m in regular]

        if isinstance(self.regular_mom, dict):
            return {key: _warmup(cur_iters, v) for key, v in self.regular_mom.items()}
        return _warmup(cur_iters, self.regular_mom)

    def before_run(self, runner):
        def _init(optim):
            for group in optim.param_groups:
                group.setdefault('initial_momentum', _group_momentum(group))
            return [group['initial_momentum'] for group in optim.param_groups]

        if isinstance(runner.optimizer, dict):
            self.base_momentum = {k: _init(optim) for k, optim in runner.optimizer.items()}
        else:
            self.base_momentum = _init(runner.optimizer)

    def before_train_epoch(self, runner):
        if not self.by_epoch:
            return
        self.regular_mom = self.get_regular_momentum(runner)
        self._set_momentum(runner, self.regular_mom)

    def before_train_iter(self, runner):
        cur_iter = runner.iter
        if not self.by_epoch:
            self.regular_mom = self.get_regular_momentum(runner)
            if self.warmup is None or cur_iter >= self.warmup_iters:
                self._set_momentum(runner, self.regular_mom)
            else:
                self._set_momentum(runner, self.get_warmup_momentum(cur_iter))
        elif self.by_epoch:
            if self.warmup is None or cur_iter > self.warmup_iters:
                return
            if cur_iter == self.warmup_iters:
                self._set_momentum(runner, self.regular_mom)
            else:
                self._set_momentum(runner, self.get_warmup_momentum(cur_iter))


@HOOKS.register_module()
class StepMomentumUpdaterHook(MomentumUpdaterHook):
    """``base_momentum * gamma ** k`` with k as in StepLrUpdaterHook; never below ``min_momentum``."""

    def __init__(self, step, gamma: float = 0.5, min_momentum: Optional[float] = None, **kwargs):
        if isinstance(step, list):
            if not all(isinstance(s, int) and s > 0 for s in step):
                raise ValueError(f'step must be positive ints, got {step}')
        elif isinstance(step, int):
            if step <= 0:
                raise ValueError(f'"step" must be a positive integer, got {step}')
        else:
            raise TypeError('"step" must be a list or integer')
        self.step = step
        self.gamma = gamma
        self.min_momentum = min_momentum
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress = runner.epoch if self.by_epoch else runner.iter
        if isinstance(self.step, int):
            exp = progress // self.step
        else:
            exp = len(self.step)
            for i, s in enumerate(self.step):
                if progress < s:
                    exp = i
                    break
        momentum = base_momentum * (self.gamma ** exp)
        if self.min_momentum is not None:
            momentum = max(momentum, self.min_momentum)
        return momentum


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(MomentumUpdaterHook):

    def __init__(self, min_momentum: Optional[float] = None, min_momentum_ratio: Optional[float] = None, **kwargs):
        _check_min(min_momentum, min_momentum_ratio, 'momentum')
        self.min_momentum = min_momentum
        self.min_momentum_ratio = min_momentum_ratio
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress, max_progress = _progress(runner, self.by_epoch)
        target = _target(base_momentum, self.min_momentum, self.min_momentum_ratio)
        return annealing_cos(base_momentum, target, progress / max_progress)


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(MomentumUpdaterHook):

    def __init__(self, min_momentum: Optional[float] = None, min_momentum_ratio: Optional[float] = None, **kwargs):
        _check_min(min_momentum, min_momentum_ratio, 'momentum')
        self.min_momentum = min_momentum
        self.min_momentum_ratio = min_momentum_ratio
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress, max_progress = _progress(runner, self.by_epoch)
        target = _target(base_momentum, self.min_momentum, self.min_momentum_ratio)
        return annealing_linear(base_momentum, target, progress / max_progress)


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(MomentumUpdaterHook):
    """The momentum counterpart of CyclicLrUpdaterHook (it falls while the lr rises)."""

    def __init__(self, by_epoch: bool = False, target_ratio=(0.85 / 0.95, 1.), cyclic_times: int = 1,
                 step_ratio_up: float = 0.4, anneal_strategy: str = 'cos', gamma: float = 1., **kwargs):
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
        if by_epoch:
            raise ValueError('currently only support "by_epoch" = False')
        self.target_ratio = target_ratio
        self.cyclic_times = cyclic_times
        self.step_ratio_up = step_ratio_up
        self.gamma = gamma
        self.momentum_phases: list = []
        self.anneal_func = _anneal_func(anneal_strategy)
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner):
        super().before_run(runner)
        self.max_iter_per_phase = runner.max_iters // self.cyclic_times
        iter_up_phase = int(self.step_ratio_up * self.max_iter_per_phase)
        self.momentum_phases = [[0, iter_up_phase, 1, self.target_ratio[0]],
                                [iter_up_phase, self.max_iter_per_phase, self.target_ratio[0],
                                 self.target_ratio[1]]]

    def get_momentum(self, runner, base_momentum):
        curr_iter = runner.iter % self.max_iter_per_phase
        curr_cycle = runner.iter // self.max_iter_per_phase
        scale = self.gamma ** curr_cycle
        for start_iter, end_iter, start_ratio, end_ratio in self.momentum_phases:
            if start_iter <= curr_iter < end_iter:
                if start_iter == 0:
                    end_ratio = 1 - scale + end_ratio * scale
                else:
                    start_ratio = 1 - scale + start_ratio * scale
                progress = curr_iter - start_iter
                return self.anneal_func(base_momentum * start_ratio, base_momentum * end_ratio,
                                        progress / (end_iter - start_iter))
        raise ValueError(f'iteration {runner.iter} is outside every cyclic momentum phase')


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """The momentum counterpart of OneCycleLrUpdaterHook: ``max_momentum`` down to ``base_momentum`` while the lr
    rises, then back up."""

    def __init__(self, base_momentum=0.85, max_momentum=0.95, pct_start: float = 0.3, anneal_strategy: str = 'cos',
                 three_phase: bool = False, **kwargs):
        if 'by_epoch' not in kwargs:
            kwargs['by_epoch'] = False
        elif kwargs['by_epoch']:
            raise ValueError('currently only support "by_epoch" = False')
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f'Expected float between 0 and 1 pct_start, but got {pct_start}')
        self._base_momentum = base_momentum
        self._max_momentum = max_momentum
        self.pct_start = pct_start
        self.anneal_func = _anneal_func(anneal_strategy)
        self.three_phase = three_phase
        self.momentum_phases: list = []
        super().__init__(**kwargs)

    def before_run(self, runner):
        optims = runner.optimizer.items() if isinstance(runner.optimizer, dict) else \
            [(type(runner.optimizer).__name__, runner.optimizer)]
        for k, optim in optims:
            if 'momentum' not in optim.defaults and 'betas' not in optim.defaults:
                raise ValueError('optimizer must support momentum with option enabled')
            use_beta1 = 'betas' in optim.defaults
            base = _format_param(k, optim, self._base_momentum)
            top = _format_param(k, optim, self._max_momentum)
            for group, b_m, m_m in zip(optim.param_groups, base, top):
                if use_beta1:
                    group['betas'] = (m_m, group['betas'][1])
                else:
                    group['momentum'] = m_m
                group['base_momentum'] = b_m
                group['max_momentum'] = m_m
        n = runner.max_iters
        if self.three_phase:
            self.momentum_phases = [
                dict(end_iter=float(self.pct_start * n) - 1, start_momentum='max_momentum',
                     end_momentum='base_momentum'),
                dict(end_iter=float(2 * self.pct_start * n) - 2, start_momentum='base_momentum',
                     end_momentum='max_momentum'),
                dict(end_iter=n - 1, start_momentum='max_momentum', end_momentum='max_momentum')]
        else:
            self.momentum_phases = [
                dict(end_iter=float(self.pct_start * n) - 1, start_momentum='max_momentum',
                     end_momentum='base_momentum'),
                dict(end_iter=n - 1, start_momentum='base_momentum', end_momentum='max_momentum')]

    def get_momentum(self, runner, param_group):
        curr_iter = runner.iter
        start_iter = 0
        for i, phase in enumerate(self.momentum_phases):
            end_iter = phase['end_iter']
            if curr_iter <= end_iter or i == len(self.momentum_phases) - 1:
                pct = (curr_iter - start_iter) / (end_iter - start_iter)
                return self.anneal_func(param_group[phase['start_momentum']], param_group[phase['end_momentum']],
                                        pct)
            start_iter = end_iter
        raise ValueError('no momentum phase configured; before_run was not called')

    def get_regular_momentum(self, runner):
        if isinstance(runner.optimizer, dict):
            return {k: [self.get_momentum(runner, g) for g in optim.param_groups]
                    for k, optim in runner.optimizer.items()}
        return [self.get_momentum(runner, g) for g in runner.optimizer.param_groups]
