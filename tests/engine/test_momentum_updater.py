"""Momentum policies against their closed-form formulas (mmcv 1.x)."""
import math

import pytest

from .helpers import run_schedule

N = 10
M = 0.9


def cos_anneal(start, end, f):
    return end + 0.5 * (start - end) * (math.cos(math.pi * f) + 1)


def moms(recs):
    return [r['momentum'] for r in recs]


def close(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == pytest.approx(y, rel=1e-12), f'iteration {i}: {x} != {y}'


def test_step_momentum_with_warmup(tmp_path):
    recs = run_schedule(tmp_path, momentum_config=dict(policy='step', step=[4], gamma=0.5, by_epoch=False,
                                                       warmup='linear', warmup_iters=2, warmup_ratio=0.9))
    expected = []
    for i in range(N):
        reg = M * (0.5 if i >= 4 else 1)
        expected.append(reg / (1 - (1 - i / 2) * 0.1) if i < 2 else reg)
    close(moms(recs), expected)


def test_cosine_momentum(tmp_path):
    recs = run_schedule(tmp_path, momentum_config=dict(policy='CosineAnnealing', min_momentum_ratio=0.5,
                                                       by_epoch=False))
    close(moms(recs), [cos_anneal(M, M * 0.5, i / N) for i in range(N)])


def test_cyclic_momentum(tmp_path):
    recs = run_schedule(tmp_path, momentum_config=dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1),
                                                       cyclic_times=1, step_ratio_up=0.4))
    r0 = 0.85 / 0.95
    expected = [cos_anneal(M, M * r0, i / 4) if i < 4 else cos_anneal(M * r0, M, (i - 4) / 6) for i in range(N)]
    close(moms(recs), expected)


def test_one_cycle_momentum_adam_betas(tmp_path):
    recs = run_schedule(tmp_path, lr_config=dict(policy='OneCycle', max_lr=0.01),
                        momentum_config=dict(policy='OneCycle', base_momentum=0.85, max_momentum=0.95),
                        optimizer=dict(type='Adam', lr=0.01))
    expected = [cos_anneal(0.95, 0.85, i / 2) if i <= 2 else cos_anneal(0.85, 0.95, (i - 2) / 7)
                for i in range(N)]
    close(moms(recs), expected)
