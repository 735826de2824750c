"""The (dx, dy, dw, dh) box coder of R-CNN (mmdet 2.x ``DeltaXYWHBBoxCoder``)."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from workbench.registry import BBOX_CODERS
from .base_bbox_coder import BaseBBoxCoder


@BBOX_CODERS.register_module()
class DeltaXYWHBBoxCoder(BaseBBoxCoder):
    """Encode boxes as normalised centre offsets and log size ratios; decode the inverse.

    Args:
        target_means (Sequence[float]): means subtracted from the deltas when encoding.
        target_stds (Sequence[float]): stds the deltas are divided by when encoding.
        clip_border (bool): clip decoded boxes to ``max_shape`` when it is given.
        add_ctr_clamp (bool): clamp the decoded centre shift to ``ctr_clamp`` pixels (YOLOF); the size deltas are
            then only clamped from above.
        ctr_clamp (int): the maximum centre shift, in pixels.
    """

    def __init__(self, target_means=(0., 0., 0., 0.), target_stds=(1., 1., 1., 1.), clip_border=True,
                 add_ctr_clamp=False, ctr_clamp=32):
        super().__init__()
        self.means = target_means
        self.stds = target_stds
        self.clip_border = clip_border
        self.add_ctr_clamp = add_ctr_clamp
        self.ctr_clamp = ctr_clamp

    def encode(self, bboxes, gt_bboxes):
        if bboxes.size(0) != gt_bboxes.size(0):
            raise ValueError(f'DeltaXYWHBBoxCoder.encode: {bboxes.size(0)} boxes but {gt_bboxes.size(0)} targets')
        if bboxes.size(-1) != 4 or gt_bboxes.size(-1) != 4:
            raise ValueError('DeltaXYWHBBoxCoder.encode: boxes must have 4 columns, got '
                             f'{tuple(bboxes.shape)} and {tuple(gt_bboxes.shape)}')
        return bbox2delta(bboxes, gt_bboxes, self.means, self.stds)

    def decode(self, bboxes, pred_bboxes, max_shape=None, wh_ratio_clip=16 / 1000):
        """Apply deltas ``pred_bboxes`` ((N, 4k) or (B, N, 4k)) to ``bboxes`` ((N, 4) or (B, N, 4)).

        ``max_shape`` is (h, w[, c]), or for batched input a list of them or a (B, 2) tensor.
        """
        if pred_bboxes.size(0) != bboxes.size(0):
            raise ValueError(f'DeltaXYWHBBoxCoder.decode: {bboxes.size(0)} boxes but {pred_bboxes.size(0)} deltas')
        if pred_bboxes.ndim == 3 and pred_bboxes.size(1) != bboxes.size(1):
            raise ValueError(f'DeltaXYWHBBoxCoder.decode: boxes {tuple(bboxes.shape)} and deltas '
                             f'{tuple(pred_bboxes.shape)} do not match')
        if pred_bboxes.ndim == 2:
            return delta2bbox(bboxes, pred_bboxes, self.means, self.stds, max_shape, wh_ratio_clip,
                              self.clip_border, self.add_ctr_clamp, self.ctr_clamp)
        return batched_delta2bbox(bboxes, pred_bboxes, self.means, self.stds, max_shape, wh_ratio_clip,
                                  self.clip_border, self.add_ctr_clamp, self.ctr_clamp)


def bbox2delta(proposals, gt, means=(0., 0., 0., 0.), stds=(1., 1., 1., 1.)):
    """Deltas (dx, dy, dw, dh) that turn ``proposals`` into ``gt``, normalised by ``means``/``stds``."""
    proposals = proposals.float()
    gt = gt.float()
    px = (proposals[..., 0] + proposals[..., 2]) * 0.5
    py = (proposals[..., 1] + proposals[..., 3]) * 0.5
    pw = proposals[..., 2] - proposals[..., 0]
    ph = proposals[..., 3] - proposals[..., 1]

    gx = (gt[..., 0] + gt[..., 2]) * 0.5
    gy = (gt[..., 1] + gt[..., 3]) * 0.5
    gw = gt[..., 2] - gt[..., 0]
    gh = gt[..., 3] - gt[..., 1]

    deltas = torch.stack([(gx - px) / pw, (gy - py) / ph, torch.log(gw / pw), torch.log(gh / ph)], dim=-1)
    means = deltas.new_tensor(means).unsqueeze(0)
    stds = deltas.new_tensor(stds).unsqueeze(0)
    return deltas.sub_(means).div_(stds)


def delta2bbox(rois, deltas, means=(0., 0., 0., 0.), stds=(1., 1., 1., 1.), max_shape=None,
               wh_ratio_clip=16 / 1000, clip_border=True, add_ctr_clamp=False, ctr_clamp=32):
    """Apply deltas (N, 4k) to boxes (N, 4); returns (N, 4k) (k classes for class-specific regression)."""
    num_bboxes, num_classes = deltas.size(0), deltas.size(1) // 4
    if num_bboxes == 0:
        return deltas
    deltas = deltas.reshape(-1, 4)
    means = deltas.new_tensor(means).view(1, -1)
    stds = deltas.new_tensor(stds).view(1, -1)
    denorm = deltas * stds + means
    dxy = denorm[:, :2]
    dwh = denorm[:, 2:]

    rois_ = rois.repeat(1, num_classes).reshape(-1, 4)
    pxy = (rois_[:, :2] + rois_[:, 2:]) * 0.5
    pwh = rois_[:, 2:] - rois_[:, :2]
    dxy_wh = pwh * dxy

    max_ratio = np.abs(np.log(wh_ratio_clip))
    if add_ctr_clamp:
        dxy_wh = torch.clamp(dxy_wh, max=ctr_clamp, min=-ctr_clamp)
        dwh = torch.clamp(dwh, max=max_ratio)
    else:
        dwh = dwh.clamp(min=-max_ratio, max=max_ratio)

    gxy = pxy + dxy_wh
    gwh = pwh * dwh.exp()
    bboxes = torch.cat([gxy - gwh * 0.5, gxy + gwh * 0.5], dim=-1)
    if clip_border and max_shape is not None:
        bboxes[..., 0::2].clamp_(min=0, max=max_shape[1])
        bboxes[..., 1::2].clamp_(min=0, max=max_shape[0])
    return bboxes.reshape(num_bboxes, -1)


def batched_delta2bbox(rois, deltas, means=(0., 0., 0., 0.), stds=(1., 1., 1., 1.), max_shape=None,
                       wh_ratio_clip=16 / 1000, clip_border=True, add_ctr_clamp=False, ctr_clamp=32):
    """:func:`delta2bbox` for (B, N, 4k) deltas and (B, N, 4) or (N, 4) boxes; the same arithmetic per element."""
    if deltas.numel() == 0:
        return deltas
    batch, num_bboxes = deltas.shape[:2]
    num_classes = deltas.size(-1) // 4
    if rois.ndim == 2:
        rois = rois.unsqueeze(0).expand(batch, -1, -1)
    d = deltas.reshape(batch, num_bboxes, num_classes, 4)
    means = deltas.new_tensor(means).view(1, 1, 1, -1)
    stds = deltas.new_tensor(stds).view(1, 1, 1, -1)
    denorm = d * stds + means
    dxy = denorm[..., :2]
    dwh = denorm[..., 2:]
    r = rois[:, :, None, :]
    pxy = (r[..., :2] + r[..., 2:]) * 0.5
    pwh = r[..., 2:] - r[..., :2]
    dxy_wh = pwh * dxy
    max_ratio = np.abs(np.log(wh_ratio_clip))
    if add_ctr_clamp:
        dxy_wh = torch.clamp(dxy_wh, max=ctr_clamp, min=-ctr_clamp)
        dwh = torch.clamp(dwh, max=max_ratio)
    else:
        dwh = dwh.clamp(min=-max_ratio, max=max_ratio)
    gxy = pxy + dxy_wh
    gwh = pwh * dwh.exp()
    bboxes = torch.cat([gxy - gwh * 0.5, gxy + gwh * 0.5], dim=-1).reshape(batch, num_bboxes, -1)
    if clip_border and max_shape is not None:
        if not isinstance(max_shape, torch.Tensor):
            max_shape = bboxes.new_tensor(max_shape)
        max_shape = max_shape[..., :2].type_as(bboxes)
        if max_shape.ndim == 1:
            max_shape = max_shape.unsqueeze(0).expand(batch, 2)
        if max_shape.shape != (batch, 2):
            raise ValueError(f'max_shape {tuple(max_shape.shape)} does not match a batch of {batch}')
        # per image (w, h, w, h) repeated for every class
        max_xy = torch.cat([max_shape, max_shape], dim=-1).flip(-1).repeat(1, num_classes).unsqueeze(1)
        zero = bboxes.new_tensor(0)
        bboxes = torch.where(bboxes < zero, zero, bboxes)
        bboxes = torch.where(bboxes > max_xy, max_xy, bboxes)
    return bboxes


def onnx_delta2bbox(*args, **kwargs):
    """mmdet's name for the batched decoder; kept for compatibility."""
    warnings.warn('onnx_delta2bbox is deprecated; DeltaXYWHBBoxCoder.decode handles batched input', stacklevel=2)
    return batched_delta2bbox(*args, **kwargs)
