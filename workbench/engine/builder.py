"""build_runner from ``cfg.runner`` (mmcv 1.x ``DefaultRunnerConstructor`` / ``RUNNER_BUILDERS``)."""
from __future__ import annotations

import copy
from typing import Optional

from workbench.registry import RUNNER_BUILDERS, RUNNERS


@RUNNER_BUILDERS.register_module()
class DefaultRunnerConstructor:
    """Builds ``RUNNERS.build(runner_cfg, default_args)``; a runner cfg may name another constructor with
    ``constructor='MyRunnerConstructor'``."""

    def __init__(self, runner_cfg: dict, default_args: Optional[dict] = None):
        if not isinstance(runner_cfg, dict):
            raise TypeError(f'runner_cfg should be a dict, but got {type(runner_cfg).__name__}')
        self.runner_cfg = runner_cfg
        self.default_args = default_args

    def __call__(self):
        return RUNNERS.build(self.runner_cfg, default_args=self.default_args)


def build_runner_constructor(cfg: dict):
    return RUNNER_BUILDERS.build(cfg)


def build_runner(cfg: dict, default_args: Optional[dict] = None):
    """``build_runner(dict(type='EpochBasedRunner', max_epochs=12), default_args=dict(model=..., optimizer=...,
    work_dir=..., logger=..., meta=...))``."""
    runner_cfg = copy.deepcopy(dict(cfg))
    constructor_type = runner_cfg.pop('constructor', 'DefaultRunnerConstructor')
    runner_constructor = build_runner_constructor(
        dict(type=constructor_type, runner_cfg=runner_cfg, default_args=default_args))
    return runner_constructor()
