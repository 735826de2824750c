"""Model building blocks shared by backbones, necks and heads (mmdet.models.utils names)."""
from .inverted_residual import DropPath, InvertedResidual
from .make_divisible import make_divisible
from .res_layer import ResLayer
from .se_layer import SELayer

__all__ = ['ResLayer', 'InvertedResidual', 'DropPath', 'SELayer', 'make_divisible']
