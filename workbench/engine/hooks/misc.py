"""Small hooks: CheckInvalidLossHook, NumClassCheckHook, EmptyCacheHook, MemoryProfilerHook,
DistSamplerSeedHook, SyncBuffersHook."""
from __future__ import annotations

import math

import torch

from workbench.registry import HOOKS

from ..dist_utils import allreduce_params, get_dist_info
from .hook import Hook


def _as_float(value) -> float:
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean()) if value.numel() else float('nan')
    return float(value)


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Stop training when the loss is NaN or infinite (checked every ``interval`` iterations).

    Raises ``FloatingPointError`` naming the iteration and every loss term with its value, e.g.
    ``iteration 7: loss is nan (loss_cls=nan, loss_bbox=0.4123); non-finite terms: loss_cls; training stopped...``.
    At the default priority (NORMAL) it runs after OptimizerHook (ABOVE_NORMAL) has already stepped, as mmdet's
    hook does; register it with ``priority='HIGH'`` to stop before the weights take the bad step.
    """

    def __init__(self, interval: int = 50):
        self.interval = interval

    def after_train_iter(self, runner):
        if not self.every_n_iters(runner, self.interval):
            return
        outputs = runner.outputs or {}
        loss = outputs.get('loss')
        if loss is None:
            return
        if math.isfinite(_as_float(loss)):
            return
        terms = outputs.get('log_vars') or {}
        parts = ', '.join(f'{k}={_as_float(v):.4f}' for k, v in terms.items() if k != 'loss')
        bad = [k for k, v in terms.items() if k != 'loss' and not math.isfinite(_as_float(v))]
        msg = (f'iteration {runner.iter + 1}: loss is {_as_float(loss)}'
               + (f' ({parts})' if parts else '')
               + (f'; non-finite terms: {", ".join(bad)}' if bad else '')
               + '; training stopped. Lower the learning rate, add grad_clip, or check the data/annotations.')
        runner.logger.error(msg)
        raise FloatingPointError(msg)


@HOOKS.register_module()
class NumClassCheckHook(Hook):
    """Check that every head's ``num_classes`` equals ``len(dataset.CLASSES)`` before each epoch (mmdet)."""

    _skip = ('RPNHead', 'VGG', 'FusedSemanticHead', 'GARPNHead')

    def _check_head(self, runner):
        model = runner.model
        dataset = runner.data_loader.dataset
        classes = getattr(dataset, 'CLASSES', None)
        if classes is None:
            runner.logger.warning(f'Please set `CLASSES` in the {dataset.__class__.__name__} and check if it is '
                                  'consistent with the `num_classes` of head')
            return
        if isinstance(classes, str):
            raise TypeError(f'`CLASSES` in {dataset.__class__.__name__} should be a tuple of str. Add comma if '
                            f'number of classes is 1 as CLASSES = ({classes},)')
        for name, module in model.named_modules():
            if not hasattr(module, 'num_classes') or name.endswith('rpn_head'):
                continue
            if any(c.__name__ in self._skip for c in type(module).__mro__):
                continue
            if module.num_classes != len(classes):
                raise ValueError(f'The `num_classes` ({module.num_classes}) in {module.__class__.__name__} of '
                                 f'{model.__class__.__name__} does not matches the length of `CLASSES` '
                                 f'{len(classes)}) in {dataset.__class__.__name__}')

    def before_train_epoch(self, runner):
        self._check_head(runner)

    def before_val_epoch(self, runner):
        self._check_head(runner)


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """``torch.cuda.empty_cache()`` at the chosen points (no-op without CUDA)."""

    def __init__(self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False):
        self._before_epoch = before_epoch
        self._after_epoch = after_epoch
        self._after_iter = after_iter

    @staticmethod
    def _empty():
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def after_iter(self, runner):
        if self._after_iter:
            self._empty()

    def before_epoch(self, runner):
        if self._before_epoch:
            self._empty()

    def after_epoch(self, runner):
        if self._after_epoch:
            self._empty()


@HOOKS.register_module()
class MemoryProfilerHook(Hook):
    """Log system, swap and process memory (psutil) every ``interval`` iterations."""

    def __init__(self, interval: int = 50):
        try:
            import psutil
        except ImportError as e:
            raise ImportError('MemoryProfilerHook needs psutil: pip install psutil') from e
        self._psutil = psutil
        self.interval = interval

    def after_iter(self, runner):
        if not self.every_n_iters(runner, self.interval):
            return
        mb = 1024 * 1024
        vm = self._psutil.virtual_memory()
        swap = self._psutil.swap_memory()
        rss = self._psutil.Process().memory_info().rss
        runner.logger.info(
            'Memory information '
            f'available_memory: {round(vm.available / mb)} MB, used_memory: {round(vm.used / mb)} MB, '
            f'memory_utilization: {vm.percent:.2f} %, available_swap_memory: {round((swap.total - swap.used) / mb)}'
            f' MB, used_swap_memory: {round(swap.used / mb)} MB, swap_memory_utilization: {swap.percent:.2f} %, '
            f'current_process_memory: {round(rss / mb)} MB')


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Call ``sampler.set_epoch(epoch)`` so distributed samplers reshuffle differently each epoch."""

    def before_epoch(self, runner):
        loader = runner.data_loader
        if hasattr(loader.sampler, 'set_epoch'):
            loader.sampler.set_epoch(runner.epoch)
        elif getattr(loader, 'batch_sampler', None) is not None and hasattr(loader.batch_sampler.sampler,
                                                                             'set_epoch'):
            loader.batch_sampler.sampler.set_epoch(runner.epoch)


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """Average the model's buffers (BN statistics) over ranks at the end of each epoch."""

    def __init__(self, distributed: bool = True):
        self.distributed = distributed

    def after_epoch(self, runner):
        if self.distributed and get_dist_info()[1] > 1:
            allreduce_params(runner.model.buffers())
