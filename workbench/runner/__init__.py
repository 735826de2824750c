"""mmcv 1.x ``mmcv.runner`` names: ``from workbench.runner import EpochBasedRunner, build_runner, ...``.

The implementation lives in ``workbench.engine``; this package re-exports it under the names MMDetection 2.x
code imports.
"""
from workbench.engine import *  # noqa: F401,F403
from workbench.engine import __all__ as _engine_all
from workbench.engine import _load_checkpoint, _load_checkpoint_with_prefix  # noqa: F401

from . import checkpoint  # noqa: F401

__all__ = list(_engine_all)
