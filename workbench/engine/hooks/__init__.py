"""Runner hooks with mmcv 1.x / mmdet 2.x names, all registered in ``workbench.registry.HOOKS``."""
from .checkpoint import CheckpointHook
from .ema import BaseEMAHook, EMAHook, ExpMomentumEMAHook, LinearMomentumEMAHook
from .evaluation import DistEvalHook, EvalHook
from .hook import Hook
from .iter_timer import IterTimerHook
from .logger import LoggerHook, TensorboardLoggerHook, TextLoggerHook
from .lr_updater import (CosineAnnealingLrUpdaterHook, CosineRestartLrUpdaterHook, CyclicLrUpdaterHook,
                         ExpLrUpdaterHook, FixedLrUpdaterHook, FlatCosineAnnealingLrUpdaterHook, InvLrUpdaterHook,
                         LinearAnnealingLrUpdaterHook, LrUpdaterHook, OneCycleLrUpdaterHook, PolyLrUpdaterHook,
                         StepLrUpdaterHook, annealing_cos, annealing_linear)
from .misc import (CheckInvalidLossHook, DistSamplerSeedHook, EmptyCacheHook, MemoryProfilerHook,
                   NumClassCheckHook, SyncBuffersHook)
from .momentum_updater import (CosineAnnealingMomentumUpdaterHook, CyclicMomentumUpdaterHook,
                               LinearAnnealingMomentumUpdaterHook, MomentumUpdaterHook,
                               OneCycleMomentumUpdaterHook, StepMomentumUpdaterHook)
from .optimizer import (Fp16OptimizerHook, GradientCumulativeFp16OptimizerHook, GradientCumulativeOptimizerHook,
                        OptimizerHook)

__all__ = [
    'Hook', 'CheckpointHook', 'EMAHook', 'BaseEMAHook', 'ExpMomentumEMAHook', 'LinearMomentumEMAHook', 'EvalHook',
    'DistEvalHook', 'IterTimerHook', 'LoggerHook', 'TextLoggerHook', 'TensorboardLoggerHook', 'LrUpdaterHook',
    'FixedLrUpdaterHook', 'StepLrUpdaterHook', 'ExpLrUpdaterHook', 'PolyLrUpdaterHook', 'InvLrUpdaterHook',
    'CosineAnnealingLrUpdaterHook', 'FlatCosineAnnealingLrUpdaterHook', 'CosineRestartLrUpdaterHook',
    'CyclicLrUpdaterHook', 'OneCycleLrUpdaterHook', 'LinearAnnealingLrUpdaterHook', 'annealing_cos',
    'annealing_linear', 'CheckInvalidLossHook', 'NumClassCheckHook', 'EmptyCacheHook', 'MemoryProfilerHook',
    'DistSamplerSeedHook', 'SyncBuffersHook', 'MomentumUpdaterHook', 'StepMomentumUpdaterHook',
    'CosineAnnealingMomentumUpdaterHook', 'LinearAnnealingMomentumUpdaterHook', 'CyclicMomentumUpdaterHook',
    'OneCycleMomentumUpdaterHook', 'OptimizerHook', 'Fp16OptimizerHook', 'GradientCumulativeOptimizerHook',
    'GradientCumulativeFp16OptimizerHook'
]
