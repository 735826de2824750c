"""The point-to-sides distance coder of FCOS-style heads (mmdet 2.x ``DistancePointBBoxCoder``)."""
from workbench.registry import BBOX_CODERS
from ..transforms import bbox2distance, distance2bbox
from .base_bbox_coder import BaseBBoxCoder


@BBOX_CODERS.register_module()
class DistancePointBBoxCoder(BaseBBoxCoder):
    """Encode a box as (left, top, right, bottom) distances from a point; decode the inverse.

    Args:
        clip_border (bool): clip decoded boxes to ``max_shape`` when it is given.
    """

    def __init__(self, clip_border=True):
        super().__init__()
        self.clip_border = clip_border

    def encode(self, points, gt_bboxes, max_dis=None, eps=0.1):
        if points.size(0) != gt_bboxes.size(0) or points.size(-1) != 2 or gt_bboxes.size(-1) != 4:
            raise ValueError('DistancePointBBoxCoder.encode: need points (N, 2) and boxes (N, 4), got '
                             f'{tuple(points.shape)} and {tuple(gt_bboxes.shape)}')
        return bbox2distance(points, gt_bboxes, max_dis, eps)

    def decode(self, points, pred_bboxes, max_shape=None):
        if points.size(0) != pred_bboxes.size(0) or points.size(-1) != 2 or pred_bboxes.size(-1) != 4:
            raise ValueError('DistancePointBBoxCoder.decode: need points (B?, N, 2) and distances (B?, N, 4), got '
                             f'{tuple(points.shape)} and {tuple(pred_bboxes.shape)}')
        if self.clip_border is False:
            max_shape = None
        return distance2bbox(points, pred_bboxes, max_shape)
