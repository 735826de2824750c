"""EvalHook / DistEvalHook (mmcv 1.x + mmdet 2.x): evaluate during training, optionally keep the best checkpoint.

Every ``interval`` epochs (or iterations) the model runs over ``dataloader`` (``single_gpu_test``, or
``multi_gpu_test`` gathering results in dataset order), ``dataset.evaluate(results, **eval_kwargs)`` computes the
metrics, which go to the log buffer (and so to the log lines and log.json). With ``save_best='bbox_mAP'`` (or
'auto' = the first metric returned) the best checkpoint is kept as ``best_<metric>_epoch_N.pth`` (the previous
best is deleted); the rule is 'greater' or 'less', inferred from the metric name when not given. The best score
and path live in ``runner.meta['hook_msgs']`` so a resumed run knows them.
"""
from __future__ import annotations

import bisect
import os
import os.path as osp
import warnings
from math import inf
from typing import Callable, List, Optional

import torch.distributed as dist
from torch.nn.modules.batchnorm import _BatchNorm

from workbench.registry import HOOKS

from ..seeding import get_rng_state, set_rng_state
from .hook import Hook
from .logger import LoggerHook


@HOOKS.register_module()
class EvalHook(Hook):
    rule_map = {'greater': lambda x, y: x > y, 'less': lambda x, y: x < y}
    init_value_map = {'greater': -inf, 'less': inf}
    _default_greater_keys = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU', 'mAcc', 'aAcc']
    _default_less_keys = ['loss']

    def __init__(self, dataloader, start: Optional[int] = None, interval: int = 1, by_epoch: bool = True,
                 save_best: Optional[str] = None, rule: Optional[str] = None, test_fn: Optional[Callable] = None,
                 greater_keys: Optional[List[str]] = None, less_keys: Optional[List[str]] = None,
                 out_dir: Optional[str] = None, file_client_args=None, dynamic_intervals=None, **eval_kwargs):
        if not hasattr(dataloader, 'dataset') or not hasattr(dataloader, '__iter__'):
            raise TypeError(f'dataloader must be a DataLoader (with .dataset), but got {type(dataloader).__name__}')
        if interval <= 0:
            raise ValueError(f'interval must be a positive number, but got {interval}')
        if not isinstance(by_epoch, bool):
            raise TypeError('by_epoch must be a boolean')
        if start is not None and start < 0:
            raise ValueError(f'The evaluation start epoch {start} is smaller than 0')
        if save_best is not None and not isinstance(save_best, str):
            raise TypeError(f'save_best must be a str (a metric name or "auto") or None, got {save_best!r}')
        self.dataloader = dataloader
        self.interval = interval
        self.start = start
        self.by_epoch = by_epoch
        self.save_best = save_best
        self.eval_kwargs = eval_kwargs
        self.initial_flag = True
        if test_fn is None:
            from ..test import single_gpu_test
            test_fn = single_gpu_test
        self.test_fn = test_fn
        self.greater_keys = list(self._default_greater_keys) + list(
            [greater_keys] if isinstance(greater_keys, str) else (greater_keys or []))
        self.less_keys = list(self._default_less_keys) + list(
            [less_keys] if isinstance(less_keys, str) else (less_keys or []))
        self.rule = None
        if self.save_best is not None:
            self.best_ckpt_path = None
            self._init_rule(rule, self.save_best)
        self.out_dir = out_dir
        if file_client_args is not None:
            raise ValueError('file_client_args (remote storage backends) is not supported; use a local out_dir')
        # mmdet: [(milestone, interval), ...] switches the interval once training passes each milestone
        self.dynamic_intervals = None
        if dynamic_intervals:
            pairs = sorted(dynamic_intervals)
            self.dynamic_milestones = [m for m, _ in pairs]
            self.dynamic_intervals = [i for _, i in pairs]

    def _decide_interval(self, runner):
        if self.dynamic_intervals is None:
            return
        current = runner.epoch if self.by_epoch else runner.iter
        step = bisect.bisect(self.dynamic_milestones, current + 1)
        if step > 0:
            self.interval = self.dynamic_intervals[step - 1]

    def _init_rule(self, rule, key_indicator):
        if rule not in self.rule_map and rule is not None:
            raise KeyError(f'rule must be greater, less or None, but got {rule}.')
        if rule is None and key_indicator != 'auto':
            key = key_indicator.lower()
            greater = [k.lower() for k in self.greater_keys]
            less = [k.lower() for k in self.less_keys]
            if key in greater:
                rule = 'greater'
            elif key in less:
                rule = 'less'
            elif any(k in key for k in greater):
                rule = 'greater'
            elif any(k in key for k in less):
                rule = 'less'
            else:
                raise ValueError(f'Cannot infer the rule for key {key_indicator}, thus a specific rule must be '
                                 'specified.')
        self.rule = rule
        self.key_indicator = key_indicator
        if self.rule is not None:
            self.compare_func = self.rule_map[self.rule]

    def before_run(self, runner):
        if not self.out_dir:
            self.out_dir = runner.work_dir
        elif self.out_dir != runner.work_dir:
            self.out_dir = osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
        if self.save_best is not None:
            if runner.meta is None:
                warnings.warn('runner.meta is None. Creating an empty one.')
                runner.meta = dict()
            runner.meta.setdefault('hook_msgs', dict())
            self.best_ckpt_path = runner.meta['hook_msgs'].get('best_ckpt', None)

    def before_train_iter(self, runner):
        self._decide_interval(runner)
        if self.by_epoch or not self.initial_flag:
            return
        if self.start is not None and runner.iter >= self.start:
            self.after_train_iter(runner)
        self.initial_flag = False

    def before_train_epoch(self, runner):
        self._decide_interval(runner)
        if not (self.by_epoch and self.initial_flag):
            return
        if self.start is not None and runner.epoch >= self.start:
            self.after_train_epoch(runner)
        self.initial_flag = False

    def after_train_iter(self, runner):
        if not self.by_epoch and self._should_evaluate(runner):
            # flush the training log first so training and evaluation lines do not mix
            for hook in runner._hooks:
                if isinstance(hook, LoggerHook):
                    hook.after_train_iter(runner)
            runner.log_buffer.clear()
            self._do_evaluate(runner)

    def after_train_epoch(self, runner):
        if self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def _should_evaluate(self, runner) -> bool:
        if self.by_epoch:
            current, check_time = runner.epoch, self.every_n_epochs
        else:
            current, check_time = runner.iter, self.every_n_iters
        if self.start is None:
            return check_time(runner, self.interval)
        if (current + 1) < self.start:
            return False
        return (current + 1 - self.start) % self.interval == 0

    def _do_evaluate(self, runner):
        # evaluation must not shift the training's random stream (a resumed run does not re-evaluate)
        rng_state = get_rng_state()
        try:
            results = self.test_fn(runner.model, self.dataloader)
        finally:
            set_rng_state(rng_state)
        runner.log_buffer.output['eval_iter_num'] = len(self.dataloader)
        key_score = self.evaluate(runner, results)
        if self.save_best and key_score is not None:
            self._save_ckpt(runner, key_score)

    def _save_ckpt(self, runner, key_score):
        if self.by_epoch:
            current, cur_type, cur_time = f'epoch_{runner.epoch + 1}', 'epoch', runner.epoch + 1
        else:
            current, cur_type, cur_time = f'iter_{runner.iter + 1}', 'iter', runner.iter + 1
        best_score = runner.meta['hook_msgs'].get('best_score', self.init_value_map[self.rule])
        if self.compare_func(key_score, best_score):
            best_score = key_score
            runner.meta['hook_msgs']['best_score'] = float(best_score)
            if self.best_ckpt_path and osp.isfile(self.best_ckpt_path):
                os.remove(self.best_ckpt_path)
                runner.logger.info(f'The previous best checkpoint {self.best_ckpt_path} was removed')
            best_ckpt_name = f'best_{self.key_indicator}_{current}.pth'
            self.best_ckpt_path = osp.join(self.out_dir, best_ckpt_name)
            runner.meta['hook_msgs']['best_ckpt'] = self.best_ckpt_path
            runner.save_checkpoint(self.out_dir, filename_tmpl=best_ckpt_name, create_symlink=False)
            runner.logger.info(f'Now best checkpoint is saved as {best_ckpt_name}.')
            runner.logger.info(f'Best {self.key_indicator} is {best_score:0.4f} at {cur_time} {cur_type}.')

    def evaluate(self, runner, results):
        eval_res = self.dataloader.dataset.evaluate(results, logger=runner.logger, **self.eval_kwargs)
        for name, val in eval_res.items():
            runner.log_buffer.output[name] = val
        runner.log_buffer.ready = True
        if self.save_best is None:
            return None
        if not eval_res:
            warnings.warn('Since `eval_res` is an empty dict, the behavior to save the best checkpoint will be '
                          'skipped in this evaluation.')
            return None
        if self.key_indicator == 'auto':
            self._init_rule(self.rule, list(eval_res.keys())[0])
        if self.key_indicator not in eval_res:
            raise KeyError(f'save_best={self.key_indicator!r} is not among the metrics the dataset returned: '
                           f'{list(eval_res)}')
        return eval_res[self.key_indicator]


@HOOKS.register_module()
class DistEvalHook(EvalHook):
    """EvalHook for distributed runs: every rank tests its share, rank 0 evaluates the ordered union.

    Args:
        broadcast_bn_buffer: copy rank 0's BN statistics to all ranks first, so every rank tests the same model.
        tmpdir: folder for the per-rank result files (default ``work_dir/.eval_hook``).
        gpu_collect: gather results through the process group instead of files.
    """

    def __init__(self, dataloader, start=None, interval=1, by_epoch=True, save_best=None, rule=None, test_fn=None,
                 greater_keys=None, less_keys=None, broadcast_bn_buffer=True, tmpdir=None, gpu_collect=False,
                 out_dir=None, file_client_args=None, dynamic_intervals=None, **eval_kwargs):
        if test_fn is None:
            from ..test import multi_gpu_test
            test_fn = multi_gpu_test
        super().__init__(dataloader, start=start, interval=interval, by_epoch=by_epoch, save_best=save_best,
                         rule=rule, test_fn=test_fn, greater_keys=greater_keys, less_keys=less_keys,
                         out_dir=out_dir, file_client_args=file_client_args,
                         dynamic_intervals=dynamic_intervals, **eval_kwargs)
        self.broadcast_bn_buffer = broadcast_bn_buffer
        self.tmpdir = tmpdir
        self.gpu_collect = gpu_collect

    def _do_evaluate(self, runner):
        if self.broadcast_bn_buffer and dist.is_available() and dist.is_initialized():
            for _, module in runner.model.named_modules():
                if isinstance(module, _BatchNorm) and module.track_running_stats:
                    dist.broadcast(module.running_var, 0)
                    dist.broadcast(module.running_mean, 0)
        tmpdir = self.tmpdir if self.tmpdir is not None else osp.join(runner.work_dir, '.eval_hook')
        rng_state = get_rng_state()
        try:
            results = self.test_fn(runner.model, self.dataloader, tmpdir=tmpdir, gpu_collect=self.gpu_collect)
        finally:
            set_rng_state(rng_state)
        if runner.rank == 0:
            print('\n')
            runner.log_buffer.output['eval_iter_num'] = len(self.dataloader)
            key_score = self.evaluate(runner, results)
            if self.save_best and key_score is not None:
                self._save_ckpt(runner, key_score)
