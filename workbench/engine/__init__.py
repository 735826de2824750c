"""The training engine: runners, hooks, optimizers, checkpoints, distributed helpers (mmcv 1.x names).

Usage as in MMDetection 2.x::

    optimizer = build_optimizer(model, cfg.optimizer)
    runner = build_runner(cfg.runner, default_args=dict(model=model, optimizer=optimizer, work_dir=cfg.work_dir,
                                                        logger=logger, meta=meta))
    runner.timestamp = timestamp
    runner.register_training_hooks(cfg.lr_config, cfg.optimizer_config, cfg.checkpoint_config, cfg.log_config,
                                   cfg.get('momentum_config'), custom_hooks_config=cfg.get('custom_hooks'))
    runner.run(data_loaders, cfg.workflow)
"""
from .base_runner import BaseRunner, get_host_info, get_time_str
from .builder import DefaultRunnerConstructor, build_runner, build_runner_constructor
from .checkpoint import (CheckpointError, _load_checkpoint, _load_checkpoint_with_prefix, get_state_dict,
                         load_checkpoint, load_state_dict, publish_checkpoint, save_checkpoint, weights_to_cpu)
from .dist_utils import (allreduce_grads, allreduce_params, collect_results_cpu, collect_results_gpu,
                         get_dist_info, init_dist, master_only)
from .epoch_based_runner import EpochBasedRunner, Runner
from .hooks import *  # noqa: F401,F403
from .hooks import __all__ as _hooks_all
from .iter_based_runner import IterBasedRunner, IterLoader
from .log_buffer import LogBuffer
from .logging import get_logger, get_root_logger, print_log
from .optimizer import DefaultOptimizerConstructor, build_optimizer, build_optimizer_constructor
from .priority import Priority, get_priority
from .seeding import get_rng_state, init_random_seed, set_random_seed, set_rng_state
from .test import multi_gpu_test, single_gpu_test
from .utils import find_latest_checkpoint

__all__ = [
    'BaseRunner', 'EpochBasedRunner', 'IterBasedRunner', 'Runner', 'IterLoader', 'build_runner',
    'build_runner_constructor', 'DefaultRunnerConstructor', 'LogBuffer', 'Priority', 'get_priority',
    'load_checkpoint', 'save_checkpoint', 'load_state_dict', 'get_state_dict', 'weights_to_cpu',
    'publish_checkpoint', 'CheckpointError', '_load_checkpoint', '_load_checkpoint_with_prefix', 'init_dist',
    'get_dist_info', 'master_only', 'allreduce_grads', 'allreduce_params', 'collect_results_cpu',
    'collect_results_gpu', 'build_optimizer', 'build_optimizer_constructor', 'DefaultOptimizerConstructor',
    'set_random_seed', 'init_random_seed', 'get_rng_state', 'set_rng_state', 'single_gpu_test', 'multi_gpu_test',
    'find_latest_checkpoint', 'get_logger', 'get_root_logger', 'print_log', 'get_host_info', 'get_time_str'
] + list(_hooks_all)
