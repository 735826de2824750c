"""Every lr policy and warmup type against its closed-form formula (mmcv 1.x)."""
import math

import pytest

from .helpers import run_schedule

BASE = 0.1
N = 10


def close(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == pytest.approx(y, rel=1e-12, abs=1e-15), f'iteration {i}: {x} != {y}'


def lrs(records):
    return [r['lr'] for r in records]


def cos_anneal(start, end, f, w=1.0):
    return end + 0.5 * w * (start - end) * (math.cos(math.pi * f) + 1)


def test_fixed_with_linear_warmup(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='fixed', warmup='linear', warmup_iters=5, warmup_ratio=0.1,
                                       by_epoch=False))
    expected = [BASE * (1 - (1 - i / 5) * (1 - 0.1)) if i < 5 else BASE for i in range(N)]
    close(lrs(recs), expected)
    assert lrs(recs)[0] == pytest.approx(BASE * 0.1)


def test_constant_warmup(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='fixed', warmup='constant', warmup_iters=5, warmup_ratio=0.5,
                                       by_epoch=False))
    close(lrs(recs), [BASE * 0.5 if i < 5 else BASE for i in range(N)])


def test_exp_warmup(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='fixed', warmup='exp', warmup_iters=5, warmup_ratio=0.1,
                                       by_epoch=False))
    close(lrs(recs), [BASE * 0.1 ** (1 - i / 5) if i < 5 else BASE for i in range(N)])


def test_step_list_and_min_lr(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='step', step=[3, 6], gamma=0.1, by_epoch=False))
    close(lrs(recs), [BASE if i < 3 else BASE * 0.1 if i < 6 else BASE * 0.01 for i in range(N)])
    recs = run_schedule(tmp_path, dict(policy='step', step=[3, 6], gamma=0.1, min_lr=0.005, by_epoch=False))
    close(lrs(recs), [BASE if i < 3 else max(BASE * 0.1, 0.005) if i < 6 else 0.005 for i in range(N)])


def test_step_int(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='step', step=4, gamma=0.5, by_epoch=False))
    close(lrs(recs), [BASE * 0.5 ** (i // 4) for i in range(N)])


def test_step_by_epoch_with_iter_warmup(tmp_path):
    # mmdet's default schedule shape: epoch-wise steps, iteration-wise linear warmup (4 iterations per epoch)
    recs = run_schedule(tmp_path, dict(policy='step', step=[2], warmup='linear', warmup_iters=3,
                                       warmup_ratio=0.001), runner_type='EpochBasedRunner', max_epochs=3)
    expected = []
    for it in range(12):
        epoch = it // 4
        regular = BASE * (0.1 if epoch >= 2 else 1)
        expected.append(regular * (1 - (1 - it / 3) * (1 - 0.001)) if it < 3 else regular)
    close(lrs(recs), expected)
    assert [r['epoch'] for r in recs] == [0] * 4 + [1] * 4 + [2] * 4


def test_warmup_by_epoch(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='fixed', warmup='linear', warmup_iters=1, warmup_by_epoch=True,
                                       warmup_ratio=0.2), runner_type='EpochBasedRunner', max_epochs=2)
    close(lrs(recs), [BASE * (1 - (1 - i / 4) * 0.8) if i < 4 else BASE for i in range(8)])


def test_exp(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='exp', gamma=0.9, by_epoch=False))
    close(lrs(recs), [BASE * 0.9 ** i for i in range(N)])


def test_poly(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='poly', power=2., min_lr=0.001, by_epoch=False))
    close(lrs(recs), [(BASE - 0.001) * (1 - i / N) ** 2 + 0.001 for i in range(N)])


def test_poly_by_epoch(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='poly', power=1., min_lr=0.), runner_type='EpochBasedRunner',
                        max_epochs=4)
    close(lrs(recs), [BASE * (1 - (i // 4) / 4) for i in range(16)])


def test_inv(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='inv', gamma=0.1, power=0.5, by_epoch=False))
    close(lrs(recs), [BASE * (1 + 0.1 * i) ** -0.5 for i in range(N)])


def test_cosine_annealing(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='CosineAnnealing', min_lr_ratio=0.01, by_epoch=False))
    close(lrs(recs), [cos_anneal(BASE, BASE * 0.01, i / N) for i in range(N)])
    recs = run_schedule(tmp_path, dict(policy='CosineAnnealing', min_lr=0.003, by_epoch=False, warmup='linear',
                                       warmup_iters=3, warmup_ratio=0.1))
    expected = []
    for i in range(N):
        reg = cos_anneal(BASE, 0.003, i / N)
        expected.append(reg * (1 - (1 - i / 3) * 0.9) if i < 3 else reg)
    close(lrs(recs), expected)


def test_cosine_needs_exactly_one_min(tmp_path):
    with pytest.raises(ValueError, match='exactly one'):
        run_schedule(tmp_path, dict(policy='CosineAnnealing', by_epoch=False))


def test_flat_cosine_annealing(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='FlatCosineAnnealing', start_percent=0.5, min_lr=0.0,
                                       by_epoch=False))
    close(lrs(recs), [BASE if i < 5 else cos_anneal(BASE, 0.0, (i - 5) / 5) for i in range(N)])


def test_cosine_restart(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='CosineRestart', periods=[4, 6], restart_weights=[1, 0.5],
                                       min_lr=0.01, by_epoch=False))
    expected = [cos_anneal(BASE, 0.01, i / 4, 1) if i < 4 else cos_anneal(BASE, 0.01, (i - 4) / 6, 0.5)
                for i in range(N)]
    close(lrs(recs), expected)


def test_cosine_restart_beyond_periods_raises(tmp_path):
    with pytest.raises(ValueError, match='exceeds cumulative_periods'):
        run_schedule(tmp_path, dict(policy='CosineRestart', periods=[4], restart_weights=[1], min_lr=0.,
                                    by_epoch=False))


def test_cyclic(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=1,
                                       step_ratio_up=0.4))
    expected = [cos_anneal(BASE, BASE * 10, i / 4) if i < 4 else cos_anneal(BASE * 10, BASE * 1e-4, (i - 4) / 6)
                for i in range(N)]
    close(lrs(recs), expected)


def test_cyclic_linear_with_gamma(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=2,
                                       step_ratio_up=0.4, anneal_strategy='linear', gamma=0.5))
    expected = []
    for i in range(N):
        cur, cycle = i % 5, i // 5
        scale = 0.5 ** cycle
        if cur < 2:
            start, end, f = 1, 1 - scale + 10 * scale, cur / 2
        else:
            start, end, f = 1 - scale + 10 * scale, 1e-4, (cur - 2) / 3
        expected.append(BASE * start + (BASE * end - BASE * start) * f)
    close(lrs(recs), expected)


def test_one_cycle(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='OneCycle', max_lr=0.5, pct_start=0.3))
    base = 0.5 / 25
    expected = [cos_anneal(base, 0.5, i / 2) if i <= 2 else cos_anneal(0.5, base / 1e4, (i - 2) / 7)
                for i in range(N)]
    close(lrs(recs), expected)
    assert lrs(recs)[0] == pytest.approx(0.02)


def test_one_cycle_three_phase(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='OneCycle', max_lr=0.5, pct_start=0.3, three_phase=True,
                                       anneal_strategy='linear'))
    base = 0.5 / 25

    def lin(a, b, f):
        return a + (b - a) * f

    expected = []
    for i in range(N):
        if i <= 2:
            expected.append(lin(base, 0.5, i / 2))
        elif i <= 4:
            expected.append(lin(0.5, base, (i - 2) / 2))
        else:
            expected.append(lin(base, base / 1e4, (i - 4) / 5))
    close(lrs(recs), expected)


def test_linear_annealing(tmp_path):
    recs = run_schedule(tmp_path, dict(policy='LinearAnnealing', min_lr=0.0, by_epoch=False))
    close(lrs(recs), [BASE * (1 - i / N) for i in range(N)])


def test_bad_warmup_type(tmp_path):
    with pytest.raises(ValueError, match='not a supported type for warming up'):
        run_schedule(tmp_path, dict(policy='fixed', warmup='cubic', warmup_iters=2))


def test_unknown_policy_names_registry(tmp_path):
    with pytest.raises(KeyError, match='StepsLrUpdaterHook'):
        run_schedule(tmp_path, dict(policy='steps', step=[2]))
