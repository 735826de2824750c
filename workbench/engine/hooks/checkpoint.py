"""CheckpointHook (mmcv 1.x): save every ``interval`` epochs/iterations (and at the end with ``save_last``),
keep at most ``max_keep_ckpts``; files are written atomically by ``runner.save_checkpoint``."""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional

from workbench.registry import HOOKS

from ..dist_utils import allreduce_params, master_only
from .hook import Hook


@HOOKS.register_module()
class CheckpointHook(Hook):
    """
    Args:
        interval: period in epochs (``by_epoch``) or iterations; -1 never (except ``save_last``).
        save_optimizer: include the optimizer state (needed to resume).
        out_dir: save under ``out_dir/<last folder of work_dir>`` instead of work_dir.
        max_keep_ckpts: delete older periodic checkpoints beyond this many; -1 keeps all.
        save_last: always save at the last epoch/iteration.
        sync_buffer: average buffers (BN statistics) over ranks before saving.
        **kwargs: passed to ``runner.save_checkpoint`` (``filename_tmpl``, ``meta``, ``create_symlink``).
    """

    def __init__(self, interval: int = -1, by_epoch: bool = True, save_optimizer: bool = True,
                 out_dir: Optional[str] = None, max_keep_ckpts: int = -1, save_last: bool = True,
                 sync_buffer: bool = False, file_client_args=None, **kwargs):
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.out_dir = out_dir
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.args = kwargs
        self.sync_buffer = sync_buffer
        if file_client_args is not None:
            raise ValueError('file_client_args (remote storage backends) is not supported; use a local out_dir')

    def before_run(self, runner):
        if not self.out_dir:
            self.out_dir = runner.work_dir
        elif self.out_dir != runner.work_dir:
            basename = osp.basename(runner.work_dir.rstrip(osp.sep))
            self.out_dir = osp.join(self.out_dir, basename)
        runner.logger.info(f'Checkpoints will be saved to {self.out_dir}.')

    def after_train_epoch(self, runner):
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval) or (self.save_last and self.is_last_epoch(runner)):
            runner.logger.info(f'Saving checkpoint at {runner.epoch + 1} epochs')
            if self.sync_buffer:
                allreduce_params(runner.model.buffers())
            self._save_checkpoint(runner)

    def after_train_iter(self, runner):
        if self.by_epoch:
            return
        if self.every_n_iters(runner, self.interval) or (self.save_last and self.is_last_iter(runner)):
            runner.logger.info(f'Saving checkpoint at {runner.iter + 1} iterations')
            if self.sync_buffer:
                allreduce_params(runner.model.buffers())
            self._save_checkpoint(runner)

    @master_only
    def _save_checkpoint(self, runner):
        runner.save_checkpoint(self.out_dir, save_optimizer=self.save_optimizer, **self.args)
        if self.by_epoch:
            name, current = 'epoch_{}.pth', runner.epoch + 1
        else:
            name, current = 'iter_{}.pth', runner.iter + 1
        tmpl = self.args.get('filename_tmpl', name)
        if runner.meta is not None:
            runner.meta.setdefault('hook_msgs', dict())
            runner.meta['hook_msgs']['last_ckpt'] = osp.join(self.out_dir, tmpl.format(current))
        if self.max_keep_ckpts > 0:
            step = self.interval if self.interval > 0 else 1
            for old in range(current - self.max_keep_ckpts * step, 0, -step):
                path = osp.join(self.out_dir, tmpl.format(old))
                if osp.isfile(path):
                    os.remove(path)
                else:
                    break
