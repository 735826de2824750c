"""Progress bars on ``tqdm.auto`` (a widget in notebooks, text in terminals) with MMCV 1.x's function names."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from multiprocessing import Pool
from typing import Any, Callable, List, Optional, Sequence, Tuple

from tqdm.auto import tqdm


class ProgressBar:
    """A progress bar for ``task_num`` tasks (0: unknown total); call ``update()`` once per finished task."""

    def __init__(self, task_num: int = 0, bar_width: int = 50, start: bool = True, file=sys.stdout):
        self.task_num = task_num
        self.bar_width = bar_width
        self.file = file
        self.completed = 0
        self._bar = None
        if start:
            self.start()

    def start(self) -> None:
        if self._bar is None:
            self._bar = tqdm(total=self.task_num or None, file=self.file, ncols=None, dynamic_ncols=False,
                             mininterval=0.1)

    def update(self, num_tasks: int = 1) -> None:
        if num_tasks < 0:
            raise ValueError(f'num_tasks must be >= 0, got {num_tasks}')
        self.start()
        self.completed += num_tasks
        self._bar.update(num_tasks)
        if self.task_num and self.completed >= self.task_num:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> 'ProgressBar':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _tasks_and_total(tasks: Any) -> Tuple[Iterable, int]:
    """``tasks`` is a sequence, or ``(iterable, total)`` for an iterator whose length is known."""
    if isinstance(tasks, tuple) and len(tasks) == 2 and isinstance(tasks[0], Iterable) and isinstance(tasks[1], int) \
            and not isinstance(tasks[0], (str, bytes)):
        return tasks[0], tasks[1]
    if isinstance(tasks, Iterable) and hasattr(tasks, '__len__'):
        return tasks, len(tasks)
    raise TypeError('"tasks" must be a sequence, or a tuple (iterable of tasks, total number of tasks), '
                    f'got {type(tasks).__name__}')


def track_progress(func: Callable, tasks: Any, bar_width: int = 50, file=sys.stdout, **kwargs) -> List:
    """``[func(task, **kwargs) for task in tasks]`` with a progress bar."""
    tasks, total = _tasks_and_total(tasks)
    bar = ProgressBar(total, bar_width, file=file)
    results = []
    for task in tasks:
        results.append(func(task, **kwargs))
        bar.update()
    bar.close()
    return results


def track_iter_progress(tasks: Any, bar_width: int = 50, file=sys.stdout):
    """Yield the tasks, advancing a progress bar after each."""
    tasks, total = _tasks_and_total(tasks)
    bar = ProgressBar(total, bar_width, file=file)
    for task in tasks:
        yield task
        bar.update()
    bar.close()


def _init_pool(process_num: int, initializer: Optional[Callable], initargs: Optional[Sequence]):
    if initializer is None:
        return Pool(process_num)
    if initargs is None:
        return Pool(process_num, initializer)
    return Pool(process_num, initializer, initargs)


def track_parallel_progress(func: Callable, tasks: Any, nproc: int, initializer: Optional[Callable] = None,
                            initargs: Optional[Sequence] = None, bar_width: int = 50, chunksize: int = 1,
                            skip_first: bool = False, keep_order: bool = True, file=sys.stdout) -> List:
    """``func`` over ``tasks`` in a pool of ``nproc`` processes with a progress bar. ``keep_order`` uses
    ``imap`` (results in task order), otherwise ``imap_unordered``. ``func`` must be picklable (module level).
    ``skip_first`` is accepted for MMCV compatibility; tqdm's rate estimate already smooths start-up."""
    if not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f'nproc must be a positive int (the number of worker processes), got {nproc!r}')
    tasks, total = _tasks_and_total(tasks)
    bar = ProgressBar(total, bar_width, file=file)
    results = []
    with _init_pool(nproc, initializer, initargs) as pool:
        gen = pool.imap(func, tasks, chunksize) if keep_order else pool.imap_unordered(func, tasks, chunksize)
        for result in gen:
            results.append(result)
            bar.update()
    bar.close()
    return results


__all__ = ['ProgressBar', 'track_progress', 'track_iter_progress', 'track_parallel_progress']
