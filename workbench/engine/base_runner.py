"""BaseRunner (mmcv 1.x ``mmcv.runner.BaseRunner``): hooks, checkpoints, resumption; subclasses define the loop.

The model contract is mmdet's: ``model.train_step(data_batch, optimizer, **kwargs)`` and ``model.val_step(...)``
return ``dict(loss=..., log_vars=OrderedDict(...), num_samples=N)`` (or a ``batch_processor(model, data,
train_mode)`` does). Hooks are called at ``before_run``, ``before_train_epoch``, ``before_train_iter``,
``after_train_iter``, ``after_train_epoch``, the ``val`` counterparts, and ``after_run``, in priority order (lower
value first, registration order among equals).
"""
from __future__ import annotations

import copy
import logging
import os
import os.path as osp
import socket
import getpass
import time
from contextlib import nullcontext
from typing import Any, Callable, Dict, List, Optional, Union

import torch
from torch.optim import Optimizer

from workbench.registry import HOOKS, build_from_cfg

from . import checkpoint as ckpt_io
from .dist_utils import get_dist_info
from .hooks import Hook
from .log_buffer import LogBuffer
from .logging import get_logger
from .priority import Priority, get_priority
from .seeding import get_rng_state, set_rng_state


def get_host_info() -> str:
    """'user@host' ('' if it cannot be found)."""
    try:
        return f'{getpass.getuser()}@{socket.gethostname()}'
    except Exception:  # noqa: BLE001 - purely informational
        return ''


def get_time_str() -> str:
    return time.strftime('%Y%m%d_%H%M%S', time.localtime())


def _atomic_symlink(src: str, dst: str) -> None:
    # a new link under a temporary name renamed over the old one: latest.pth never dangles mid-update
    tmp = f'{dst}.{os.getpid()}.tmp'
    if osp.lexists(tmp):
        os.remove(tmp)
    try:
        os.symlink(src, tmp)
        os.replace(tmp, dst)
    except OSError:  # file systems without symlinks get a copy
        import shutil
        if osp.lexists(tmp):
            os.remove(tmp)
        shutil.copy(osp.join(osp.dirname(dst), src), tmp)
        os.replace(tmp, dst)


class BaseRunner:
    """
    Args:
        model: the model (possibly wrapped in MMDataParallel / MMDistributedDataParallel).
        batch_processor: legacy ``batch_processor(model, data, train_mode)``; prefer ``model.train_step``.
        optimizer: an Optimizer, a dict of them, or None (testing only).
        work_dir: where checkpoints and logs go (created).
        logger: a ``logging.Logger`` (default: the 'workbench' logger).
        meta: run information (env_info, config text, seed, exp_name) written into checkpoints and log.json.
        max_iters / max_epochs: the length of the run (one of them).
    """

    def __init__(self, model, batch_processor: Optional[Callable] = None, optimizer=None,
                 work_dir: Optional[str] = None, logger: Optional[logging.Logger] = None,
                 meta: Optional[dict] = None, max_iters: Optional[int] = None, max_epochs: Optional[int] = None):
        if batch_processor is not None:
            if not callable(batch_processor):
                raise TypeError(f'batch_processor must be callable, but got {type(batch_processor).__name__}')
        else:
            inner = model.module if hasattr(model, 'module') else model
            if not hasattr(inner, 'train_step'):
                raise TypeError(f'{type(inner).__name__} has no train_step(data_batch, optimizer); give the model '
                                'one (mmdet detectors have it) or pass a batch_processor')
        if isinstance(optimizer, dict):
            for name, optim in optimizer.items():
                if not isinstance(optim, Optimizer):
                    raise TypeError(f'optimizer must be a dict of torch.optim.Optimizers, but optimizer["{name}"] '
                                    f'is a {type(optim).__name__}')
        elif optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f'optimizer must be a torch.optim.Optimizer object or dict or None, but got '
                            f'{type(optimizer).__name__}')
        if logger is None:
            logger = get_logger('workbench')
        if not isinstance(logger, logging.Logger):
            raise TypeError(f'logger must be a logging.Logger object, but got {type(logger).__name__}')
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f'meta must be a dict or None, but got {type(meta).__name__}')
        if max_epochs is not None and max_iters is not None:
            raise ValueError('Only one of `max_epochs` or `max_iters` can be set.')

        self.model = model
        self.batch_processor = batch_processor
        self.optimizer = optimizer
        self.logger = logger
        self.meta = meta
        if isinstance(work_dir, (str, os.PathLike)):
            self.work_dir = osp.abspath(work_dir)
            os.makedirs(self.work_dir, exist_ok=True)
        elif work_dir is None:
            self.work_dir = None
        else:
            raise TypeError(f'"work_dir" must be a str or None, but got {type(work_dir).__name__}')
        inner = model.module if hasattr(model, 'module') else model
        self._model_name = inner.__class__.__name__
        self._rank, self._world_size = get_dist_info()
        self.timestamp = get_time_str()
        self.mode: Optional[str] = None
        self._hooks: List[Hook] = []
        self._epoch = 0
        self._iter = 0
        self._inner_iter = 0
        self._max_epochs = max_epochs
        self._max_iters = max_iters
        self.log_buffer = LogBuffer()
        self.outputs: Dict[str, Any] = {}
        # set by Fp16OptimizerHook: run train_step under torch.autocast(**autocast_kwargs)
        self.autocast_kwargs: Optional[dict] = None
        self._resumed_state_dict = None

    # -- properties ------------------------------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def rank(self) -> int:
        return self._rank

    @property
    def world_size(self) -> int:
        return self._world_size

    @property
    def hooks(self) -> List[Hook]:
        return self._hooks

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def inner_iter(self) -> int:
        return self._inner_iter

    @property
    def max_epochs(self):
        return self._max_epochs

    @property
    def max_iters(self):
        return self._max_iters

    # -- the loop (subclasses) --------------------------------------------------------------------------------------
    def train(self, data_loader, **kwargs):
        raise NotImplementedError

    def val(self, data_loader, **kwargs):
        raise NotImplementedError

    def run(self, data_loaders, workflow, **kwargs):
        raise NotImplementedError

    def _check_workflow(self, data_loaders, workflow):
        if not isinstance(data_loaders, list):
            raise TypeError(f'data_loaders must be a list, got {type(data_loaders).__name__}')
        if not (isinstance(workflow, (list, tuple)) and all(isinstance(f, tuple) and len(f) == 2 for f in workflow)):
            raise TypeError(f'workflow must be a list of (mode, count) tuples such as [("train", 1)], got '
                            f'{workflow!r}')
        if len(data_loaders) != len(workflow):
            raise ValueError(f'{len(data_loaders)} data loaders for a workflow of {len(workflow)} phases '
                             f'({workflow}); give one loader per phase')
        for mode, _ in workflow:
            if not isinstance(mode, str):
                raise TypeError(f'mode in workflow must be a str, but got {type(mode).__name__}')
            if mode not in ('train', 'val') and not hasattr(self, mode):
                raise ValueError(f'runner has no method named "{mode}" to run a workflow phase')

    def run_iter(self, data_batch, train_mode: bool, **kwargs) -> None:
        """One forward pass through ``batch_processor`` or ``model.train_step``/``val_step``; fills the log buffer
        and ``self.outputs`` (OptimizerHook does the backward and step in after_train_iter)."""
        ctx = torch.autocast(**self.autocast_kwargs) if (train_mode and self.autocast_kwargs) else nullcontext()
        with ctx:
            if self.batch_processor is not None:
                outputs = self.batch_processor(self.model, data_batch, train_mode=train_mode, **kwargs)
            elif train_mode:
                outputs = self.model.train_step(data_batch, self.optimizer, **kwargs)
            else:
                outputs = self.model.val_step(data_batch, self.optimizer, **kwargs)
        if not isinstance(outputs, dict):
            raise TypeError(f'"batch_processor()" or "model.train_step()" and "model.val_step()" must return a '
                            f'dict, got {type(outputs).__name__}')
        if 'log_vars' in outputs:
            self.log_buffer.update(outputs['log_vars'], outputs['num_samples'])
        self.outputs = outputs

    # -- lr / momentum ---------------------------------------------------------------------------------------------
    def current_lr(self) -> Union[List[float], Dict[str, List[float]]]:
        if isinstance(self.optimizer, Optimizer):
            return [group['lr'] for group in self.optimizer.param_groups]
        if isinstance(self.optimizer, dict):
            return {name: [g['lr'] for g in optim.param_groups] for name, optim in self.optimizer.items()}
        raise RuntimeError('lr is not applicable because optimizer does not exist.')

    def current_momentum(self) -> Union[List[float], Dict[str, List[float]]]:

        def _momentum(optimizer):
            out = []
            for group in optimizer.param_groups:
                if 'momentum' in group:
                    out.append(group['momentum'])
                elif 'betas' in group:
                    out.append(group['betas'][0])
                else:
                    out.append(0)
            return out

        if self.optimizer is None:
            raise RuntimeError('momentum is not applicable because optimizer does not exist.')
        if isinstance(self.optimizer, Optimizer):
            return _momentum(self.optimizer)
        return {name: _momentum(optim) for name, optim in self.optimizer.items()}

    # -- hooks -----------------------------------------------------------------------------------------------------
    def register_hook(self, hook: Hook, priority: Union[int, str, Priority] = 'NORMAL') -> None:
        """Insert ``hook`` after every hook of the same or higher priority (lower or equal value)."""
        if not isinstance(hook, Hook):
            raise TypeError(f'hook must be a Hook, but got {type(hook).__name__}')
        if hasattr(hook, 'priority'):
            raise ValueError('"priority" is a reserved attribute for hooks')
        priority = get_priority(priority)
        hook.priority = priority
        for i in range(len(self._hooks) - 1, -1, -1):
            if priority >= self._hooks[i].priority:
                self._hooks.insert(i + 1, hook)
                return
        self._hooks.insert(0, hook)

    def register_hook_from_cfg(self, hook_cfg: dict) -> None:
        """Build a hook from ``dict(type=..., priority=...)`` (priority defaults to NORMAL) and register it."""
        hook_cfg = dict(hook_cfg)
        priority = hook_cfg.pop('priority', 'NORMAL')
        hook = build_from_cfg(hook_cfg, HOOKS)
        self.register_hook(hook, priority=priority)

    def call_hook(self, fn_name: str) -> None:
        for hook in self._hooks:
            getattr(hook, fn_name)(self)

    def get_hook_info(self) -> str:
        """The hooks that run at each stage, in order (logged at the start of a run)."""
        stage_hook_map: Dict[str, List[str]] = {stage: [] for stage in Hook.stages}
        for hook in self.hooks:
            try:
                priority = Priority(hook.priority).name
            except ValueError:
                priority = hook.priority
            hook_info = f'({priority:<12}) {hook.__class__.__name__:<35}'
            for trigger_stage in hook.get_triggered_stages():
                stage_hook_map[trigger_stage].append(hook_info)
        lines = []
        for stage in Hook.stages:
            hook_infos = stage_hook_map[stage]
            if hook_infos:
                lines.append(f'{stage}:\n' + '\n'.join(hook_infos) + '\n -------------------- ')
        return '\n'.join(lines)

    def _build(self, cfg, default_type: Optional[str] = None, default_args: Optional[dict] = None) -> Hook:
        if isinstance(cfg, Hook):
            return cfg
        cfg = copy.deepcopy(dict(cfg))
        if default_type is not None:
            cfg.setdefault('type', default_type)
        return build_from_cfg(cfg, HOOKS, default_args)

    def register_lr_hook(self, lr_config) -> None:
        if lr_config is None:
            return
        if isinstance(lr_config, dict):
            lr_config = copy.deepcopy(dict(lr_config))
            if 'type' not in lr_config:
                policy_type = lr_config.pop('policy')
                # 'step' -> 'Step', 'CosineAnnealing' kept: only all-lower-case names are title-cased
                if policy_type == policy_type.lower():
                    policy_type = policy_type.title()
                lr_config['type'] = policy_type + 'LrUpdaterHook'
        self.register_hook(self._build(lr_config), priority='VERY_HIGH')

    def register_momentum_hook(self, momentum_config) -> None:
        if momentum_config is None:
            return
        if isinstance(momentum_config, dict):
            momentum_config = copy.deepcopy(dict(momentum_config))
            if 'type' not in momentum_config:
                policy_type = momentum_config.pop('policy')
                if policy_type == policy_type.lower():
                    policy_type = policy_type.title()
                momentum_config['type'] = policy_type + 'MomentumUpdaterHook'
        self.register_hook(self._build(momentum_config), priority='HIGH')

    def register_optimizer_hook(self, optimizer_config) -> None:
        if optimizer_config is None:
            return
        self.register_hook(self._build(optimizer_config, 'OptimizerHook'), priority='ABOVE_NORMAL')

    def register_checkpoint_hook(self, checkpoint_config) -> None:
        if checkpoint_config is None:
            return
        self.register_hook(self._build(checkpoint_config, 'CheckpointHook'), priority='NORMAL')

    def register_timer_hook(self, timer_config) -> None:
        if timer_config is None:
            return
        self.register_hook(self._build(timer_config), priority='LOW')

    def register_logger_hooks(self, log_config) -> None:
        if log_config is None:
            return
        log_interval = log_config['interval']
        for info in log_config.get('hooks', []):
            hook = self._build(info, default_args=dict(interval=log_interval))
            self.register_hook(hook, priority='VERY_LOW')

    def register_custom_hooks(self, custom_config) -> None:
        if custom_config is None:
            return
        if not isinstance(custom_config, (list, tuple)):
            custom_config = [custom_config]
        for item in custom_config:
            if isinstance(item, dict):
                self.register_hook_from_cfg(item)
            else:
                self.register_hook(item, priority='NORMAL')

    def register_profiler_hook(self, profiler_config) -> None:
        if profiler_config is None:
            return
        raise NotImplementedError('ProfilerHook is not available; use torch.profiler directly')

    def register_training_hooks(self, lr_config, optimizer_config=None, checkpoint_config=None, log_config=None,
                                momentum_config=None, timer_config=dict(type='IterTimerHook'),
                                custom_hooks_config=None) -> None:
        """The default training hooks with mmcv's priorities: lr VERY_HIGH, momentum HIGH, optimizer ABOVE_NORMAL,
        checkpoint NORMAL, timer LOW, loggers VERY_LOW, custom hooks their own (NORMAL by default, after the
        default hooks of equal priority)."""
        self.register_lr_hook(lr_config)
        self.register_momentum_hook(momentum_config)
        self.register_optimizer_hook(optimizer_config)
        self.register_checkpoint_hook(checkpoint_config)
        self.register_timer_hook(timer_config)
        self.register_logger_hooks(log_config)
        self.register_custom_hooks(custom_hooks_config)

    # -- checkpoints -----------------------------------------------------------------------------------------------
    def load_checkpoint(self, filename: str, map_location='cpu', strict: bool = False,
                        revise_keys=ckpt_io.DEFAULT_REVISE_KEYS, weights_only: bool = True):
        return ckpt_io.load_checkpoint(self.model, filename, map_location, strict, self.logger,
                                       revise_keys=revise_keys, weights_only=weights_only)

    def _save(self, out_dir: str, filename: str, save_optimizer: bool, meta: Optional[dict],
              create_symlink: bool, progress: Optional[dict] = None) -> str:
        if meta is None:
            meta = {}
        elif not isinstance(meta, dict):
            raise TypeError(f'meta should be a dict or None, but got {type(meta).__name__}')
        meta = dict(meta)
        if self.meta is not None:
            meta.update(self.meta)
        # self.meta first: after a resume it holds the old epoch/iter, which must not win
        meta.update(progress if progress is not None else dict(epoch=self.epoch + 1, iter=self.iter))
        meta.update(self._progress_meta())
        filepath = osp.join(out_dir, filename)
        optimizer = self.optimizer if save_optimizer else None
        ckpt_io.save_checkpoint(self.model, filepath, optimizer=optimizer, meta=meta, extra=self._extra_state())
        if create_symlink:
            _atomic_symlink(filename, osp.join(out_dir, 'latest.pth'))
        return filepath

    def _progress_meta(self) -> dict:
        return {}

    def _extra_state(self) -> dict:
        """Top-level checkpoint entries for exact resumption (not part of mmcv's format; loaders ignore them)."""
        return {'rng_state': get_rng_state()}

    def save_checkpoint(self, out_dir, filename_tmpl='epoch_{}.pth', save_optimizer=True, meta=None,
                        create_symlink=True):
        raise NotImplementedError

    def resume(self, checkpoint: str, resume_optimizer: bool = True, map_location: Union[str, Any] = 'default',
               weights_only: bool = True):
        """Continue a run: weights, optimizer state (lr position included), epoch/iter, hook messages (best
        score, last checkpoint), fp16 scaler state and RNG states."""
        if map_location == 'default':
            if torch.cuda.is_available():
                device_id = torch.cuda.current_device()
                map_location = lambda storage, loc: storage.cuda(device_id)  # noqa: E731
            else:
                map_location = 'cpu'
        checkpoint_path = checkpoint
        checkpoint = self.load_checkpoint(checkpoint, map_location=map_location, weights_only=weights_only)
        if 'meta' not in checkpoint or 'epoch' not in checkpoint['meta'] or 'iter' not in checkpoint['meta']:
            raise KeyError(f'{checkpoint_path}: has no meta.epoch / meta.iter, so training cannot resume from it '
                           '(it holds weights only); use load_from to start from these weights')
        self._epoch = checkpoint['meta']['epoch']
        self._iter = checkpoint['meta']['iter']
        self._restore_progress(checkpoint['meta'])
        if self.meta is None:
            self.meta = {}
        self.meta.setdefault('hook_msgs', {})
        self.meta['hook_msgs'].update(checkpoint['meta'].get('hook_msgs', {}))
        # everything the run recorded (fp16 scaler, hook messages...) comes back; run-specific keys of the new
        # run (config, env) win over the old ones
        merged = dict(checkpoint['meta'])
        merged.update({k: v for k, v in self.meta.items() if k != 'hook_msgs'})
        merged['hook_msgs'] = self.meta['hook_msgs']
        if 'fp16' in checkpoint['meta']:
            merged['fp16'] = checkpoint['meta']['fp16']
        self.meta = merged
        if 'optimizer' in checkpoint and resume_optimizer:
            if isinstance(self.optimizer, Optimizer):
                self.optimizer.load_state_dict(checkpoint['optimizer'])
            elif isinstance(self.optimizer, dict):
                for k in self.optimizer:
                    self.optimizer[k].load_state_dict(checkpoint['optimizer'][k])
            else:
                raise TypeError(f'Optimizer should be dict or torch.optim.Optimizer but got '
                                f'{type(self.optimizer).__name__}')
        # applied by run() at the point where the interrupted run saved it (see _apply_resumed_rng_state)
        self._pending_rng_state = checkpoint.get('rng_state')
        self._resumed_extra = {k: v for k, v in checkpoint.items() if k not in ('meta', 'state_dict', 'optimizer')}
        # hooks that add state after resume (EMA buffers) read it from here
        self._resumed_state_dict = checkpoint.get('state_dict', checkpoint)
        self.logger.info('resumed epoch %d, iter %d', self.epoch, self.iter)
        return checkpoint

    def _restore_progress(self, meta: dict) -> None:
        pass

    def _apply_resumed_rng_state(self) -> None:
        state = getattr(self, '_pending_rng_state', None)
        if state is not None:
            set_rng_state(state)
            self._pending_rng_state = None
