"""Optimizers from configs (mmcv 1.x ``build_optimizer`` / ``DefaultOptimizerConstructor``)."""
from .builder import TORCH_OPTIMIZERS, build_optimizer, build_optimizer_constructor
from .default_constructor import DefaultOptimizerConstructor

__all__ = ['build_optimizer', 'build_optimizer_constructor', 'DefaultOptimizerConstructor', 'TORCH_OPTIMIZERS']
