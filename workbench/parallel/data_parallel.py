"""Model wrappers for training and testing (mmcv 1.x ``MMDataParallel`` / ``MMDistributedDataParallel``).

Batches from ``workbench.parallel.collate`` hold DataContainers whose ``.data`` is a list with one entry per
device chunk. Before calling the model the wrappers unwrap them (chunk 0: one device per process), move tensors to
the model's device (``cpu_only`` containers, e.g. image metas, stay where they are) and then call
``model.train_step`` / ``val_step`` / ``forward``. ``MMDistributedDataParallel`` routes ``train_step`` through
torch DDP's forward so gradient all-reduce is prepared exactly as for ``forward``.
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from .data_container import DataContainer


def scatter_to(obj: Any, device: Optional[torch.device]) -> Any:
    """``obj`` with DataContainers unwrapped (first chunk) and tensors moved to ``device`` (None: leave)."""
    if isinstance(obj, DataContainer):
        data = obj.data
        # a collated container holds one chunk per device; each process here drives one device
        if isinstance(data, list):
            if len(data) != 1:
                raise ValueError(f'a collated DataContainer holds {len(data)} device chunks, but one process '
                                 'drives one device: collate with samples_per_gpu equal to the batch size')
            data = data[0]
        return data if obj.cpu_only else scatter_to(data, device)
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True) if device is not None else obj
    if isinstance(obj, tuple) and hasattr(obj, '_fields'):  # namedtuple
        return type(obj)(*(scatter_to(o, device) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(scatter_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, scatter_to(v, device)) for k, v in obj.items())
    return obj


def _module_device(module: nn.Module) -> torch.device:
    for p in module.parameters():
        return p.device
    for b in module.buffers():
        return b.device
    return torch.device('cpu')


def _scatter_call(device, inputs, kwargs):
    return scatter_to(tuple(inputs), device), scatter_to(dict(kwargs), device)


class MMDataParallel(nn.Module):
    """Single-device wrapper: ``MMDataParallel(model)`` (CPU or the model's GPU), or
    ``MMDataParallel(model.cuda(), device_ids=[0])``. Multi-GPU splitting inside one process is not supported
    (use distributed training)."""

    _workbench_module_wrapper = True

    def __init__(self, module: nn.Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError('MMDataParallel runs on one device; use distributed training (dist-train) for several '
                             f'GPUs, got device_ids={device_ids}')
        self.module = module
        self.dim = dim
        if device_ids and device_ids[0] is not None and device_ids[0] >= 0 and torch.cuda.is_available():
            self.device_ids = list(device_ids)
            self.src_device = torch.device('cuda', device_ids[0])
            self.module.to(self.src_device)
        else:
            self.device_ids = [] if device_ids is None else list(device_ids)
            self.src_device = None
        self.output_device = output_device

    def _device(self) -> torch.device:
        return self.src_device if self.src_device is not None else _module_device(self.module)

    def forward(self, *inputs, **kwargs):
        inputs, kwargs = _scatter_call(self._device(), inputs, kwargs)
        return self.module(*inputs, **kwargs)

    def train_step(self, *inputs, **kwargs):
        inputs, kwargs = _scatter_call(self._device(), inputs, kwargs)
        return self.module.train_step(*inputs, **kwargs)

    def val_step(self, *inputs, **kwargs):
        inputs, kwargs = _scatter_call(self._device(), inputs, kwargs)
        return self.module.val_step(*inputs, **kwargs)


class MMDistributedDataParallel(DistributedDataParallel):
    """torch DDP whose ``train_step`` / ``val_step`` go through DDP's forward machinery (gradient hooks,
    unused-parameter detection) and unwrap DataContainers first. On CPU (gloo) leave ``device_ids`` unset."""

    _workbench_module_wrapper = True

    def _device(self) -> torch.device:
        return _module_device(self.module)

    def _call_as_forward(self, method: str, inputs, kwargs):
        module = self.module
        target = getattr(module, method)

        def _once(*a, **k):
            # restore the real forward before the step runs, since train_step calls the model's forward itself
            del module.forward
            return target(*a, **k)

        module.forward = _once
        try:
            return DistributedDataParallel.forward(self, *inputs, **kwargs)
        finally:
            if 'forward' in module.__dict__:
                del module.forward

    def forward(self, *inputs, **kwargs):
        inputs, kwargs = _scatter_call(self._device(), inputs, kwargs)
        return super().forward(*inputs, **kwargs)

    def train_step(self, *inputs, **kwargs):
        inputs, kwargs = _scatter_call(self._device(), inputs, kwargs)
        return self._call_as_forward('train_step', inputs, kwargs)

    def val_step(self, *inputs, **kwargs):
        inputs, kwargs = _scatter_call(self._device(), inputs, kwargs)
        return self._call_as_forward('val_step', inputs, kwargs)


def is_module_wrapper(module: nn.Module) -> bool:
    return isinstance(module, (nn.DataParallel, DistributedDataParallel)) or \
        getattr(module, '_workbench_module_wrapper', False)


def convert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Every BatchNorm*d replaced by SyncBatchNorm (statistics over all ranks; CUDA only in torch)."""
    return nn.SyncBatchNorm.convert_sync_batchnorm(module)


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Every SyncBatchNorm replaced by an equivalent BatchNorm2d (for CPU or single-process use), weights and
    statistics kept."""
    out = module
    if isinstance(module, nn.SyncBatchNorm):
        out = nn.BatchNorm2d(module.num_features, module.eps, module.momentum, module.affine,
                             module.track_running_stats)
        if module.affine:
            with torch.no_grad():
                out.weight = module.weight
                out.bias = module.bias
        out.running_mean = module.running_mean
        out.running_var = module.running_var
        out.num_batches_tracked = module.num_batches_tracked
        out.training = module.training
        if hasattr(module, 'qconfig'):
            out.qconfig = module.qconfig
    for name, child in module.named_children():
        out.add_module(name, revert_sync_batchnorm(child))
    return out
