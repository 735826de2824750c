"""resume_from continues exactly: N iterations straight == N/2, resume, N/2 more (bitwise on CPU).

The toy model has dropout (torch RNG), the loader shuffles (torch RNG), the dataset draws numpy/python randomness,
the lr schedule has warmup and a step, and EMA / fp16 scaler state must carry over too.
"""
import random

import numpy as np
import pytest
import torch

from workbench.engine import EpochBasedRunner, EvalHook, IterBasedRunner, build_optimizer, set_random_seed

from .helpers import QUIET
from .toy import RecordHook, ToyDataset, ToyModel, make_loader


class NoisyDataset(ToyDataset):
    """Adds numpy and python randomness per sample, like augmentation pipelines do."""

    def __getitem__(self, i):
        item = super().__getitem__(i)
        noise = float(np.random.randn()) * 0.01 + random.random() * 0.01
        return dict(x=item['x'] + noise, y=item['y'])


def _train(work_dir, runner_type, length, ckpt_interval, resume_from=None, ema=True, fp16=False, with_eval=False):
    set_random_seed(0)
    model = ToyModel(dropout=0.3, bn=True)
    optimizer = build_optimizer(model, dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
    by_epoch = runner_type == 'EpochBasedRunner'
    kwargs = dict(max_epochs=length) if by_epoch else dict(max_iters=length)
    cls = EpochBasedRunner if by_epoch else IterBasedRunner
    runner = cls(model, optimizer=optimizer, work_dir=str(work_dir), logger=QUIET, meta=dict(seed=0), **kwargs)
    optimizer_config = dict(grad_clip=dict(max_norm=1.0))
    if fp16:
        optimizer_config = dict(type='Fp16OptimizerHook', loss_scale=dict(init_scale=2. ** 8, growth_interval=2),
                                **optimizer_config)
    custom = [dict(type='ExpMomentumEMAHook', momentum=0.01, priority=49)] if ema else None
    runner.register_training_hooks(
        lr_config=dict(policy='step', step=[7] if not by_epoch else [2], warmup='linear', warmup_iters=3,
                       warmup_ratio=0.1, by_epoch=by_epoch),
        optimizer_config=optimizer_config,
        checkpoint_config=dict(interval=ckpt_interval, by_epoch=by_epoch),
        log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook', by_epoch=by_epoch)]),
        custom_hooks_config=custom)
    if with_eval:
        runner.register_hook(EvalHook(make_loader(n=4, batch_size=2), interval=1, by_epoch=by_epoch), 'LOW')
    rec = RecordHook()
    runner.register_hook(rec, 'LOWEST')
    if resume_from is not None:
        runner.resume(resume_from)
    loader = torch.utils.data.DataLoader(NoisyDataset(n=8), batch_size=2, shuffle=True)
    runner.run([loader], [('train', 1)])
    return runner, rec.records


def _assert_same(straight, resumed_runner, tail_records, straight_records):
    runner, _ = straight
    n_tail = len(tail_records)
    assert [r['iter'] for r in tail_records] == [r['iter'] for r in straight_records[-n_tail:]]
    assert [r['lr'] for r in tail_records] == [r['lr'] for r in straight_records[-n_tail:]]
    assert [r['loss'] for r in tail_records] == [r['loss'] for r in straight_records[-n_tail:]]
    sd_a, sd_b = runner.model.state_dict(), resumed_runner.model.state_dict()
    assert list(sd_a) == list(sd_b)
    for k in sd_a:
        assert torch.equal(sd_a[k], sd_b[k]), k
    opt_a, opt_b = runner.optimizer.state_dict(), resumed_runner.optimizer.state_dict()
    for pid, st in opt_a['state'].items():
        assert torch.equal(st['momentum_buffer'], opt_b['state'][pid]['momentum_buffer'])
    assert runner.iter == resumed_runner.iter and runner.epoch == resumed_runner.epoch


@pytest.mark.parametrize('half', [6, 4])  # mid-epoch (4 batches per epoch) and at an epoch boundary
def test_iter_based_resume_is_exact(tmp_path, half):
    straight = _train(tmp_path / 'straight', 'IterBasedRunner', 2 * half, ckpt_interval=100)
    _train(tmp_path / 'part', 'IterBasedRunner', half, ckpt_interval=100)  # save_last writes iter_{half}.pth
    resumed, tail = _train(tmp_path / 'part', 'IterBasedRunner', 2 * half, ckpt_interval=100,
                           resume_from=str(tmp_path / 'part' / f'iter_{half}.pth'))
    assert len(tail) == half
    _assert_same(straight, resumed, tail, straight[1])
    assert any(k.startswith('ema_') for k in resumed.model.state_dict())


def test_epoch_based_resume_is_exact_with_eval(tmp_path):
    straight = _train(tmp_path / 'straight', 'EpochBasedRunner', 4, ckpt_interval=1, with_eval=True)
    resumed, tail = _train(tmp_path / 'resumed', 'EpochBasedRunner', 4, ckpt_interval=1, with_eval=True,
                           resume_from=str(tmp_path / 'straight' / 'epoch_2.pth'))
    assert len(tail) == 8
    _assert_same(straight, resumed, tail, straight[1])


def test_fp16_scaler_state_resumes(tmp_path):
    straight = _train(tmp_path / 'straight', 'IterBasedRunner', 8, ckpt_interval=100, fp16=True, ema=False)
    _train(tmp_path / 'part', 'IterBasedRunner', 4, ckpt_interval=100, fp16=True, ema=False)
    ck = torch.load(tmp_path / 'part' / 'iter_4.pth', weights_only=True)
    saved_scale = ck['meta']['fp16']['loss_scaler']['scale']
    assert saved_scale != 2. ** 8  # the scaler grew (growth_interval=2), so its state matters
    resumed, tail = _train(tmp_path / 'part', 'IterBasedRunner', 8, ckpt_interval=100, fp16=True, ema=False,
                           resume_from=str(tmp_path / 'part' / 'iter_4.pth'))
    _assert_same(straight, resumed, tail, straight[1])
    assert resumed.meta['fp16']['loss_scaler']['scale'] == straight[0].meta['fp16']['loss_scaler']['scale']


def test_auto_resume_picks_latest(tmp_path):
    from workbench.engine import find_latest_checkpoint
    _train(tmp_path, 'IterBasedRunner', 6, ckpt_interval=2, ema=False)
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'latest.pth')
    assert torch.load(find_latest_checkpoint(str(tmp_path)), weights_only=True)['meta']['iter'] == 6
