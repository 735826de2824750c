"""IterTimerHook: records ``data_time`` (waiting for the batch) and ``time`` (the whole iteration)."""
import time

from workbench.registry import HOOKS

from .hook import Hook


@HOOKS.register_module()
class IterTimerHook(Hook):

    def before_epoch(self, runner):
        self.t = time.time()

    def before_iter(self, runner):
        runner.log_buffer.update({'data_time': time.time() - self.t})

    def after_iter(self, runner):
        runner.log_buffer.update({'time': time.time() - self.t})
        self.t = time.time()
