"""The detection core (``mmdet.core`` of MMDetection 2.x): priors, box coding, IoU, assignment, sampling,
post-processing and small utilities. Mask structures live in ``workbench.core.mask``."""
from .anchor import *  # noqa: F401,F403
from .bbox import *  # noqa: F401,F403
from .post_processing import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
from .anchor import __all__ as _anchor_all
from .bbox import __all__ as _bbox_all
from .post_processing import __all__ as _pp_all
from .utils import __all__ as _utils_all

__all__ = list(_anchor_all) + list(_bbox_all) + list(_pp_all) + list(_utils_all)
