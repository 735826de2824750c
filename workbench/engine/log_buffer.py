"""LogBuffer (mmcv 1.x): per-iteration values and their sample-weighted averages for the logger hooks."""
from collections import OrderedDict

import numpy as np


class LogBuffer:
    def __init__(self):
        self.val_history = OrderedDict()
        self.n_history = OrderedDict()
        self.output = OrderedDict()
        self.ready = False

    def clear(self) -> None:
        self.val_history.clear()
        self.n_history.clear()
        self.clear_output()

    def clear_output(self) -> None:
        self.output.clear()
        self.ready = False

    def update(self, vars: dict, count: int = 1) -> None:
        if not isinstance(vars, dict):
            raise TypeError(f'LogBuffer.update expects a dict, got {type(vars).__name__}')
        for key, var in vars.items():
            self.val_history.setdefault(key, []).append(var)
            self.n_history.setdefault(key, []).append(count)

    def average(self, n: int = 0) -> None:
        """Average the latest ``n`` values of every key (all values when n == 0), weighted by their counts."""
        if n < 0:
            raise ValueError(f'n must be >= 0, got {n}')
        for key in self.val_history:
            values = np.array(self.val_history[key][-n:])
            nums = np.array(self.n_history[key][-n:])
            self.output[key] = np.sum(values * nums) / np.sum(nums)
        self.ready = True
