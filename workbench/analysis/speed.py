"""Inference speed (mmdet's ``tools/analysis_tools/benchmark.py``): time per image of forward + post-processing.

Data loading is not timed: each iteration's clock starts after the batch has been loaded (and, on CUDA, after the
device has finished earlier work) and stops when the model returned (after ``torch.cuda.synchronize``). The first
``warmup`` iterations are run but not timed (allocator, cuDNN autotuning, caches). Unlike mmdet, where ``max_iter``
counts the warm-up iterations too, here ``max_iter`` is the number of *timed* iterations; a data loader shorter
than ``warmup + max_iter`` is cycled.
"""
from __future__ import annotations

import time
from typing import Callable, Optional


def _sync(model) -> None:
    import torch
    if torch.cuda.is_available():
        try:
            device = next(model.parameters()).device
        except StopIteration:
            return
        if device.type == 'cuda':
            torch.cuda.synchronize(device)


def measure_fps(model, data_loader, max_iter: int = 2000, warmup: int = 5, fuse_conv_bn: bool = False,
                log_interval: Optional[int] = None, log: Callable[[str], None] = print) -> dict:
    """Time ``model(return_loss=False, rescale=True, **data)`` over batches of ``data_loader``.

    Args:
        model: a detector (or a wrapper such as MMDataParallel), put in eval mode here.
        data_loader: any iterable of batches; cycled when it runs out before ``warmup + max_iter`` iterations.
        max_iter: number of timed iterations (after the warm-up).
        warmup: iterations run first and not timed.
        fuse_conv_bn: fold BatchNorm layers into the preceding convolutions first (changes ``model`` in place).
        log_interval: every this many timed iterations, ``log`` the running speed.

    Returns a dict: ``ms_per_img``, ``img_per_s`` (over all timed images), ``images`` and ``iterations`` timed,
    ``warmup``, ``iter_times_ms`` (one per timed iteration) and ``fused``.
    """
    import torch

    if max_iter < 1:
        raise ValueError(f'max_iter must be >= 1, got {max_iter}')
    if warmup < 0:
        raise ValueError(f'warmup must be >= 0, got {warmup}')
    if fuse_conv_bn:
        from workbench.cnn.fuse_conv_bn import fuse_conv_bn as fuse
        model = fuse(model)
    model.eval()

    def batches():
        while True:
            empty = True
            for data in data_loader:
                empty = False
                yield data
            if empty:
                raise ValueError('the data loader yields no batches')

    times, images = [], 0
    total = warmup + max_iter
    stream = batches()
    with torch.no_grad():
        for i in range(total):
            data = next(stream)
            _sync(model)
            start = time.perf_counter()
            result = model(return_loss=False, rescale=True, **data)
            _sync(model)
            elapsed = time.perf_counter() - start
            if i < warmup:
                continue
            times.append(elapsed)
            images += len(result) if hasattr(result, '__len__') else 1
            done = i + 1 - warmup
            if log_interval and done % log_interval == 0:
                log(f'Done image [{done:<3}/ {max_iter}], fps: {images / sum(times):.1f} img / s, '
                    f'times per image: {1000 * sum(times) / images:.1f} ms / img')
    total_time = sum(times)
    return dict(ms_per_img=1000.0 * total_time / images, img_per_s=images / total_time, images=images,
                iterations=len(times), warmup=warmup, iter_times_ms=[1000.0 * t for t in times],
                fused=bool(fuse_conv_bn))
