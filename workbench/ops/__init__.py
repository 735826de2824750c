"""Detection ops with mmcv 1.x `mmcv.ops` semantics: CPU paths in torch/torchvision, CUDA paths as run-time compiled
CuPy kernels from `cuda/` (see docs/ops.md)."""
from workbench.ops.bbox import bbox_overlaps
from workbench.ops.focal_loss import SigmoidFocalLoss, sigmoid_focal_loss
from workbench.ops.nms import batched_nms, nms, nms_match, soft_nms
from workbench.ops.roi_align import RoIAlign, roi_align
from workbench.ops.roi_pool import RoIPool, roi_pool

__all__ = ['bbox_overlaps', 'nms', 'soft_nms', 'batched_nms', 'nms_match', 'roi_align', 'RoIAlign', 'roi_pool',
           'RoIPool', 'sigmoid_focal_loss', 'SigmoidFocalLoss']
