"""The (top, bottom, left, right) box coder of FSAF/SABL-style heads (mmdet 2.x ``TBLRBBoxCoder``)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_CODERS
from ..transforms import clip_bboxes
from .base_bbox_coder import BaseBBoxCoder


@BBOX_CODERS.register_module()
class TBLRBBoxCoder(BaseBBoxCoder):
    """Encode a gt box as the distances from the prior's centre to its four sides, normalised by the prior's
    size and by ``normalizer``.

    Args:
        normalizer (float | list[float]): divisor of the encoded distances (one per side if a list).
        clip_border (bool): clip decoded boxes to ``max_shape`` when it is given.
    """

    def __init__(self, normalizer=4.0, clip_border=True):
        super().__init__()
        self.normalizer = normalizer
        self.clip_border = clip_border

    def encode(self, bboxes, gt_bboxes):
        if bboxes.size(0) != gt_bboxes.size(0) or bboxes.size(-1) != 4 or gt_bboxes.size(-1) != 4:
            raise ValueError('TBLRBBoxCoder.encode: boxes must be (N, 4) of equal N, got '
                             f'{tuple(bboxes.shape)} and {tuple(gt_bboxes.shape)}')
        return bboxes2tblr(bboxes, gt_bboxes, normalizer=self.normalizer)

    def decode(self, bboxes, pred_bboxes, max_shape=None):
        return tblr2bboxes(bboxes, pred_bboxes, normalizer=self.normalizer, max_shape=max_shape,
                           clip_border=self.clip_border)


def _normalizer_tensor(normalizer, ref):
    if isinstance(normalizer, float):
        return normalizer
    normalizer = torch.tensor(normalizer, device=ref.device)
    if len(normalizer) != 4:
        raise ValueError(f'normalizer must be a float or 4 floats, got {normalizer.tolist()}')
    return normalizer


def bboxes2tblr(priors, gts, normalizer=4.0, normalize_by_wh=True):
    normalizer = _normalizer_tensor(normalizer, priors)
    prior_centers = (priors[:, 0:2] + priors[:, 2:4]) / 2
    xmin, ymin, xmax, ymax = gts.split(1, dim=1)
    top = prior_centers[:, 1].unsqueeze(1) - ymin
    bottom = ymax - prior_centers[:, 1].unsqueeze(1)
    left = prior_centers[:, 0].unsqueeze(1) - xmin
    right = xmax - prior_centers[:, 0].unsqueeze(1)
    loc = torch.cat((top, bottom, left, right), dim=1)
    if normalize_by_wh:
        wh = priors[:, 2:4] - priors[:, 0:2]
        w, h = torch.split(wh, 1, dim=1)
        loc[:, :2] /= h
        loc[:, 2:] /= w
    return loc / normalizer


def tblr2bboxes(priors, tblr, normalizer=4.0, normalize_by_wh=True, max_shape=None, clip_border=True):
    normalizer = _normalizer_tensor(normalizer, priors)
    loc_decode = tblr * normalizer
    prior_centers = (priors[..., 0:2] + priors[..., 2:4]) / 2
    if normalize_by_wh:
        wh = priors[..., 2:4] - priors[..., 0:2]
        w, h = torch.split(wh, 1, dim=-1)
        loc_decode = torch.cat([h * loc_decode[..., :2], w * loc_decode[..., 2:]], dim=-1)
    top, bottom, left, right = loc_decode.split((1, 1, 1, 1), dim=-1)
    xmin = prior_centers[..., 0].unsqueeze(-1) - left
    xmax = prior_centers[..., 0].unsqueeze(-1) + right
    ymin = prior_centers[..., 1].unsqueeze(-1) - top
    ymax = prior_centers[..., 1].unsqueeze(-1) + bottom
    bboxes = torch.cat((xmin, ymin, xmax, ymax), dim=-1)
    if clip_border and max_shape is not None:
        bboxes = clip_bboxes(bboxes, max_shape)
    return bboxes
