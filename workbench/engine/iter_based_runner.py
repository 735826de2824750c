"""IterBasedRunner (mmcv 1.x): the workflow counts iterations; loaders restart when exhausted (IterLoader)."""
from __future__ import annotations

import warnings
from typing import List, Optional, Tuple

import torch

from workbench.registry import RUNNERS

from .base_runner import BaseRunner, get_host_info
from .seeding import get_rng_state, set_rng_state


class IterLoader:
    """Endless iteration over a DataLoader; ``epoch`` counts the restarts (and is passed to the sampler's
    ``set_epoch``). ``skip`` drops that many batches of the first pass, so a resumed run continues mid-epoch
    where the interrupted one stopped."""

    def __init__(self, dataloader, epoch: int = 0, skip: int = 0):
        self._dataloader = dataloader
        self._epoch = epoch
        if epoch and hasattr(dataloader.sampler, 'set_epoch'):
            dataloader.sampler.set_epoch(epoch)
        self._start_epoch_iter()
        if skip:
            self._skip(skip)

    def _skip(self, n: int) -> None:
        it = self.iter_loader
        if getattr(self._dataloader, 'num_workers', 0) == 0 and hasattr(it, '_next_index'):
            # single-process loading: draw the indices only, without loading and transforming the samples
            for _ in range(n):
                try:
                    it._next_index()
                except StopIteration:
                    return
                it._num_yielded += 1
            return
        if n > len(self._dataloader):
            # workers already prefetch; replaying more than an epoch of batches would cost too much
            warnings.warn(f'resuming at batch {n} of a loader with workers and {len(self._dataloader)} batches per '
                          'pass: the data order restarts instead of continuing where it stopped')
            return
        for _ in range(n):
            try:
                next(it)
            except StopIteration:
                return

    def _start_epoch_iter(self):
        # the RNG state an epoch's iterator starts from decides its shuffle and worker seeds; kept so a resumed
        # run can rebuild the same iterator
        self.epoch_start_rng_state = get_rng_state()
        self.iter_loader = iter(self._dataloader)

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def dataset(self):
        return self._dataloader.dataset

    @property
    def sampler(self):
        return self._dataloader.sampler

    @property
    def batch_sampler(self):
        return getattr(self._dataloader, 'batch_sampler', None)

    def __next__(self):
        try:
            return next(self.iter_loader)
        except StopIteration:
            self._epoch += 1
            if hasattr(self._dataloader.sampler, 'set_epoch'):
                self._dataloader.sampler.set_epoch(self._epoch)
            self._start_epoch_iter()
            return next(self.iter_loader)

    def __len__(self) -> int:
        return len(self._dataloader)


@RUNNERS.register_module()
class IterBasedRunner(BaseRunner):

    def train(self, data_loader, **kwargs):
        self.model.train()
        self.mode = 'train'
        self.data_loader = data_loader
        self._epoch = data_loader.epoch
        data_batch = next(data_loader)
        self.data_batch = data_batch
        self.call_hook('before_train_iter')
        self.run_iter(data_batch, train_mode=True, **kwargs)
        self.call_hook('after_train_iter')
        del self.data_batch
        self._inner_iter += 1
        self._iter += 1

    @torch.no_grad()
    def val(self, data_loader, **kwargs):
        self.model.eval()
        self.mode = 'val'
        self.data_loader = data_loader
        data_batch = next(data_loader)
        self.data_batch = data_batch
        self.call_hook('before_val_iter')
        self.run_iter(data_batch, train_mode=False, **kwargs)
        self.call_hook('after_val_iter')
        del self.data_batch
        self._inner_iter += 1

    def run(self, data_loaders: list, workflow: List[Tuple[str, int]], max_iters: Optional[int] = None,
            **kwargs):
        """Run ``workflow`` (iterations per phase) until ``max_iters`` training iterations are done."""
        self._check_workflow(data_loaders, workflow)
        if max_iters is not None:
            warnings.warn('setting max_iters in run is deprecated, please set max_iters in runner_config',
                          DeprecationWarning)
            self._max_iters = max_iters
        if self._max_iters is None:
            raise ValueError('max_iters must be specified during instantiation')
        work_dir = self.work_dir if self.work_dir is not None else 'NONE'
        self.logger.info('Start running, host: %s, work_dir: %s', get_host_info(), work_dir)
        self.logger.info('Hooks will be executed in the following order:\n%s', self.get_hook_info())
        self.logger.info('workflow: %s, max: %d iters', workflow, self._max_iters)
        self.call_hook('before_run')
        resume = getattr(self, '_resume_position', None) or {}
        iter_loaders = []
        for i, (mode, _) in enumerate(workflow):
            if mode == 'train' and resume:
                # rebuild the interrupted epoch's iterator from its starting RNG state, then skip what it used
                loader_rng = (getattr(self, '_resumed_extra', None) or {}).get('loader_rng_state')
                if loader_rng is not None:
                    set_rng_state(loader_rng)
                iter_loaders.append(IterLoader(data_loaders[i], epoch=resume.get('epoch', 0),
                                               skip=resume.get('skip', 0)))
            else:
                iter_loaders.append(IterLoader(data_loaders[i]))
        self._resume_position = None
        # after the loaders exist: creating a DataLoader iterator draws from torch's RNG, which the interrupted
        # run had already done before it saved
        self._apply_resumed_rng_state()
        self.call_hook('before_epoch')
        while self.iter < self._max_iters:
            for i, (mode, iters) in enumerate(workflow):
                self._inner_iter = 0
                iter_runner = getattr(self, mode)
                for _ in range(iters):
                    if mode == 'train' and self.iter >= self._max_iters:
                        break
                    iter_runner(iter_loaders[i], **kwargs)
        self.call_hook('after_epoch')
        self.call_hook('after_run')

    def register_training_hooks(self, lr_config, optimizer_config=None, checkpoint_config=None, log_config=None,
                                momentum_config=None, timer_config=dict(type='IterTimerHook'),
                                custom_hooks_config=None) -> None:
        """As BaseRunner's, but the lr, checkpoint and logger hooks default to ``by_epoch=False`` (mmcv)."""
        import copy
        if isinstance(checkpoint_config, dict):
            checkpoint_config = copy.deepcopy(dict(checkpoint_config))
            checkpoint_config.setdefault('by_epoch', False)
        if isinstance(lr_config, dict):
            lr_config = copy.deepcopy(dict(lr_config))
            lr_config.setdefault('by_epoch', False)
        if isinstance(log_config, dict):
            log_config = copy.deepcopy(dict(log_config))
            hooks = []
            for info in log_config.get('hooks', []):
                if isinstance(info, dict):
                    info = dict(info)
                    info.setdefault('by_epoch', False)
                hooks.append(info)
            log_config['hooks'] = hooks
        super().register_training_hooks(lr_config, optimizer_config, checkpoint_config, log_config,
                                        momentum_config, timer_config, custom_hooks_config)

    def _progress_meta(self) -> dict:
        # where the train loader stands, so resume continues with the batches the interrupted run would have used
        loader = getattr(self, 'data_loader', None)
        if self.mode != 'train' or not isinstance(loader, IterLoader):
            return {}
        return {'loader_epoch': loader.epoch, 'loader_batches': getattr(loader.iter_loader, '_num_yielded', 0)}

    def _extra_state(self) -> dict:
        extra = super()._extra_state()
        loader = getattr(self, 'data_loader', None)
        if self.mode == 'train' and isinstance(loader, IterLoader):
            extra['loader_rng_state'] = loader.epoch_start_rng_state
        return extra

    def _restore_progress(self, meta: dict) -> None:
        self._inner_iter = meta['iter']
        if 'loader_epoch' in meta:
            self._epoch = meta['loader_epoch']
            self._resume_position = {'epoch': meta['loader_epoch'], 'skip': meta.get('loader_batches', 0)}

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = 'iter_{}.pth', meta: Optional[dict] = None,
                        save_optimizer: bool = True, create_symlink: bool = True) -> str:
        """Save ``out_dir/iter_{iter+1}.pth`` (atomically) and point ``latest.pth`` at it."""
        return self._save(out_dir, filename_tmpl.format(self.iter + 1), save_optimizer, meta, create_symlink,
                          progress=dict(iter=self.iter + 1, epoch=self.epoch + 1))
