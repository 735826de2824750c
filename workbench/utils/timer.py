"""Timer (a stopwatch and context manager) and check_time (one-line checkpoints)."""
from __future__ import annotations

from time import time
from typing import Dict, Optional


class TimerError(Exception):

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class Timer:
    """A stopwatch. As a context manager it prints the seconds spent inside (``print_tmpl``, default '{:.3f}').

    ``since_start()`` is the time since ``start()``; ``since_last_check()`` the time since the previous check (either
    method counts as a check)."""

    def __init__(self, start: bool = True, print_tmpl: Optional[str] = None):
        self._is_running = False
        self.print_tmpl = print_tmpl if print_tmpl else '{:.3f}'
        if start:
            self.start()

    @property
    def is_running(self) -> bool:
        return self._is_running

    def __enter__(self) -> 'Timer':
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        print(self.print_tmpl.format(self.since_last_check()))
        self._is_running = False

    def start(self) -> None:
        if not self._is_running:
            self._t_start = time()
            self._is_running = True
        self._t_last = time()

    def since_start(self) -> float:
        if not self._is_running:
            raise TimerError('timer is not running')
        self._t_last = time()
        return self._t_last - self._t_start

    def since_last_check(self) -> float:
        if not self._is_running:
            raise TimerError('timer is not running')
        now = time()
        elapsed = now - self._t_last
        self._t_last = now
        return elapsed


_g_timers: Dict[str, Timer] = {}


def check_time(timer_id: str) -> float:
    """Checkpoint ``timer_id``: the first call starts a timer and returns 0; each later call prints and returns the
    seconds since the previous call (printed as '{:.3f}', as in the MMCV docs)."""
    if timer_id not in _g_timers:
        _g_timers[timer_id] = Timer()
        return 0.0
    elapsed = _g_timers[timer_id].since_last_check()
    print(f'{elapsed:.3f}')
    return elapsed


__all__ = ['Timer', 'TimerError', 'check_time']
