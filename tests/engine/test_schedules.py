"""The schedule math shared by the lr and momentum hooks (workbench/engine/hooks/schedules.py), against closed forms."""
import math

import pytest

from workbench.engine.hooks import lr_updater
from workbench.engine.hooks.schedules import (anneal_func, anneal_target, annealing_cos, annealing_linear,
                                              check_iter_based, check_min_target, cyclic_phases, cyclic_value,
                                              get_position_from_periods, one_cycle_phase_ends, one_cycle_position,
                                              step_decay, step_exponent, validate_cyclic, validate_pct_start,
                                              validate_step, validate_warmup, warmup_factor, warmup_step)


def test_annealing_cos_and_linear():
    assert annealing_cos(1.0, 0.2, 0.0) == pytest.approx(1.0)
    assert annealing_cos(1.0, 0.2, 1.0) == pytest.approx(0.2)
    assert annealing_cos(1.0, 0.2, 0.5) == pytest.approx(0.6)
    # weight scales the excursion above the end value
    assert annealing_cos(1.0, 0.2, 0.0, weight=0.5) == pytest.approx(0.2 + 0.5 * 0.8)
    f = 0.3
    assert annealing_cos(2.0, 0.5, f) == pytest.approx(0.5 + 0.5 * 1.5 * (math.cos(math.pi * f) + 1))
    assert annealing_linear(1.0, 0.2, 0.25) == pytest.approx(0.8)
    assert annealing_linear(0.85, 0.95, 1.0) == pytest.approx(0.95)


def test_anneal_func_by_name():
    assert anneal_func('cos') is annealing_cos
    assert anneal_func('linear') is annealing_linear
    with pytest.raises(ValueError, match="'cosine'"):
        anneal_func('cosine')


def test_lr_updater_still_exports_the_helpers():
    # mmcv code imports these from the lr_updater module
    assert lr_updater.annealing_cos is annealing_cos
    assert lr_updater.annealing_linear is annealing_linear
    assert lr_updater.get_position_from_periods is get_position_from_periods


@pytest.mark.parametrize('warmup,expected', [
    ('constant', lambda i: 0.1),
    ('linear', lambda i: 1 - (1 - i / 5) * (1 - 0.1)),
    ('exp', lambda i: 0.1 ** (1 - i / 5)),
])
def test_warmup_factor(warmup, expected):
    for i in range(5):
        assert warmup_factor(warmup, i, 5, 0.1) == pytest.approx(expected(i), rel=1e-12)
    assert warmup_factor(warmup, 0, 5, 0.1) == pytest.approx(0.1)


def test_warmup_factor_unknown_type():
    with pytest.raises(ValueError, match='"cubic" is not a supported type'):
        warmup_factor('cubic', 0, 5, 0.1)


def test_validate_warmup():
    validate_warmup(None, 0, 5.0)  # nothing is checked without a warmup
    validate_warmup('linear', 3, 1.0)
    with pytest.raises(ValueError, match='not a supported type for warming up'):
        validate_warmup('cubic', 3, 0.1)
    with pytest.raises(ValueError, match='warmup_iters must be a positive integer, got 0'):
        validate_warmup('exp', 0, 0.1)
    with pytest.raises(ValueError, match=r'warmup_ratio must be in range \(0, 1\], got 0'):
        validate_warmup('constant', 3, 0)


def test_warmup_step_iter_based():
    assert [warmup_step(i, 'linear', 3, by_epoch=False) for i in range(5)] == \
        ['warmup', 'warmup', 'warmup', 'regular', 'regular']
    assert [warmup_step(i, None, 0, by_epoch=False) for i in range(3)] == ['regular'] * 3


def test_warmup_step_epoch_based():
    # epoch-wise values are set at each epoch start: per iteration only the warmup and its end write
    assert [warmup_step(i, 'exp', 3, by_epoch=True) for i in range(5)] == \
        ['warmup', 'warmup', 'warmup', 'regular', None]
    assert [warmup_step(i, None, None, by_epoch=True) for i in range(3)] == [None] * 3


def test_validate_step():
    validate_step(3)
    validate_step([2, 5])
    with pytest.raises(ValueError, match='positive integer, got 0'):
        validate_step(0)
    with pytest.raises(ValueError, match=r'positive ints, got \[2, -1\]'):
        validate_step([2, -1])
    with pytest.raises(TypeError, match='got float'):
        validate_step(2.5)


def test_step_exponent_and_decay():
    assert [step_exponent(p, 3) for p in range(7)] == [0, 0, 0, 1, 1, 1, 2]
    assert [step_exponent(p, [2, 5]) for p in range(7)] == [0, 0, 1, 1, 1, 2, 2]
    assert [step_decay(1.0, p, [2, 5], 0.1) for p in (0, 2, 6)] == pytest.approx([1.0, 0.1, 0.01])
    assert step_decay(1.0, 6, [2, 5], 0.1, min_value=0.05) == 0.05
    assert step_decay(1.0, 0, 2, 0.1, min_value=0.05) == 1.0


def test_min_target():
    check_min_target(0.1, None, 'lr')
    check_min_target(None, 0.1, 'momentum')
    with pytest.raises(ValueError, match='exactly one of min_lr and min_lr_ratio'):
        check_min_target(None, None, 'lr')
    with pytest.raises(ValueError, match='exactly one of min_momentum and min_momentum_ratio'):
        check_min_target(0.1, 0.1, 'momentum')
    assert anneal_target(0.5, None, 0.1) == pytest.approx(0.05)
    assert anneal_target(0.5, 0.01, None) == 0.01


def test_get_position_from_periods():
    assert [get_position_from_periods(i, [2, 5]) for i in range(5)] == [0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match='exceeds cumulative_periods'):
        get_position_from_periods(5, [2, 5])


def test_validate_cyclic():
    assert validate_cyclic((10, 1e-4), 0.4, False) == (10, 1e-4)
    assert validate_cyclic(5., 0.4, False) == (5., 5. / 1e5)
    assert validate_cyclic((3.,), 0.4, False) == (3., 3. / 1e5)
    with pytest.raises(ValueError, match='either float or tuple'):
        validate_cyclic([1, 2], 0.4, False)
    with pytest.raises(ValueError, match='two floats'):
        validate_cyclic((1, 2, 3), 0.4, False)
    with pytest.raises(ValueError, match='step_ratio_up'):
        validate_cyclic((10, 1e-4), 1.0, False)
    with pytest.raises(ValueError, match='by_epoch'):
        validate_cyclic((10, 1e-4), 0.4, True)
    # gamma is only checked when given (the lr hook gives it, the momentum hook, like mmcv's, does not)
    assert validate_cyclic((10, 1e-4), 0.4, False, gamma=0.5) == (10, 1e-4)
    with pytest.raises(ValueError, match='gamma'):
        validate_cyclic((10, 1e-4), 0.4, False, gamma=0)


def test_cyclic_phases():
    assert cyclic_phases(10, 2, 0.4, (10, 1e-4)) == (5, [[0, 2, 1, 10], [2, 5, 10, 1e-4]])
    assert cyclic_phases(9, 1, 0., (0.9, 1.)) == (9, [[0, 0, 1, 0.9], [0, 9, 0.9, 1.]])


def test_cyclic_value():
    per_cycle, phases = cyclic_phases(20, 2, 0.4, (10., 0.5))  # cycles of 10: up over 4, down over 6
    lin = annealing_linear
    assert cyclic_value(2.0, 0, per_cycle, phases, 1., lin) == pytest.approx(2.0)
    assert cyclic_value(2.0, 2, per_cycle, phases, 1., lin) == pytest.approx(2.0 * (1 + 0.5 * 9))
    assert cyclic_value(2.0, 4, per_cycle, phases, 1., lin) == pytest.approx(20.0)
    assert cyclic_value(2.0, 7, per_cycle, phases, 1., lin) == pytest.approx(2.0 * (10 + 0.5 * (0.5 - 10)))
    # the second cycle's excursion from the base value is scaled by gamma: peak ratio 1 + (10 - 1) * 0.5
    assert cyclic_value(2.0, 14, per_cycle, phases, 0.5, lin) == pytest.approx(2.0 * 5.5)
    assert cyclic_value(2.0, 12, per_cycle, phases, 0.5, lin) == pytest.approx(2.0 * (1 + 0.5 * 4.5))
    with pytest.raises(ValueError, match='outside every cyclic phase'):
        cyclic_value(2.0, 3, 10, [[0, 2, 1, 10]], 1., lin)


def test_iter_based_and_pct_start():
    check_iter_based(False)
    with pytest.raises(ValueError, match='by_epoch'):
        check_iter_based(True)
    validate_pct_start(0.3)
    for bad in (1, 1.5, -0.1):
        with pytest.raises(ValueError, match='pct_start'):
            validate_pct_start(bad)


def test_one_cycle_phase_ends():
    assert one_cycle_phase_ends(100, 0.3, False) == [29., 99]
    assert one_cycle_phase_ends(100, 0.25, True) == [24., 48., 99]


def test_one_cycle_position():
    ends = one_cycle_phase_ends(10, 0.3, False)  # [2.0, 9]
    assert one_cycle_position(0, ends) == (0, 0.0)
    assert one_cycle_position(1, ends) == (0, pytest.approx(0.5))
    assert one_cycle_position(2, ends) == (0, pytest.approx(1.0))
    assert one_cycle_position(3, ends) == (1, pytest.approx(1 / 7))
    assert one_cycle_position(9, ends) == (1, pytest.approx(1.0))
    # the last phase takes every later iteration (total_steps may exceed the run, never fall short)
    assert one_cycle_position(10, ends) == (1, pytest.approx(8 / 7))
    with pytest.raises(ValueError, match='before_run'):
        one_cycle_position(0, [])
