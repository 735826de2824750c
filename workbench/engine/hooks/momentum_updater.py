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
from .lr_updater import _format_param, _progress
from .schedules import (anneal_func, anneal_target, annealing_cos, annealing_linear, check_iter_based,
                        check_min_target, cyclic_phases, cyclic_value, one_cycle_phase_ends, one_cycle_position,
                        step_decay, validate_cyclic, validate_pct_start, validate_step, validate_warmup,
                        warmup_factor, warmup_step)


def _group_momentum(group) -> float:
    return group['momentum'] if 'momentum' in group else group['betas'][0]


class MomentumUpdaterHook(Hook):

    def __init__(self, by_epoch: bool = True, warmup: Optional[str] = None, warmup_iters: int = 0,
                 warmup_ratio: float = 0.9):
        validate_warmup(warmup, warmup_iters, warmup_ratio)
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
        # the momentum warms up from above: it is divided by the factor the lr is multiplied by
        k = warmup_factor(self.warmup, cur_iters, self.warmup_iters, self.warmup_ratio)
        if isinstance(self.regular_mom, dict):
            return {key: [m / k for m in v] for key, v in self.regular_mom.items()}
        return [m / k for m in self.regular_mom]

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
        action = warmup_step(cur_iter, self.warmup, self.warmup_iters, self.by_epoch)
        if action == 'regular':
            self._set_momentum(runner, self.regular_mom)
        elif action == 'warmup':
            self._set_momentum(runner, self.get_warmup_momentum(cur_iter))


@HOOKS.register_module()
class StepMomentumUpdaterHook(MomentumUpdaterHook):
    """``base_momentum * gamma ** k`` with k as in StepLrUpdaterHook; never below ``min_momentum``."""

    def __init__(self, step, gamma: float = 0.5, min_momentum: Optional[float] = None, **kwargs):
        validate_step(step)
        self.step = step
        self.gamma = gamma
        self.min_momentum = min_momentum
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress = runner.epoch if self.by_epoch else runner.iter
        return step_decay(base_momentum, progress, self.step, self.gamma, self.min_momentum)


class _AnnealToMinMomentumUpdaterHook(MomentumUpdaterHook):
    """From the base momentum to ``min_momentum`` (or ``base * min_momentum_ratio``) over the whole run, by
    ``_anneal``."""
    _anneal = staticmethod(annealing_cos)

    def __init__(self, min_momentum: Optional[float] = None, min_momentum_ratio: Optional[float] = None, **kwargs):
        check_min_target(min_momentum, min_momentum_ratio, 'momentum')
        self.min_momentum = min_momentum
        self.min_momentum_ratio = min_momentum_ratio
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress, max_progress = _progress(runner, self.by_epoch)
        target = anneal_target(base_momentum, self.min_momentum, self.min_momentum_ratio)
        return self._anneal(base_momentum, target, progress / max_progress)


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(_AnnealToMinMomentumUpdaterHook):
    """Cosine from the base momentum to ``min_momentum`` (or ``base * min_momentum_ratio``) over the whole run."""
    _anneal = staticmethod(annealing_cos)


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(_AnnealToMinMomentumUpdaterHook):
    """Linear from the base momentum to ``min_momentum`` (or ``base * min_momentum_ratio``) over the whole run."""
    _anneal = staticmethod(annealing_linear)


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(MomentumUpdaterHook):
    """The momentum counterpart of CyclicLrUpdaterHook (it falls while the lr rises)."""

    def __init__(self, by_epoch: bool = False, target_ratio=(0.85 / 0.95, 1.), cyclic_times: int = 1,
                 step_ratio_up: float = 0.4, anneal_strategy: str = 'cos', gamma: float = 1., **kwargs):
        self.target_ratio = validate_cyclic(target_ratio, step_ratio_up, by_epoch)
        self.cyclic_times = cyclic_times
        self.step_ratio_up = step_ratio_up
        self.gamma = gamma
        self.momentum_phases: list = []
        self.anneal_func = anneal_func(anneal_strategy)
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner):
        super().before_run(runner)
        self.max_iter_per_phase, self.momentum_phases = cyclic_phases(runner.max_iters, self.cyclic_times,
                                                                      self.step_ratio_up, self.target_ratio)

    def get_momentum(self, runner, base_momentum):
        return cyclic_value(base_momentum, runner.iter, self.max_iter_per_phase, self.momentum_phases, self.gamma,
                            self.anneal_func)


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """The momentum counterpart of OneCycleLrUpdaterHook: ``max_momentum`` down to ``base_momentum`` while the lr
    rises, then back up."""

    def __init__(self, base_momentum=0.85, max_momentum=0.95, pct_start: float = 0.3, anneal_strategy: str = 'cos',
                 three_phase: bool = False, **kwargs):
        kwargs.setdefault('by_epoch', False)
        check_iter_based(kwargs['by_epoch'])
        validate_pct_start(pct_start)
        self._base_momentum = base_momentum
        self._max_momentum = max_momentum
        self.pct_start = pct_start
        self.anneal_func = anneal_func(anneal_strategy)
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
        # the param-group keys the phases anneal between, the mirror image of the lr: down while the lr rises,
        # back up while it falls (three_phase: then flat while the lr falls to its minimum)
        if self.three_phase:
            keys = ['max_momentum', 'base_momentum', 'max_momentum', 'max_momentum']
        else:
            keys = ['max_momentum', 'base_momentum', 'max_momentum']
        ends = one_cycle_phase_ends(runner.max_iters, self.pct_start, self.three_phase)
        self.momentum_phases = [dict(end_iter=end, start_momentum=start, end_momentum=stop)
                                for end, start, stop in zip(ends, keys[:-1], keys[1:])]

    def get_momentum(self, runner, param_group):
        i, pct = one_cycle_position(runner.iter, [phase['end_iter'] for phase in self.momentum_phases])
        phase = self.momentum_phases[i]
        return self.anneal_func(param_group[phase['start_momentum']], param_group[phase['end_momentum']], pct)

    def get_regular_momentum(self, runner):
        if isinstance(runner.optimizer, dict):
            return {k: [self.get_momentum(runner, g) for g in optim.param_groups]
                    for k, optim in runner.optimizer.items()}
        return [self.get_momentum(runner, g) for g in runner.optimizer.param_groups]
