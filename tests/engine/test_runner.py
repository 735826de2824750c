"""Runners and hooks on toy models: hook order, checkpoints, logs, NaN stop, save_best, EMA, fp16, load_from."""
import json
import logging
import os
import re

import pytest
import torch

from workbench.engine import (CheckInvalidLossHook, EpochBasedRunner, EvalHook, Hook, IterBasedRunner, Priority,
                              build_runner, find_latest_checkpoint, get_priority)
from workbench.registry import RUNNER_BUILDERS

from .helpers import QUIET, toy_runner
from .toy import RecordHook, ToyModel, make_loader


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def capture_logger(name):
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    cap = _Capture()
    logger.addHandler(cap)
    return logger, cap


# -- priorities and hook registration -------------------------------------------------------------------------------
def test_get_priority():
    assert get_priority('very_low') == 90 and get_priority(Priority.HIGH) == 30 and get_priority(7) == 7
    with pytest.raises(ValueError, match='between 0 and 100'):
        get_priority(101)
    with pytest.raises(ValueError, match='unknown priority'):
        get_priority('URGENT')


def test_register_hook_order(tmp_path):
    runner = toy_runner(tmp_path, max_iters=1)
    hooks = [Hook() for _ in range(5)]
    runner.register_hook(hooks[0], 'LOW')
    runner.register_hook(hooks[1], 'HIGH')
    runner.register_hook(hooks[2], 'LOW')
    runner.register_hook(hooks[3], 0)
    runner.register_hook(hooks[4], Priority.NORMAL)
    assert runner.hooks == [hooks[3], hooks[1], hooks[4], hooks[0], hooks[2]]
    with pytest.raises(ValueError, match='reserved'):
        runner.register_hook(hooks[0])


def test_register_training_hooks_default_priorities(tmp_path):
    runner = toy_runner(tmp_path, max_iters=1)
    runner.register_training_hooks(
        lr_config=dict(policy='step', step=[1]), optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1), log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]),
        momentum_config=dict(policy='step', step=[1]),
        custom_hooks_config=[dict(type='EmptyCacheHook', priority='NORMAL'), dict(type='CheckInvalidLossHook',
                                                                                   priority='HIGHEST')])
    names = [(type(h).__name__, h.priority) for h in runner.hooks]
    assert names == [('CheckInvalidLossHook', 0), ('StepLrUpdaterHook', 10), ('StepMomentumUpdaterHook', 30),
                     ('OptimizerHook', 40), ('CheckpointHook', 50), ('EmptyCacheHook', 50), ('IterTimerHook', 70),
                     ('TextLoggerHook', 90)]
    assert 'before_train_iter:' in runner.get_hook_info()


def test_build_runner_and_constructor(tmp_path):
    model = ToyModel()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    runner = build_runner(dict(type='EpochBasedRunner', max_epochs=3),
                          default_args=dict(model=model, optimizer=opt, work_dir=str(tmp_path), logger=QUIET))
    assert isinstance(runner, EpochBasedRunner) and runner.max_epochs == 3

    @RUNNER_BUILDERS.register_module(force=True)
    class TagConstructor:
        def __init__(self, runner_cfg, default_args=None):
            self.runner_cfg, self.default_args = runner_cfg, default_args

        def __call__(self):
            from workbench.registry import RUNNERS
            r = RUNNERS.build(self.runner_cfg, default_args=self.default_args)
            r.tag = 'custom'
            return r

    r2 = build_runner(dict(type='IterBasedRunner', max_iters=5, constructor='TagConstructor'),
                      default_args=dict(model=model, optimizer=opt, logger=QUIET))
    assert isinstance(r2, IterBasedRunner) and r2.tag == 'custom'
    with pytest.raises(ValueError, match='Only one of'):
        EpochBasedRunner(model, optimizer=opt, logger=QUIET, max_epochs=1, max_iters=1)
    with pytest.raises(TypeError, match='train_step'):
        EpochBasedRunner(torch.nn.Linear(1, 1), logger=QUIET, max_epochs=1)


# -- the loops and checkpoints ------------------------------------------------------------------------------------------
def test_epoch_runner_counts_and_checkpoints(tmp_path):
    runner = toy_runner(tmp_path, 'EpochBasedRunner', max_epochs=2)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(), checkpoint_config=dict(interval=1))
    rec = RecordHook()
    runner.register_hook(rec, 'LOWEST')
    runner.run([make_loader()], [('train', 1)])
    assert runner.epoch == 2 and runner.iter == 8
    assert [r['iter'] for r in rec.records] == list(range(8))
    assert os.path.islink(tmp_path / 'latest.pth') and os.readlink(tmp_path / 'latest.pth') == 'epoch_2.pth'
    meta = torch.load(tmp_path / 'epoch_1.pth', weights_only=True)['meta']
    assert meta['epoch'] == 1 and meta['iter'] == 4
    assert torch.load(tmp_path / 'latest.pth', weights_only=True)['meta']['epoch'] == 2


def test_workflow_with_val(tmp_path):
    runner = toy_runner(tmp_path, 'EpochBasedRunner', max_epochs=2)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict())
    modes = []

    class ModeHook(Hook):
        def after_train_epoch(self, r):
            modes.append('train')

        def after_val_epoch(self, r):
            modes.append('val')

    runner.register_hook(ModeHook())
    runner.run([make_loader(), make_loader(n=4)], [('train', 1), ('val', 1)])
    assert modes == ['train', 'val', 'train', 'val']
    with pytest.raises(ValueError, match='one loader per phase'):
        runner.run([make_loader()], [('train', 1), ('val', 1)])


def test_iter_runner_max_keep_ckpts(tmp_path):
    runner = toy_runner(tmp_path, max_iters=8)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=2, by_epoch=False, max_keep_ckpts=2))
    runner.run([make_loader()], [('train', 1)])
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_6.pth', 'iter_8.pth', 'latest.pth']
    meta = torch.load(tmp_path / 'iter_6.pth', weights_only=True)['meta']
    assert meta['iter'] == 6
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'latest.pth')
    os.remove(tmp_path / 'latest.pth')
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_8.pth')
    with pytest.warns(UserWarning, match='does not exist'):
        assert find_latest_checkpoint(str(tmp_path / 'missing')) is None


def test_checkpoint_hook_out_dir(tmp_path):
    work = tmp_path / 'exp_a'
    runner = toy_runner(work, max_iters=2)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=2, by_epoch=False, out_dir=str(tmp_path / 'o')))
    runner.run([make_loader()], [('train', 1)])
    assert (tmp_path / 'o' / 'exp_a' / 'iter_2.pth').is_file()


# -- logging -------------------------------------------------------------------------------------------------------
LINE_EPOCH = re.compile(r'^Epoch \[(\d+)\]\[(\d+)/4\]\tlr: 1\.000e-01, eta: \d+:\d\d:\d\d, time: \d+\.\d{3}, '
                        r'data_time: \d+\.\d{3}, (memory: \d+, )?loss_a: \d+\.\d{4}, loss_b: \d+\.\d{4}, '
                        r'loss: \d+\.\d{4}, grad_norm: \d+\.\d{4}$')


def test_text_logger_line_and_json(tmp_path):
    logger, cap = capture_logger('workbench.tests.textlog')
    torch.manual_seed(0)
    model = ToyModel()
    runner = EpochBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), work_dir=str(tmp_path),
                              logger=logger, meta=dict(seed=0, exp_name='toy.py'), max_epochs=2)
    runner.register_training_hooks(lr_config=dict(policy='fixed'), optimizer_config=dict(grad_clip=dict(max_norm=10)),
                                   log_config=dict(interval=2, hooks=[dict(type='TextLoggerHook')]))
    rec = RecordHook()
    runner.register_hook(rec, 'LOWEST')
    runner.run([make_loader()], [('train', 1)])
    lines = [l for l in cap.lines if l.startswith('Epoch [')]
    assert len(lines) == 4, cap.lines
    for line in lines:
        assert LINE_EPOCH.match(line), repr(line)
    assert [LINE_EPOCH.match(l).groups()[:2] for l in lines] == [('1', '2'), ('1', '4'), ('2', '2'), ('2', '4')]
    assert any(l == 'Exp name: toy.py' for l in cap.lines)

    json_lines = (tmp_path / f'{runner.timestamp}.log.json').read_text().splitlines()
    first = json.loads(json_lines[0])
    assert first == {'seed': 0, 'exp_name': 'toy.py'}
    entries = [json.loads(l) for l in json_lines[1:]]
    assert [list(e)[:4] for e in entries] == [['mode', 'epoch', 'iter', 'lr']] * 4
    assert entries[0]['mode'] == 'train' and entries[0]['epoch'] == 1 and entries[0]['iter'] == 2
    assert list(entries[0])[4:] == ['data_time', 'loss_a', 'loss_b', 'loss', 'grad_norm', 'time']
    # the logged loss is the average over the interval, rounded to 5 decimals
    expected = round((rec.records[0]['loss'] + rec.records[1]['loss']) / 2, 5)
    assert entries[0]['loss'] == pytest.approx(expected, abs=1e-5)


def test_iter_logger_line(tmp_path):
    logger, cap = capture_logger('workbench.tests.iterlog')
    torch.manual_seed(0)
    model = ToyModel()
    runner = IterBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.02), work_dir=str(tmp_path),
                             logger=logger, max_iters=4)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   log_config=dict(interval=2, hooks=[dict(type='TextLoggerHook', by_epoch=False),
                                                                      dict(type='TensorboardLoggerHook')]))
    runner.run([make_loader()], [('train', 1)])
    lines = [l for l in cap.lines if l.startswith('Iter [')]
    assert [l.split('\t')[0] for l in lines] == ['Iter [2/4]', 'Iter [4/4]']
    assert lines[0].split('\t')[1].startswith('lr: 2.000e-02, eta: ')
    assert list((tmp_path / 'tf_logs').glob('events.out.tfevents.*'))


# -- stopping on NaN -------------------------------------------------------------------------------------------------
def test_nan_loss_stops_with_message(tmp_path):
    torch.manual_seed(0)
    model = ToyModel(nan_at=3)
    runner = toy_runner(tmp_path, max_iters=10, model=model)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict())
    runner.register_hook(CheckInvalidLossHook(interval=1), 'HIGH')
    before = None

    class Snap(Hook):
        def before_train_iter(self, r):
            nonlocal before
            before = {k: v.clone() for k, v in r.model.state_dict().items()}

    runner.register_hook(Snap())
    with pytest.raises(FloatingPointError) as err:
        runner.run([make_loader()], [('train', 1)])
    msg = str(err.value)
    assert msg.startswith('iteration 3: loss is nan')
    assert 'loss_a=nan' in msg and 'loss_b=' in msg and 'non-finite terms: loss_a' in msg
    assert runner.iter == 2
    # HIGH priority: stopped before the optimizer stepped on the NaN gradients
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, before[k]) and torch.isfinite(v).all()


# -- evaluation and save_best ---------------------------------------------------------------------------------------
def test_save_best_greater(tmp_path):
    runner = toy_runner(tmp_path, 'EpochBasedRunner', max_epochs=3)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict())
    val_loader = make_loader(n=4, scores=[0.3, 0.5, 0.4])
    hook = EvalHook(val_loader, interval=1, save_best='auto')
    runner.register_hook(hook, 'LOW')
    with pytest.warns(UserWarning, match='runner.meta is None'):  # toy runner has no meta, as mmcv warns
        runner.run([make_loader()], [('train', 1)])
    assert hook.rule == 'greater' and hook.key_indicator == 'acc'
    assert sorted(p.name for p in tmp_path.glob('best_*.pth')) == ['best_acc_epoch_2.pth']
    assert runner.meta['hook_msgs']['best_score'] == 0.5
    assert runner.meta['hook_msgs']['best_ckpt'] == str(tmp_path / 'best_acc_epoch_2.pth')
    assert val_loader.dataset.eval_calls == 3


def test_save_best_less_inferred_and_interval_start(tmp_path):
    runner = toy_runner(tmp_path, 'EpochBasedRunner', max_epochs=4)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict())
    val_loader = make_loader(n=4)
    hook = EvalHook(val_loader, interval=2, start=1, save_best='mae_loss')
    runner.register_hook(hook, 'LOW')
    with pytest.warns(UserWarning, match='runner.meta is None'):  # toy runner has no meta, as mmcv warns
        runner.run([make_loader()], [('train', 1)])
    assert hook.rule == 'less'
    assert val_loader.dataset.eval_calls == 2  # epochs 1 and 3 (start=1, interval 2)
    assert len(list(tmp_path.glob('best_mae_loss_epoch_*.pth'))) == 1
    with pytest.raises(ValueError, match='Cannot infer the rule'):
        EvalHook(val_loader, save_best='weird_metric')
    with pytest.raises(KeyError, match='rule must be greater, less or None'):
        EvalHook(val_loader, save_best='acc', rule='bigger')


def test_num_class_check(tmp_path):
    from workbench.engine import NumClassCheckHook
    model = ToyModel()
    model.head = torch.nn.Module()
    model.head.num_classes = 3
    runner = toy_runner(tmp_path, 'EpochBasedRunner', max_epochs=1, model=model)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict())
    runner.register_hook(NumClassCheckHook())
    with pytest.raises(ValueError, match=r'`num_classes` \(3\).*length of `CLASSES` 2'):
        runner.run([make_loader()], [('train', 1)])


def test_memory_profiler_and_empty_cache_hooks(tmp_path):
    logger, cap = capture_logger('workbench.tests.mem')
    torch.manual_seed(0)
    model = ToyModel()
    runner = IterBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), logger=logger,
                             work_dir=str(tmp_path), max_iters=2)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   custom_hooks_config=[dict(type='MemoryProfilerHook', interval=1),
                                                        dict(type='EmptyCacheHook', after_iter=True)])
    runner.run([make_loader()], [('train', 1)])
    mem = [l for l in cap.lines if l.startswith('Memory information')]
    assert len(mem) == 2 and 'current_process_memory:' in mem[0]


# -- optimizer hooks -------------------------------------------------------------------------------------------------
def test_gradient_cumulative_equals_bigger_batch(tmp_path):
    def train(batch, cfg):
        torch.manual_seed(0)
        model = ToyModel()
        runner = toy_runner(tmp_path / f'b{batch}', max_iters=8 // batch * 2, model=model, momentum=0.0)
        runner.register_training_hooks(lr_config=None, optimizer_config=cfg)
        runner.run([make_loader(batch_size=batch)], [('train', 1)])
        return model.state_dict()

    a = train(4, dict(type='OptimizerHook'))
    b = train(2, dict(type='GradientCumulativeOptimizerHook', cumulative_iters=2))
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)


def test_load_from_loads_weights_only(tmp_path):
    runner = toy_runner(tmp_path / 'a', max_iters=4)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=4, by_epoch=False))
    runner.run([make_loader()], [('train', 1)])
    fresh = toy_runner(tmp_path / 'b', max_iters=4, seed=1)
    fresh.load_checkpoint(str(tmp_path / 'a' / 'iter_4.pth'))
    assert fresh.iter == 0 and fresh.epoch == 0
    assert not fresh.optimizer.state  # optimizer untouched
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, fresh.model.state_dict()[k])
    with pytest.raises(KeyError, match='meta.epoch'):
        torch.save(runner.model.state_dict(), tmp_path / 'bare.pth')
        fresh.resume(str(tmp_path / 'bare.pth'))


def test_ema_hook_formula(tmp_path):
    from workbench.engine import EMAHook
    torch.manual_seed(0)
    model = ToyModel()
    init = {k: v.clone() for k, v in model.named_parameters()}
    runner = toy_runner(tmp_path, max_iters=1, model=model)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict())
    runner.register_hook(EMAHook(momentum=0.2, warm_up=1), 'NORMAL')
    runner.run([make_loader()], [('train', 1)])
    # iteration 0: m = min(0.2, (1 + 0) / (1 + 0)) = 0.2
    for name, p in model.named_parameters():
        ema = getattr(model, 'ema_' + name.replace('.', '_'))
        torch.testing.assert_close(ema, 0.8 * init[name] + 0.2 * p.detach(), rtol=0, atol=1e-7)


def test_publish_model_cli(tmp_path, capsys):
    from workbench.cli import main
    runner = toy_runner(tmp_path, max_iters=2)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=2, by_epoch=False))
    runner.run([make_loader()], [('train', 1)])
    status = main(['publish-model', str(tmp_path / 'latest.pth'), str(tmp_path / 'toy.pth')])
    assert status in (0, None)
    out = capsys.readouterr().out.strip()
    assert re.fullmatch(re.escape(str(tmp_path / 'toy-')) + r'[0-9a-f]{8}\.pth', out)
    ck = torch.load(out, weights_only=True)
    assert 'optimizer' not in ck and 'rng_state' not in ck


def test_iter_runner_defaults_hooks_to_by_iteration(tmp_path):
    runner = toy_runner(tmp_path, max_iters=4)
    cfg = dict(policy='step', step=[2])
    runner.register_training_hooks(lr_config=cfg, optimizer_config=dict(), checkpoint_config=dict(interval=2),
                                   log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
    assert 'by_epoch' not in cfg  # the caller's config is not modified
    by_epoch = {type(h).__name__: h.by_epoch for h in runner.hooks if hasattr(h, 'by_epoch')}
    assert by_epoch == {'StepLrUpdaterHook': False, 'CheckpointHook': False, 'TextLoggerHook': False}
    rec = RecordHook()
    runner.register_hook(rec, 'LOWEST')
    runner.run([make_loader()], [('train', 1)])
    assert [r['lr'] for r in rec.records] == [0.1, 0.1, pytest.approx(0.01), pytest.approx(0.01)]
    assert (tmp_path / 'iter_2.pth').is_file() and (tmp_path / 'iter_4.pth').is_file()


def test_gradient_cumulative_fp16_on_cpu(tmp_path):
    torch.manual_seed(0)
    model = ToyModel()
    runner = toy_runner(tmp_path, max_iters=4, model=model, momentum=0.0)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(
        type='GradientCumulativeFp16OptimizerHook', cumulative_iters=2, loss_scale=512.))
    seen = []

    class Watch(Hook):
        def before_train_iter(self, r):
            seen.append(model.fc1.weight.detach().clone())

    dtypes = []
    model.fc1.register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    runner.register_hook(Watch())
    runner.run([make_loader()], [('train', 1)])
    assert runner.autocast_kwargs == dict(device_type='cpu', dtype=torch.bfloat16)
    assert set(dtypes) == {torch.bfloat16}
    # weights move only after every second iteration
    assert torch.equal(seen[0], seen[1]) and not torch.equal(seen[1], seen[2]) and torch.equal(seen[2], seen[3])
    assert runner.meta['fp16']['loss_scaler']['scale'] == 512.


def test_eval_dynamic_intervals_and_iter_eval(tmp_path):
    runner = toy_runner(tmp_path, max_iters=10)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
    val_loader = make_loader(n=4)
    evaluated_at = []
    real = val_loader.dataset.evaluate

    def evaluate(results, logger=None, **kw):
        evaluated_at.append(runner.iter + 1)
        return real(results, logger=logger, **kw)

    val_loader.dataset.evaluate = evaluate
    # every 4 iterations, every 2 once past iteration 6 (mmdet's dynamic_intervals)
    runner.register_hook(EvalHook(val_loader, interval=4, by_epoch=False, dynamic_intervals=[(6, 2)]), 'LOW')
    runner.run([make_loader()], [('train', 1)])
    assert evaluated_at == [4, 6, 8, 10]
    lines = (tmp_path / f'{runner.timestamp}.log.json').read_text().splitlines()
    val_entries = [json.loads(l) for l in lines if '"mode": "val"' in l]
    assert len(val_entries) == 4 and all('mae_loss' in e and e['iter'] == 2 for e in val_entries)
