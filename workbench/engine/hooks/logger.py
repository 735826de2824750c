"""Logger hooks (mmcv 1.x): the base ``LoggerHook``, ``TextLoggerHook`` and ``TensorboardLoggerHook``.

TextLoggerHook prints mmdet's lines, e.g.
``Epoch [1][50/7330]\\tlr: 1.000e-02, eta: 1 day, 0:53:30, time: 0.509, data_time: 0.050, memory: 3862, loss_cls:
1.1581, loss_bbox: 0.6540, loss: 1.8121`` (``Iter [50/20000]\\t...`` when by iteration; ``memory`` only with
CUDA), and appends one JSON object per log to ``work_dir/TIMESTAMP.log.json`` (the first holds ``runner.meta``:
env_info, config, seed...), the format mmdet's analyze_logs reads.
"""
from __future__ import annotations

import datetime
import json
import numbers
import os.path as osp
from collections import OrderedDict
from typing import Optional

import numpy as np
import torch
import torch.distributed as dist

from workbench.registry import HOOKS

from .hook import Hook


class LoggerHook(Hook):
    """Averages the log buffer every ``interval`` iterations and calls ``log``.

    Args:
        interval: logging period in iterations.
        ignore_last: skip the partial period at the end of an epoch.
        reset_flag: clear the buffer's output after logging (set on the last logger hook automatically).
        by_epoch: count ``interval`` within the epoch (True) or in global iterations.
    """

    def __init__(self, interval: int = 10, ignore_last: bool = True, reset_flag: bool = False,
                 by_epoch: bool = True):
        self.interval = interval
        self.ignore_last = ignore_last
        self.reset_flag = reset_flag
        self.by_epoch = by_epoch

    def log(self, runner):
        raise NotImplementedError

    @staticmethod
    def is_scalar(val, include_np: bool = True, include_torch: bool = True) -> bool:
        if isinstance(val, numbers.Number):
            return True
        if include_np and isinstance(val, np.ndarray) and val.ndim == 0:
            return True
        if include_torch and isinstance(val, torch.Tensor) and val.numel() == 1:
            return True
        return False

    def get_mode(self, runner) -> str:
        if runner.mode == 'train':
            return 'train' if 'time' in runner.log_buffer.output else 'val'
        if runner.mode == 'val':
            return 'val'
        raise ValueError(f"runner mode should be 'train' or 'val', but got {runner.mode}")

    def get_epoch(self, runner) -> int:
        if runner.mode == 'train':
            return runner.epoch + 1
        if runner.mode == 'val':
            return runner.epoch  # the epoch counter has already moved on
        raise ValueError(f"runner mode should be 'train' or 'val', but got {runner.mode}")

    def get_iter(self, runner, inner_iter: bool = False) -> int:
        if self.by_epoch and inner_iter:
            return runner.inner_iter + 1
        return runner.iter + 1

    def get_lr_tags(self, runner) -> dict:
        tags = {}
        lrs = runner.current_lr()
        if isinstance(lrs, dict):
            for name, value in lrs.items():
                tags[f'learning_rate/{name}'] = value[0]
        else:
            tags['learning_rate'] = lrs[0]
        return tags

    def get_momentum_tags(self, runner) -> dict:
        tags = {}
        momentums = runner.current_momentum()
        if isinstance(momentums, dict):
            for name, value in momentums.items():
                tags[f'momentum/{name}'] = value[0]
        else:
            tags['momentum'] = momentums[0]
        return tags

    def get_loggable_tags(self, runner, allow_scalar=True, allow_text=False, add_mode=True,
                          tags_to_skip=('time', 'data_time')) -> dict:
        tags = {}
        for var, val in runner.log_buffer.output.items():
            if var in tags_to_skip:
                continue
            if self.is_scalar(val) and not allow_scalar:
                continue
            if isinstance(val, str) and not allow_text:
                continue
            if add_mode:
                var = f'{self.get_mode(runner)}/{var}'
            tags[var] = val
        tags.update(self.get_lr_tags(runner))
        tags.update(self.get_momentum_tags(runner))
        return tags

    def before_run(self, runner):
        # the last registered logger clears the buffer output once all loggers have read it
        for hook in runner.hooks[::-1]:
            if isinstance(hook, LoggerHook):
                hook.reset_flag = True
                break

    def before_epoch(self, runner):
        runner.log_buffer.clear()

    def after_train_iter(self, runner):
        if self.by_epoch and self.every_n_inner_iters(runner, self.interval):
            runner.log_buffer.average(self.interval)
        elif not self.by_epoch and self.every_n_iters(runner, self.interval):
            runner.log_buffer.average(self.interval)
        elif self.end_of_epoch(runner) and not self.ignore_last:
            runner.log_buffer.average(self.interval)
        if runner.log_buffer.ready:
            self.log(runner)
            if self.reset_flag:
                runner.log_buffer.clear_output()

    def after_train_epoch(self, runner):
        if runner.log_buffer.ready:
            self.log(runner)
            if self.reset_flag:
                runner.log_buffer.clear_output()

    def after_val_epoch(self, runner):
        runner.log_buffer.average()
        self.log(runner)
        if self.reset_flag:
            runner.log_buffer.clear_output()


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, torch.Tensor) and obj.numel() == 1:
        return obj.item()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    return str(obj)


@HOOKS.register_module()
class TextLoggerHook(LoggerHook):
    """Print mmdet's log lines and append the same values as JSON lines to ``TIMESTAMP.log.json``.

    Args:
        interval_exp_name: print the experiment name every this many iterations.
        out_dir: also copy the logs to ``out_dir/<last folder of work_dir>`` after the run.
        out_suffix: which work_dir files to copy there.
        keep_local: keep the local copies when ``out_dir`` is set.
    """

    def __init__(self, by_epoch: bool = True, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, interval_exp_name: int = 1000, out_dir: Optional[str] = None,
                 out_suffix=('.log.json', '.log', '.py'), keep_local: bool = True, file_client_args=None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.time_sec_tot = 0.
        self.interval_exp_name = interval_exp_name
        self.out_dir = out_dir
        self.out_suffix = out_suffix
        self.keep_local = keep_local
        if file_client_args is not None:
            raise ValueError('file_client_args (remote storage backends) is not supported; use a local out_dir')

    def before_run(self, runner):
        super().before_run(runner)
        if self.out_dir is not None:
            basename = osp.basename(runner.work_dir.rstrip(osp.sep))
            self.out_dir = osp.join(self.out_dir, basename)
            runner.logger.info(f'Text logs will be saved to {self.out_dir} after the training process.')
        self.start_iter = runner.iter
        if runner.timestamp is None:  # callers that set runner.timestamp = None still get a dated log name
            import time
            runner.timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        self.json_log_path = osp.join(runner.work_dir, f'{runner.timestamp}.log.json')
        if runner.meta is not None:
            self._dump_log(runner.meta, runner)

    def _get_max_memory(self, runner) -> int:
        device = getattr(runner.model, 'output_device', None)
        mem = torch.cuda.max_memory_allocated(device=device)
        mem_mb = torch.tensor([int(mem) // (1024 * 1024)], dtype=torch.int, device=device)
        if runner.world_size > 1 and dist.is_initialized():
            dist.reduce(mem_mb, 0, op=dist.ReduceOp.MAX)
        return mem_mb.item()

    def format_line(self, log_dict: dict, runner) -> str:
        """The text line for ``log_dict`` (mmdet's format)."""
        if log_dict['mode'] == 'train':
            if isinstance(log_dict['lr'], dict):
                lr_str = ' '.join(f'lr_{k}: {v:.3e}' for k, v in log_dict['lr'].items())
            else:
                lr_str = f'lr: {log_dict["lr"]:.3e}'
            if self.by_epoch:
                log_str = f'Epoch [{log_dict["epoch"]}][{log_dict["iter"]}/{len(runner.data_loader)}]\t'
            else:
                log_str = f'Iter [{log_dict["iter"]}/{runner.max_iters}]\t'
            log_str += f'{lr_str}, '
            if 'time' in log_dict:
                self.time_sec_tot += log_dict['time'] * self.interval
                time_sec_avg = self.time_sec_tot / (runner.iter - self.start_iter + 1)
                eta_sec = time_sec_avg * (runner.max_iters - runner.iter - 1)
                eta_str = str(datetime.timedelta(seconds=int(eta_sec)))
                log_str += f'eta: {eta_str}, '
                log_str += f'time: {log_dict["time"]:.3f}, data_time: {log_dict["data_time"]:.3f}, '
                if 'memory' in log_dict:
                    log_str += f'memory: {log_dict["memory"]}, '
        else:
            if self.by_epoch:
                log_str = f'Epoch({log_dict["mode"]}) [{log_dict["epoch"]}][{log_dict["iter"]}]\t'
            else:
                log_str = f'Iter({log_dict["mode"]}) [{log_dict["iter"]}]\t'
        items = []
        for name, val in log_dict.items():
            if name in ('mode', 'Epoch', 'iter', 'lr', 'time', 'data_time', 'memory', 'epoch'):
                continue
            if isinstance(val, float):
                val = f'{val:.4f}'
            items.append(f'{name}: {val}')
        return log_str + ', '.join(items)

    def _log_info(self, log_dict, runner):
        if runner.meta is not None and 'exp_name' in runner.meta:
            if self.every_n_iters(runner, self.interval_exp_name) or (self.by_epoch and self.end_of_epoch(runner)):
                runner.logger.info(f'Exp name: {runner.meta["exp_name"]}')
        runner.logger.info(self.format_line(log_dict, runner))

    def _round_float(self, items):
        if isinstance(items, list):
            return [self._round_float(item) for item in items]
        if isinstance(items, float):
            return round(items, 5)
        return items

    def _dump_log(self, log_dict, runner):
        if runner.rank != 0:
            return
        json_log = OrderedDict((k, self._round_float(v)) for k, v in log_dict.items())
        with open(self.json_log_path, 'a+') as f:
            f.write(json.dumps(json_log, default=_json_default))
            f.write('\n')

    def log(self, runner):
        if 'eval_iter_num' in runner.log_buffer.output:
            cur_iter = runner.log_buffer.output.pop('eval_iter_num')
        else:
            cur_iter = self.get_iter(runner, inner_iter=True)
        log_dict = OrderedDict(mode=self.get_mode(runner), epoch=self.get_epoch(runner), iter=cur_iter)
        cur_lr = runner.current_lr()
        log_dict['lr'] = {k: v[0] for k, v in cur_lr.items()} if isinstance(cur_lr, dict) else cur_lr[0]
        if 'time' in runner.log_buffer.output and torch.cuda.is_available():
            log_dict['memory'] = self._get_max_memory(runner)
        log_dict = OrderedDict(log_dict, **{k: (float(v) if isinstance(v, np.floating) else v)
                                            for k, v in runner.log_buffer.output.items()})
        self._log_info(log_dict, runner)
        self._dump_log(log_dict, runner)
        return log_dict

    def after_run(self, runner):
        if self.out_dir is None or runner.rank != 0:
            return
        import os
        import shutil
        os.makedirs(self.out_dir, exist_ok=True)
        for name in sorted(os.listdir(runner.work_dir)):
            if name.endswith(tuple(self.out_suffix)):
                src = osp.join(runner.work_dir, name)
                shutil.copy(src, osp.join(self.out_dir, name))
                if not self.keep_local:
                    os.remove(src)
                runner.logger.info(f'The file {src} has been uploaded to {self.out_dir}.')


@HOOKS.register_module()
class TensorboardLoggerHook(LoggerHook):
    """Scalars (losses, lr, momentum, metrics) to TensorBoard under ``log_dir`` (default ``work_dir/tf_logs``)."""

    def __init__(self, log_dir: Optional[str] = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool = True):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.log_dir = log_dir
        self.writer = None

    def before_run(self, runner):
        super().before_run(runner)
        if runner.rank != 0:
            return
        from torch.utils.tensorboard import SummaryWriter
        if self.log_dir is None:
            self.log_dir = osp.join(runner.work_dir, 'tf_logs')
        self.writer = SummaryWriter(self.log_dir)

    def log(self, runner):
        if self.writer is None:
            return
        tags = self.get_loggable_tags(runner, allow_text=True)
        step = self.get_iter(runner)
        for tag, val in tags.items():
            if isinstance(val, str):
                self.writer.add_text(tag, val, step)
            else:
                self.writer.add_scalar(tag, float(val), step)

    def after_run(self, runner):
        if self.writer is not None:
            self.writer.close()
