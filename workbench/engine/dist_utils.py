"""Distributed helpers (mmcv 1.x ``mmcv.runner.dist_utils`` / ``mmcv.engine`` semantics) on torch.distributed.

gloo on CPU, nccl on GPU. Everything degrades to a single process when torch.distributed is not initialised.
"""
from __future__ import annotations

import functools
import os
import pickle
import shutil
import tempfile
from collections import OrderedDict
from typing import Any, Callable, Iterable, List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def init_dist(launcher: str, backend: Optional[str] = None, **kwargs) -> None:
    """Initialise the default process group for ``launcher`` ('pytorch': torchrun / torch.distributed.launch).

    ``backend`` defaults to nccl when CUDA is available and gloo otherwise; asking for nccl without CUDA falls
    back to gloo with a warning rather than failing inside the NCCL library.
    """
    if mp.get_start_method(allow_none=True) is None:
        mp.set_start_method('spawn')
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} is not supported; use "pytorch" (torchrun) or "none"')
    if backend is None:
        backend = 'nccl' if torch.cuda.is_available() else 'gloo'
    if backend == 'nccl' and not torch.cuda.is_available():
        import warnings
        warnings.warn('dist_params.backend is nccl but CUDA is not available; using gloo')
        backend = 'gloo'
    for var in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if var not in os.environ:
            raise RuntimeError(f'init_dist(launcher="pytorch") needs the environment variable {var}; '
                               'start the job with torchrun (workbench dist-train)')
    if torch.cuda.is_available() and backend == 'nccl':
        local_rank = int(os.environ.get('LOCAL_RANK', os.environ['RANK']))
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
    dist.init_process_group(backend=backend, **kwargs)


def get_dist_info() -> Tuple[int, int]:
    """(rank, world_size); (0, 1) outside a distributed run."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def master_only(func: Callable) -> Callable:
    """Run ``func`` on rank 0 only (returns None elsewhere)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        rank, _ = get_dist_info()
        if rank == 0:
            return func(*args, **kwargs)
        return None

    return wrapper


def _flatten_allreduce(tensors: List[torch.Tensor], world_size: int, bucket_size_mb: int = -1) -> None:
    # group by dtype/device so each flat buffer is homogeneous; optionally cap bucket size
    buckets: 'OrderedDict[Tuple, List[List[torch.Tensor]]]' = OrderedDict()
    limit = bucket_size_mb * 1024 * 1024 if bucket_size_mb > 0 else None
    for t in tensors:
        key = (t.dtype, t.device)
        lists = buckets.setdefault(key, [[]])
        cur = lists[-1]
        if limit is not None and cur and sum(x.numel() * x.element_size() for x in cur) + \
                t.numel() * t.element_size() > limit:
            cur = []
            lists.append(cur)
        cur.append(t)
    for lists in buckets.values():
        for bucket in lists:
            if not bucket:
                continue
            flat = torch.cat([t.reshape(-1) for t in bucket])
            dist.all_reduce(flat.div_(world_size))
            offset = 0
            for t in bucket:
                n = t.numel()
                t.copy_(flat[offset:offset + n].view_as(t))
                offset += n


def allreduce_grads(params: Iterable[torch.nn.Parameter], coalesce: bool = True, bucket_size_mb: int = -1) -> None:
    """Average the gradients of ``params`` over all ranks (in place)."""
    grads = [p.grad.data for p in params if p.requires_grad and p.grad is not None]
    _, world_size = get_dist_info()
    if world_size == 1 or not grads:
        return
    if coalesce:
        _flatten_allreduce(grads, world_size, bucket_size_mb)
    else:
        for g in grads:
            dist.all_reduce(g.div_(world_size))


def allreduce_params(params: Iterable[torch.Tensor], coalesce: bool = True, bucket_size_mb: int = -1) -> None:
    """Average parameters or buffers (e.g. BN running statistics) over all ranks (in place)."""
    tensors = [p.data for p in params]
    _, world_size = get_dist_info()
    if world_size == 1 or not tensors:
        return
    floats = [t for t in tensors if t.is_floating_point()]
    if coalesce:
        _flatten_allreduce(floats, world_size, bucket_size_mb)
    else:
        for t in floats:
            dist.all_reduce(t.div_(world_size))


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """``obj`` from rank ``src`` on every rank."""
    _, world_size = get_dist_info()
    if world_size == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def _interleave(part_list: List[list], size: int) -> list:
    # DistributedSampler deals samples round-robin (rank r gets r, r+W, ...), so zip restores dataset order;
    # the padding it adds to equalise ranks is cut off by ``size``
    ordered = []
    for res in zip(*part_list):
        ordered.extend(list(res))
    # without padding the first ranks hold one sample more; those tails come last, in rank order
    shortest = min((len(p) for p in part_list), default=0)
    for part in part_list:
        ordered.extend(part[shortest:])
    return ordered[:size]


def collect_results_cpu(result_part: list, size: int, tmpdir: Optional[str] = None) -> Optional[list]:
    """Gather per-rank result lists through a shared folder; rank 0 gets them in dataset order, others None."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return list(result_part)[:size]
    if tmpdir is None:
        tmpdir = broadcast_object(tempfile.mkdtemp(prefix='.dist_test_') if rank == 0 else None)
    else:
        os.makedirs(tmpdir, exist_ok=True)
    with open(os.path.join(tmpdir, f'part_{rank}.pkl'), 'wb') as f:
        pickle.dump(result_part, f, protocol=pickle.HIGHEST_PROTOCOL)
    dist.barrier()
    if rank != 0:
        dist.barrier()
        return None
    part_list = []
    for i in range(world_size):
        with open(os.path.join(tmpdir, f'part_{i}.pkl'), 'rb') as f:
            part_list.append(pickle.load(f))
    ordered = _interleave(part_list, size)
    shutil.rmtree(tmpdir, ignore_errors=True)
    dist.barrier()
    return ordered


def collect_results_gpu(result_part: list, size: int) -> Optional[list]:
    """Gather per-rank result lists through the process group (all_gather_object); rank 0 gets them in order."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return list(result_part)[:size]
    part_list: List[Any] = [None] * world_size
    dist.all_gather_object(part_list, result_part)
    if rank != 0:
        return None
    return _interleave(part_list, size)
