"""The Hook base class (mmcv 1.x): no-op stage methods and the interval helpers hooks share."""


class Hook:
    stages = ('before_run', 'before_train_epoch', 'before_train_iter', 'after_train_iter', 'after_train_epoch',
              'before_val_epoch', 'before_val_iter', 'after_val_iter', 'after_val_epoch', 'after_run')

    def before_run(self, runner):
        pass

    def after_run(self, runner):
        pass

    def before_epoch(self, runner):
        pass

    def after_epoch(self, runner):
        pass

    def before_iter(self, runner):
        pass

    def after_iter(self, runner):
        pass

    # train/val variants fall back to the generic ones, as in mmcv
    def before_train_epoch(self, runner):
        self.before_epoch(runner)

    def before_val_epoch(self, runner):
        self.before_epoch(runner)

    def after_train_epoch(self, runner):
        self.after_epoch(runner)

    def after_val_epoch(self, runner):
        self.after_epoch(runner)

    def before_train_iter(self, runner):
        self.before_iter(runner)

    def before_val_iter(self, runner):
        self.before_iter(runner)

    def after_train_iter(self, runner):
        self.after_iter(runner)

    def after_val_iter(self, runner):
        self.after_iter(runner)

    @staticmethod
    def every_n_epochs(runner, n: int) -> bool:
        return (runner.epoch + 1) % n == 0 if n > 0 else False

    @staticmethod
    def every_n_inner_iters(runner, n: int) -> bool:
        return (runner.inner_iter + 1) % n == 0 if n > 0 else False

    @staticmethod
    def every_n_iters(runner, n: int) -> bool:
        return (runner.iter + 1) % n == 0 if n > 0 else False

    @staticmethod
    def end_of_epoch(runner) -> bool:
        return runner.inner_iter + 1 == len(runner.data_loader)

    @staticmethod
    def is_last_epoch(runner) -> bool:
        return runner.epoch + 1 == runner._max_epochs

    @staticmethod
    def is_last_iter(runner) -> bool:
        return runner.iter + 1 == runner._max_iters

    def get_triggered_stages(self):
        """The stage names this hook overrides (a generic override counts for its train/val variants)."""
        trigger = set()
        for stage in Hook.stages:
            if getattr(type(self), stage) is not getattr(Hook, stage):
                trigger.add(stage)
        generic = {'before_epoch': ['before_train_epoch', 'before_val_epoch'],
                   'after_epoch': ['after_train_epoch', 'after_val_epoch'],
                   'before_iter': ['before_train_iter', 'before_val_iter'],
                   'after_iter': ['after_train_iter', 'after_val_iter']}
        for method, stages in generic.items():
            if getattr(type(self), method) is not getattr(Hook, method):
                trigger.update(stages)
        return [stage for stage in Hook.stages if stage in trigger]
