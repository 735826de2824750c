"""Models (mmdet.models names): builders, backbones, necks, and — added by their owners — heads, losses,
detectors. Importing a subpackage registers its classes in MODELS."""
from .builder import (BACKBONES, DETECTORS, HEADS, LOSSES, MODELS, NECKS, ROI_EXTRACTORS, SHARED_HEADS,
                      build_backbone, build_detector, build_head, build_loss, build_model_from_cfg, build_neck,
                      build_roi_extractor, build_shared_head)
from .backbones import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403

# --- other subpackages register here (one explicit import line each, owned by their authors) ---------------------
from .losses import *  # noqa: F401,F403
from .dense_heads import *  # noqa: F401,F403
from .roi_heads import *  # noqa: F401,F403
from .detectors import *  # noqa: F401,F403
# ----------------------------------------------------------------------------------------------------------------

from . import backbones, necks  # noqa: E402

__all__ = [
    'MODELS', 'BACKBONES', 'NECKS', 'HEADS', 'LOSSES', 'DETECTORS', 'ROI_EXTRACTORS', 'SHARED_HEADS',
    'build_model_from_cfg', 'build_backbone', 'build_neck', 'build_roi_extractor', 'build_shared_head', 'build_head',
    'build_loss', 'build_detector'
] + backbones.__all__ + necks.__all__
