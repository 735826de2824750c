"""Building toy runners for engine tests."""
import logging

import torch

from workbench.engine import EpochBasedRunner, IterBasedRunner, build_optimizer

from .toy import RecordHook, ToyModel, make_loader

QUIET = logging.getLogger('workbench.tests.quiet')
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def toy_runner(tmp_path, runner_type='IterBasedRunner', max_iters=None, max_epochs=None, lr=0.1, momentum=0.9,
               optimizer=None, model=None, seed=0, meta=None):
    torch.manual_seed(seed)
    model = model if model is not None else ToyModel()
    optim_cfg = optimizer or dict(type='SGD', lr=lr, momentum=momentum)
    opt = build_optimizer(model, optim_cfg)
    cls = IterBasedRunner if runner_type == 'IterBasedRunner' else EpochBasedRunner
    runner = cls(model, optimizer=opt, work_dir=str(tmp_path), logger=QUIET, meta=meta,
                 max_iters=max_iters, max_epochs=max_epochs)
    return runner


def run_schedule(tmp_path, lr_config=None, momentum_config=None, runner_type='IterBasedRunner', max_iters=10,
                 max_epochs=None, n=8, batch_size=2, lr=0.1, optimizer=None):
    """Train a toy model and return the per-iteration records (lr, momentum used by each iteration)."""
    runner = toy_runner(tmp_path, runner_type, max_iters=None if max_epochs else max_iters, max_epochs=max_epochs,
                        lr=lr, optimizer=optimizer)
    runner.register_training_hooks(lr_config=lr_config, optimizer_config=dict(grad_clip=None),
                                   momentum_config=momentum_config)
    rec = RecordHook()
    runner.register_hook(rec, priority='LOWEST')
    runner.run([make_loader(n=n, batch_size=batch_size)], [('train', 1)])
    return rec.records
