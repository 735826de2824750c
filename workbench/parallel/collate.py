"""``collate``: batching samples that hold DataContainers (mmcv 1.x semantics).

For every DataContainer field the batch is split into chunks of ``samples_per_gpu``:
- cpu_only (image metas): a list per chunk of the raw objects;
- stack with pad_dims (images, seg maps): the last ``pad_dims`` dimensions are padded at the end (bottom/right)
  with ``padding_value`` to the chunk's largest size, then stacked;
- stack without pad_dims: stacked as is;
- neither (gt boxes, labels, masks): a list per chunk.
The result is a DataContainer holding the list of chunks. Sequences and mappings are collated field by field,
anything else with torch's default_collate.
"""
from collections.abc import Mapping, Sequence

import torch
from torch.utils.data import get_worker_info
from torch.utils.data.dataloader import default_collate

from .data_container import DataContainer


def _pad_and_stack(chunk):
    first = chunk[0]
    pad_dims = first.pad_dims
    if pad_dims is None:
        return default_collate([s.data for s in chunk])
    if not isinstance(pad_dims, int) or not 1 <= pad_dims <= 3:
        raise ValueError(f'pad_dims should be None or an integer 1-3, got {pad_dims!r}')
    for s in chunk:
        if not isinstance(s.data, torch.Tensor):
            raise TypeError(f'a stacked DataContainer must hold a tensor, got {type(s.data).__name__}')
    ndim = first.dim()
    if ndim <= pad_dims:
        raise ValueError(f'cannot pad the last {pad_dims} dims of a {ndim}-d tensor')
    lead = first.data.shape[:ndim - pad_dims]
    for s in chunk:
        if s.data.shape[:ndim - pad_dims] != lead:
            raise ValueError('samples to stack differ in a non-padded dimension: '
                             f'{tuple(s.data.shape)} vs {tuple(first.data.shape)} (pad_dims={pad_dims})')
    max_tail = [max(s.data.shape[d] for s in chunk) for d in range(ndim - pad_dims, ndim)]
    # one allocation and one copy per sample (padding with F.pad and then stacking copies every sample twice); in
    # a loader worker the batch goes to shared memory, as default_collate does, so it reaches the main process
    # without another copy
    dtype = first.data.dtype
    for s in chunk[1:]:
        dtype = torch.promote_types(dtype, s.data.dtype)  # as torch.stack would
    out = torch.empty((len(chunk), *lead, *max_tail), dtype=dtype, device=first.data.device)
    if get_worker_info() is not None:
        out.share_memory_()
    for i, s in enumerate(chunk):
        target = out[i]
        if tuple(s.data.shape[ndim - pad_dims:]) != tuple(max_tail):
            target.fill_(s.padding_value)
            target = target[(..., *(slice(0, n) for n in s.data.shape[ndim - pad_dims:]))]
        target.copy_(s.data)
    return out


def collate(batch, samples_per_gpu=1):
    """Collate a list of samples into a batch, in chunks of ``samples_per_gpu`` for DataContainers."""
    if not isinstance(batch, Sequence):
        raise TypeError(f'collate expects a sequence of samples, got {type(batch).__name__}')
    if len(batch) == 0:
        raise ValueError('collate got an empty batch')
    first = batch[0]
    if isinstance(first, DataContainer):
        chunks = [batch[i:i + samples_per_gpu] for i in range(0, len(batch), samples_per_gpu)]
        if first.cpu_only:
            return DataContainer([[s.data for s in c] for c in chunks], first.stack, first.padding_value,
                                 cpu_only=True)
        if first.stack:
            return DataContainer([_pad_and_stack(c) for c in chunks], first.stack, first.padding_value)
        return DataContainer([[s.data for s in c] for c in chunks], first.stack, first.padding_value)
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Sequence):
        return [collate(list(samples), samples_per_gpu) for samples in zip(*batch)]
    if isinstance(first, Mapping):
        return {key: collate([d[key] for d in batch], samples_per_gpu) for key in first}
    return default_collate(batch)
