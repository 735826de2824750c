"""Optimizer-stepping hooks (mmcv 1.x): backward, optional gradient clipping, step.

- ``OptimizerHook(grad_clip=dict(max_norm=35, norm_type=2))``: clip-by-norm logs ``grad_norm``.
- ``GradientCumulativeOptimizerHook(cumulative_iters=4)``: steps every 4 iterations with the loss divided by 4
  (by the remainder for a trailing incomplete group).
- ``Fp16OptimizerHook(loss_scale=512. | 'dynamic' | dict(init_scale=...))``: mixed precision with
  ``torch.autocast`` around the forward pass and a ``GradScaler``; the scaler state is kept in
  ``runner.meta['fp16']['loss_scaler']`` so it is saved with checkpoints and restored on resume. On CUDA autocast
  runs float16; on CPU bfloat16 (CPU float16 matmuls are slow).
"""
from __future__ import annotations

import logging
from typing import Optional, Union

import torch
from torch.nn.utils import clip_grad

from workbench.registry import HOOKS

from .hook import Hook


@HOOKS.register_module()
class OptimizerHook(Hook):

    def __init__(self, grad_clip: Optional[dict] = None, detect_anomalous_params: bool = False):
        self.grad_clip = grad_clip
        self.detect_anomalous_params = detect_anomalous_params

    def clip_grads(self, params):
        params = [p for p in params if p.requires_grad and p.grad is not None]
        if params:
            return clip_grad.clip_grad_norm_(params, **self.grad_clip)
        return None

    def _clip_and_log(self, runner):
        if self.grad_clip is not None:
            grad_norm = self.clip_grads(runner.model.parameters())
            if grad_norm is not None:
                runner.log_buffer.update({'grad_norm': float(grad_norm)}, runner.outputs['num_samples'])

    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        if self.detect_anomalous_params:
            self.detect_anomalous_parameters(runner.outputs['loss'], runner)
        runner.outputs['loss'].backward()
        self._clip_and_log(runner)
        runner.optimizer.step()

    def detect_anomalous_parameters(self, loss, runner):
        """Log the parameters the loss does not depend on (unused in forward, or not feeding the loss)."""
        logger = runner.logger
        seen = set()
        stack = [loss.grad_fn]
        while stack:
            fn = stack.pop()
            if fn is None or fn in seen:
                continue
            seen.add(fn)
            if hasattr(fn, 'variable'):
                seen.add(fn.variable)
            for parent, _ in fn.next_functions:
                stack.append(parent)
        for name, param in runner.model.named_parameters():
            if param not in seen and param.requires_grad:
                logger.log(logging.ERROR, f'{name} with shape {param.size()} is not in the computational graph')


@HOOKS.register_module()
class GradientCumulativeOptimizerHook(OptimizerHook):

    def __init__(self, cumulative_iters: int = 1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cumulative_iters, int) or cumulative_iters <= 0:
            raise ValueError(f'cumulative_iters only accepts positive int, but got {cumulative_iters!r}')
        self.cumulative_iters = cumulative_iters
        self.divisible_iters = 0
        self.remainder_iters = 0
        self.initialized = False

    @staticmethod
    def has_batch_norm(module) -> bool:
        return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())

    def _init(self, runner):
        if runner.iter % self.cumulative_iters != 0:
            runner.logger.warning('Resume iter number is not divisible by cumulative_iters in '
                                  'GradientCumulativeOptimizerHook, which means the gradient of some iters is lost '
                                  'and the result may be influenced slightly.')
        if self.has_batch_norm(runner.model) and self.cumulative_iters > 1:
            runner.logger.warning('GradientCumulativeOptimizerHook may slightly decrease performance if the model '
                                  'has BatchNorm layers.')
        self.divisible_iters = runner.max_iters // self.cumulative_iters * self.cumulative_iters
        self.remainder_iters = runner.max_iters - self.divisible_iters
        self.initialized = True

    def _get_loss_factor(self, runner) -> int:
        if runner.iter < runner.max_iters - self.remainder_iters:
            return self.cumulative_iters
        return self.remainder_iters

    def _should_step(self, runner) -> bool:
        return self.every_n_iters(runner, self.cumulative_iters) or self.is_last_iter(runner)

    def after_train_iter(self, runner):
        if not self.initialized:
            self._init(runner)
        loss = runner.outputs['loss'] / self._get_loss_factor(runner)
        loss.backward()
        if self._should_step(runner):
            self._clip_and_log(runner)
            runner.optimizer.step()
            runner.optimizer.zero_grad()


def _model_device_type(model) -> str:
    for p in model.parameters():
        return p.device.type
    return 'cpu'


@HOOKS.register_module()
class Fp16OptimizerHook(OptimizerHook):
    """Mixed-precision training: autocast forward, scaled backward, unscale, clip, step, scale update.

    Args:
        loss_scale: a float (static scale: the scaler never changes it), 'dynamic' (GradScaler defaults) or a dict
            of GradScaler arguments (init_scale, growth_factor, backoff_factor, growth_interval).
        coalesce, bucket_size_mb, distributed: accepted for mmcv config compatibility; DDP reduces gradients.
    """

    def __init__(self, grad_clip: Optional[dict] = None, coalesce: bool = True, bucket_size_mb: int = -1,
                 loss_scale: Union[float, str, dict] = 512., distributed: bool = True, **kwargs):
        super().__init__(grad_clip=grad_clip, **kwargs)
        self.coalesce = coalesce
        self.bucket_size_mb = bucket_size_mb
        self.distributed = distributed
        self._scale_update_param = None
        if loss_scale == 'dynamic':
            self._scaler_kwargs = {}
        elif isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            self._scaler_kwargs = dict(init_scale=float(loss_scale))
        elif isinstance(loss_scale, dict):
            self._scaler_kwargs = dict(loss_scale)
        else:
            raise ValueError(f'loss_scale must be a number, "dynamic" or a dict, got {loss_scale!r}')
        self.loss_scaler = None

    def before_run(self, runner):
        device_type = _model_device_type(runner.model)
        # also on CPU: bfloat16 rarely needs scaling, but a scaler keeps the step logic and its saved state alike
        self.loss_scaler = torch.amp.GradScaler(device_type, **self._scaler_kwargs)
        # the runner wraps train_step in this autocast (mmcv's auto_fp16 decorators are not needed)
        runner.autocast_kwargs = dict(device_type=device_type,
                                      dtype=torch.float16 if device_type == 'cuda' else torch.bfloat16)
        meta = runner.meta if runner.meta is not None else {}
        if 'fp16' in meta and meta['fp16'].get('loss_scaler'):
            self.loss_scaler.load_state_dict(meta['fp16']['loss_scaler'])

    def after_train_iter(self, runner):
        runner.model.zero_grad()
        runner.optimizer.zero_grad()
        self.loss_scaler.scale(runner.outputs['loss']).backward()
        self.loss_scaler.unscale_(runner.optimizer)
        self._clip_and_log(runner)
        self.loss_scaler.step(runner.optimizer)
        self.loss_scaler.update(self._scale_update_param)
        if runner.meta is None:
            runner.meta = {}
        runner.meta.setdefault('fp16', {})['loss_scaler'] = self.loss_scaler.state_dict()


@HOOKS.register_module()
class GradientCumulativeFp16OptimizerHook(GradientCumulativeOptimizerHook, Fp16OptimizerHook):
    """Mixed precision plus gradient accumulation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def after_train_iter(self, runner):
        if not self.initialized:
            self._init(runner)
        loss = runner.outputs['loss'] / self._get_loss_factor(runner)
        self.loss_scaler.scale(loss).backward()
        if self._should_step(runner):
            self.loss_scaler.unscale_(runner.optimizer)
            self._clip_and_log(runner)
            self.loss_scaler.step(runner.optimizer)
            self.loss_scaler.update(self._scale_update_param)
            if runner.meta is None:
                runner.meta = {}
            runner.meta.setdefault('fp16', {})['loss_scaler'] = self.loss_scaler.state_dict()
            runner.model.zero_grad()
            runner.optimizer.zero_grad()
