"""EpochBasedRunner (mmcv 1.x): the workflow counts epochs; ``[('train', 1), ('val', 1)]`` alternates."""
from __future__ import annotations

import warnings
from typing import List, Optional, Tuple

import torch

from workbench.registry import RUNNERS

from .base_runner import BaseRunner, get_host_info


@RUNNERS.register_module()
class EpochBasedRunner(BaseRunner):

    def train(self, data_loader, **kwargs):
        self.model.train()
        self.mode = 'train'
        self.data_loader = data_loader
        self._max_iters = self._max_epochs * len(self.data_loader)
        self.call_hook('before_train_epoch')
        for i, data_batch in enumerate(self.data_loader):
            self.data_batch = data_batch
            self._inner_iter = i
            self.call_hook('before_train_iter')
            self.run_iter(data_batch, train_mode=True, **kwargs)
            self.call_hook('after_train_iter')
            del self.data_batch
            self._iter += 1
        self.call_hook('after_train_epoch')
        self._epoch += 1

    @torch.no_grad()
    def val(self, data_loader, **kwargs):
        self.model.eval()
        self.mode = 'val'
        self.data_loader = data_loader
        self.call_hook('before_val_epoch')
        for i, data_batch in enumerate(self.data_loader):
            self.data_batch = data_batch
            self._inner_iter = i
            self.call_hook('before_val_iter')
            self.run_iter(data_batch, train_mode=False)
            self.call_hook('after_val_iter')
            del self.data_batch
        self.call_hook('after_val_epoch')

    def run(self, data_loaders: list, workflow: List[Tuple[str, int]], max_epochs: Optional[int] = None,
            **kwargs):
        """Run ``workflow`` with ``data_loaders[i]`` for phase i until ``max_epochs`` training epochs are done."""
        self._check_workflow(data_loaders, workflow)
        if max_epochs is not None:
            warnings.warn('setting max_epochs in run is deprecated, please set max_epochs in runner_config',
                          DeprecationWarning)
            self._max_epochs = max_epochs
        if self._max_epochs is None:
            raise ValueError('max_epochs must be specified during instantiation')
        for i, (mode, _) in enumerate(workflow):
            if mode == 'train':
                self._max_iters = self._max_epochs * len(data_loaders[i])
                break
        work_dir = self.work_dir if self.work_dir is not None else 'NONE'
        self.logger.info('Start running, host: %s, work_dir: %s', get_host_info(), work_dir)
        self.logger.info('Hooks will be executed in the following order:\n%s', self.get_hook_info())
        self.logger.info('workflow: %s, max: %d epochs', workflow, self._max_epochs)
        self.call_hook('before_run')
        self._apply_resumed_rng_state()
        while self.epoch < self._max_epochs:
            for i, (mode, epochs) in enumerate(workflow):
                epoch_runner = getattr(self, mode)
                for _ in range(epochs):
                    if mode == 'train' and self.epoch >= self._max_epochs:
                        break
                    epoch_runner(data_loaders[i], **kwargs)
        self.call_hook('after_run')

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = 'epoch_{}.pth', save_optimizer: bool = True,
                        meta: Optional[dict] = None, create_symlink: bool = True) -> str:
        """Save ``out_dir/epoch_{epoch+1}.pth`` (atomically) and point ``latest.pth`` at it."""
        return self._save(out_dir, filename_tmpl.format(self.epoch + 1), save_optimizer, meta, create_symlink)


@RUNNERS.register_module()
class Runner(EpochBasedRunner):
    """Deprecated name of EpochBasedRunner."""

    def __init__(self, *args, **kwargs):
        warnings.warn('Runner was deprecated, please use EpochBasedRunner instead', DeprecationWarning)
        super().__init__(*args, **kwargs)
