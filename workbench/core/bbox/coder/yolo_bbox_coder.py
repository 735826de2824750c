"""The YOLOv3 box coder (mmdet 2.x ``YOLOBBoxCoder``)."""
import torch

from workbench.registry import BBOX_CODERS
from .base_bbox_coder import BaseBBoxCoder


@BBOX_CODERS.register_module()
class YOLOBBoxCoder(BaseBBoxCoder):
    """Encode the gt centre as an offset within the anchor's grid cell (in [0, 1], via ``stride``) and the size as
    log ratios to the anchor's size.

    Args:
        eps (float): clamp bound keeping the targets inside (0, 1) and the logs finite.
    """

    def __init__(self, eps=1e-6):
        super().__init__()
        self.eps = eps

    def encode(self, bboxes, gt_bboxes, stride):
        """``stride`` is a number or a tensor broadcastable to the (...,) box dims (e.g. (N,))."""
        if bboxes.size(0) != gt_bboxes.size(0) or bboxes.size(-1) != 4 or gt_bboxes.size(-1) != 4:
            raise ValueError('YOLOBBoxCoder.encode: boxes must be (N, 4) of equal N, got '
                             f'{tuple(bboxes.shape)} and {tuple(gt_bboxes.shape)}')
        x_center_gt = (gt_bboxes[..., 0] + gt_bboxes[..., 2]) * 0.5
        y_center_gt = (gt_bboxes[..., 1] + gt_bboxes[..., 3]) * 0.5
        w_gt = gt_bboxes[..., 2] - gt_bboxes[..., 0]
        h_gt = gt_bboxes[..., 3] - gt_bboxes[..., 1]
        x_center = (bboxes[..., 0] + bboxes[..., 2]) * 0.5
        y_center = (bboxes[..., 1] + bboxes[..., 3]) * 0.5
        w = bboxes[..., 2] - bboxes[..., 0]
        h = bboxes[..., 3] - bboxes[..., 1]
        w_target = torch.log((w_gt / w).clamp(min=self.eps))
        h_target = torch.log((h_gt / h).clamp(min=self.eps))
        x_center_target = ((x_center_gt - x_center) / stride + 0.5).clamp(self.eps, 1 - self.eps)
        y_center_target = ((y_center_gt - y_center) / stride + 0.5).clamp(self.eps, 1 - self.eps)
        return torch.stack([x_center_target, y_center_target, w_target, h_target], dim=-1)

    def decode(self, bboxes, pred_bboxes, stride):
        """``stride`` is a number, a (..., 1) tensor (mmdet's heads pass this) or a (...,) tensor with the box dims."""
        if pred_bboxes.size(-1) != 4 or bboxes.size(-1) != 4:
            raise ValueError('YOLOBBoxCoder.decode: boxes and predictions must have 4 columns, got '
                             f'{tuple(bboxes.shape)} and {tuple(pred_bboxes.shape)}')
        if isinstance(stride, torch.Tensor) and stride.ndim >= 1 and stride.shape == pred_bboxes.shape[:-1]:
            # one stride per box: align it with the (x, y) / (w, h) pairs
            stride = stride.unsqueeze(-1)
        xy_centers = (bboxes[..., :2] + bboxes[..., 2:]) * 0.5 + (pred_bboxes[..., :2] - 0.5) * stride
        whs = (bboxes[..., 2:] - bboxes[..., :2]) * 0.5 * pred_bboxes[..., 2:].exp()
        return torch.stack((xy_centers[..., 0] - whs[..., 0], xy_centers[..., 1] - whs[..., 1],
                            xy_centers[..., 0] + whs[..., 0], xy_centers[..., 1] + whs[..., 1]), dim=-1)
