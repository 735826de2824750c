"""Run torchvision's single-threaded CPU kernels on all of torch's intra-op threads.

torchvision's CPU `roi_align`, `roi_pool` (forward and backward) and `nms` loop on one core, and they release the
GIL while they run. Split into independent slices (channels for the RoI ops, which the kernels treat one at a time),
the slices run side by side on a thread pool sized by `torch.get_num_threads()`, and their concatenation is bitwise
the single call's result. Small calls stay on the calling thread, where a thread hand-off (tens of microseconds)
would cost more than it saves.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import torch

_lock = threading.Lock()
_state = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None  # (pid, workers): a forked child must not reuse the parent's pool


def torchvision_ops():
    """`torch.ops.torchvision`, with its kernels registered (importing torchvision does that; done lazily because
    the import costs a second and most of the package never needs it)."""
    import torchvision  # noqa: F401
    return torch.ops.torchvision


def num_threads() -> int:
    """Threads a parallel op uses: torch's intra-op setting (1 inside DataLoader workers, as torch sets it)."""
    return max(1, torch.get_num_threads())


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_key
    key = (os.getpid(), workers)
    with _lock:
        if _pool_key != key:
            # no shutdown of the old pool: another thread may be submitting to it right now; its idle workers exit
            # once it is garbage-collected
            _pool = ThreadPoolExecutor(workers, thread_name_prefix='workbench-ops')
            _pool_key = key
        return _pool


def _in_worker(fn: Callable, args: tuple):
    _state.active = True
    try:
        return fn(*args)
    finally:
        _state.active = False


def run_pieces(fn: Callable, pieces: Sequence[tuple]) -> list:
    """`[fn(*args) for args in pieces]`, the pieces spread over the pool (the calling thread takes the first one).

    Serial when there is one piece or when already called from a pool thread (no nested fan-out)."""
    if len(pieces) <= 1 or getattr(_state, 'active', False):
        return [fn(*args) for args in pieces]
    pool = _executor(max(1, num_threads() - 1))  # sized by the thread setting, so calls of any width share it
    futures = [pool.submit(_in_worker, fn, args) for args in pieces[1:]]
    first = fn(*pieces[0])
    return [first] + [f.result() for f in futures]


def split_count(work: int, min_work_per_piece: int) -> int:
    """How many pieces `work` units are worth: one per thread, but no piece under `min_work_per_piece`."""
    return max(1, min(num_threads(), work // max(1, min_work_per_piece)))


def even_slices(total: int, pieces: int) -> list[tuple[int, int]]:
    """`pieces` contiguous (start, end) ranges covering range(total), sizes differing by at most one."""
    pieces = max(1, min(pieces, total))
    bounds = [total * i // pieces for i in range(pieces + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(pieces)]
