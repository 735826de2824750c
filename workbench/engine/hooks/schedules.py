"""Schedule math shared by the lr and the momentum hooks (mmcv 1.x formulas).

Everything here is a pure function of numbers (or of the schedule's config values): the hooks in ``lr_updater``
and ``momentum_updater`` read the progress from the runner and write the result into the optimizer's param groups;
what value a schedule takes at a given point, and which configs are valid, is decided here once for both.
"""
from __future__ import annotations

from math import cos, pi
from typing import Callable, List, Optional, Sequence, Tuple, Union

WARMUP_TYPES = ('constant', 'linear', 'exp')


# --------------------------------------------------------------------------------------------------------- warmup
def validate_warmup(warmup: Optional[str], warmup_iters: int, warmup_ratio: float) -> None:
    """Raise ValueError for an unknown warmup type, or, with a warmup, a non-positive ``warmup_iters`` or a
    ``warmup_ratio`` outside (0, 1]. ``warmup=None`` accepts any of the other two."""
    if warmup is None:
        return
    if warmup not in WARMUP_TYPES:
        raise ValueError(f'"{warmup}" is not a supported type for warming up, valid types are '
                         '"constant", "linear" and "exp"')
    if warmup_iters <= 0:
        raise ValueError(f'warmup_iters must be a positive integer, got {warmup_iters}')
    if not 0 < warmup_ratio <= 1.0:
        raise ValueError(f'warmup_ratio must be in range (0, 1], got {warmup_ratio}')


def warmup_factor(warmup: str, cur_iters: int, warmup_iters: int, warmup_ratio: float) -> float:
    """The warmup's factor at iteration ``cur_iters`` (< ``warmup_iters``); it rises towards 1.

    - constant: ``warmup_ratio``
    - linear:   ``1 - (1 - cur_iters / warmup_iters) * (1 - warmup_ratio)``
    - exp:      ``warmup_ratio ** (1 - cur_iters / warmup_iters)``

    The lr hooks multiply the regular lr by it; the momentum hooks divide the regular momentum by it.
    """
    if warmup == 'constant':
        return warmup_ratio
    if warmup == 'linear':
        return 1 - (1 - cur_iters / warmup_iters) * (1 - warmup_ratio)
    if warmup == 'exp':
        return warmup_ratio ** (1 - cur_iters / warmup_iters)
    raise ValueError(f'"{warmup}" is not a supported type for warming up, valid types are '
                     '"constant", "linear" and "exp"')


def warmup_step(cur_iter: int, warmup: Optional[str], warmup_iters: Optional[int], by_epoch: bool) -> Optional[str]:
    """What a hook writes into the optimizer before iteration ``cur_iter``.

    Returns ``'warmup'`` (the warmed-up values), ``'regular'`` (the schedule's own values) or None (nothing).
    An iteration-wise schedule writes every iteration. An epoch-wise one writes its regular values at each epoch
    start, so per iteration it only writes during the warmup and once at its end, to restore the regular values.
    """
    if warmup is not None and cur_iter < warmup_iters:
        return 'warmup'
    if not by_epoch:
        return 'regular'
    return 'regular' if warmup is not None and cur_iter == warmup_iters else None


# ------------------------------------------------------------------------------------------------------ step decay
def validate_step(step: Union[int, List[int]]) -> None:
    """``step`` must be a positive int (decay every ``step``) or a list of positive ints (the milestones)."""
    if isinstance(step, list):
        if not all(isinstance(s, int) and s > 0 for s in step):
            raise ValueError(f'step must be positive ints, got {step}')
    elif isinstance(step, int):
        if step <= 0:
            raise ValueError(f'"step" must be a positive integer, got {step}')
    else:
        raise TypeError(f'"step" must be a list or an integer, got {type(step).__name__}')


def step_exponent(progress: int, step: Union[int, List[int]]) -> int:
    """How many decays have happened at ``progress``: ``progress // step`` for an int step, else the number of
    milestones in ``step`` that ``progress`` has reached (the list is taken to be increasing, as in mmcv)."""
    if isinstance(step, int):
        return progress // step
    for i, s in enumerate(step):
        if progress < s:
            return i
    return len(step)


def step_decay(base: float, progress: int, step: Union[int, List[int]], gamma: float,
               min_value: Optional[float] = None) -> float:
    """``base * gamma ** step_exponent(progress, step)``, never below ``min_value`` when it is given."""
    value = base * (gamma ** step_exponent(progress, step))
    if min_value is not None:
        value = max(value, min_value)
    return value


# ------------------------------------------------------------------------------------------------------- annealing
def annealing_cos(start: float, end: float, factor: float, weight: float = 1.) -> float:
    """Cosine from ``start`` (factor 0) to ``end`` (factor 1); ``weight`` scales the amplitude."""
    cos_out = cos(pi * factor) + 1
    return end + 0.5 * weight * (start - end) * cos_out


def annealing_linear(start: float, end: float, factor: float) -> float:
    """Linear from ``start`` (factor 0) to ``end`` (factor 1)."""
    return start + (end - start) * factor


def anneal_func(strategy: str) -> Callable[[float, float, float], float]:
    """The annealing function named by a config's ``anneal_strategy``: 'cos' or 'linear'."""
    if strategy == 'cos':
        return annealing_cos
    if strategy == 'linear':
        return annealing_linear
    raise ValueError(f'anneal_strategy must be "cos" or "linear", got {strategy!r}')


def check_min_target(min_value: Optional[float], min_ratio: Optional[float], name: str) -> None:
    """An annealing schedule ends at ``min_<name>`` or at ``base * min_<name>_ratio``: exactly one is given."""
    if (min_value is None) == (min_ratio is None):
        raise ValueError(f'exactly one of min_{name} and min_{name}_ratio must be given')


def anneal_target(base: float, min_value: Optional[float], min_ratio: Optional[float]) -> float:
    """Where an annealing schedule starting at ``base`` ends: ``base * min_ratio`` if given, else ``min_value``."""
    return base * min_ratio if min_ratio is not None else min_value


def get_position_from_periods(iteration: int, cumulative_periods: List[int]) -> int:
    """Index of the restart period that ``iteration`` falls in."""
    for i, period in enumerate(cumulative_periods):
        if iteration < period:
            return i
    raise ValueError(f'Current iteration {iteration} exceeds cumulative_periods {cumulative_periods}')


# ---------------------------------------------------------------------------------------------------------- cyclic
def check_iter_based(by_epoch: bool) -> None:
    """The cyclic and one-cycle schedules are iteration-based only."""
    if by_epoch:
        raise ValueError('currently only support "by_epoch" = False')


def validate_cyclic(target_ratio, step_ratio_up: float, by_epoch: bool,
                    gamma: Optional[float] = None) -> Tuple[float, float]:
    """Check a cyclic schedule's config and return ``target_ratio`` as (peak ratio, end ratio).

    A float ``r`` or a 1-tuple ``(r,)`` means ``(r, r / 1e5)``. ``step_ratio_up`` must be in [0, 1), and the
    schedule is iteration-based only. ``gamma`` is checked to be in (0, 1] when given (the lr hook checks it,
    mmcv's momentum hook takes any).
    """
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
    if gamma is not None and not 0 < gamma <= 1:
        raise ValueError('"gamma" must be in range (0, 1]')
    check_iter_based(by_epoch)
    return target_ratio


def cyclic_phases(max_iters: int, cyclic_times: int, step_ratio_up: float,
                  target_ratio: Sequence[float]) -> Tuple[int, list]:
    """Split a run into ``cyclic_times`` cycles of two phases each.

    Returns ``(max_iter_per_phase, phases)``: the length of one cycle and its phases as
    ``[start_iter, end_iter, start_ratio, end_ratio]`` (iterations within the cycle, ratios of the base value):
    up from 1 to ``target_ratio[0]`` over ``step_ratio_up`` of the cycle, then on to ``target_ratio[1]``.
    """
    max_iter_per_phase = max_iters // cyclic_times
    iter_up_phase = int(step_ratio_up * max_iter_per_phase)
    phases = [[0, iter_up_phase, 1, target_ratio[0]],
              [iter_up_phase, max_iter_per_phase, target_ratio[0], target_ratio[1]]]
    return max_iter_per_phase, phases


def cyclic_value(base: float, iteration: int, max_iter_per_phase: int, phases: list, gamma: float,
                 anneal: Callable[[float, float, float], float]) -> float:
    """The value of a cyclic schedule (phases from ``cyclic_phases``) at ``iteration`` of the run.

    Cycle c's excursion away from ``base`` is scaled by ``gamma ** c``; within a phase the value moves from
    ``base * start_ratio`` to ``base * end_ratio`` by ``anneal``.
    """
    curr_iter = iteration % max_iter_per_phase
    curr_cycle = iteration // max_iter_per_phase
    scale = gamma ** curr_cycle
    for start_iter, end_iter, start_ratio, end_ratio in phases:
        if start_iter <= curr_iter < end_iter:
            # the phase leaving the base value shrinks its end, the one returning shrinks its start
            if start_iter == 0:
                end_ratio = 1 - scale + end_ratio * scale
            else:
                start_ratio = 1 - scale + start_ratio * scale
            progress = curr_iter - start_iter
            return anneal(base * start_ratio, base * end_ratio, progress / (end_iter - start_iter))
    raise ValueError(f'iteration {iteration} is outside every cyclic phase {phases}')


# ------------------------------------------------------------------------------------------------------- one cycle
def validate_pct_start(pct_start: float) -> None:
    """A one-cycle schedule's ``pct_start`` (the share of the run spent rising) is a float in [0, 1]."""
    if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
        raise ValueError(f'expected float between 0 and 1 pct_start, but got {pct_start}')


def one_cycle_phase_ends(total_steps: int, pct_start: float, three_phase: bool) -> list:
    """The last iteration of each one-cycle phase: the rise ends at ``pct_start * total_steps - 1``; with
    ``three_phase`` a mirror-image fall follows before the final phase, which ends at ``total_steps - 1``."""
    if three_phase:
        return [float(pct_start * total_steps) - 1, float(2 * pct_start * total_steps) - 2, total_steps - 1]
    return [float(pct_start * total_steps) - 1, total_steps - 1]


def one_cycle_position(iteration: int, phase_ends: Sequence[float]) -> Tuple[int, float]:
    """``(phase index, fraction of that phase done)`` at ``iteration``; phases end where ``phase_ends`` say, the
    first starting at 0, and the last one takes every later iteration."""
    start_iter = 0
    for i, end_iter in enumerate(phase_ends):
        if iteration <= end_iter or i == len(phase_ends) - 1:
            return i, (iteration - start_iter) / (end_iter - start_iter)
        start_iter = end_iter
    raise ValueError('no one-cycle phase configured; before_run was not called')
