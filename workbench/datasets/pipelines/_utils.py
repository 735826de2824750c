"""Shared helpers of the transforms: results-dict key checks and numpy box geometry."""
from __future__ import annotations

import numpy as np


class PipelineKeyError(KeyError):
    """A transform needed a results-dict key that an earlier step did not provide."""

    def __str__(self) -> str:  # KeyError would repr() the message and wrap it in quotes
        return str(self.args[0]) if self.args else ''


_KEY_HINTS = {
    'img': 'load the image first (LoadImageFromFile)',
    'img_info': "the dataset's prepare step provides it (or call LoadImageFromWebcam with results['img'])",
    'ann_info': "the dataset's prepare step provides it in training mode",
    'img_shape': 'LoadImageFromFile sets it',
    'gt_bboxes': 'LoadAnnotations(with_bbox=True) sets it',
    'gt_labels': 'LoadAnnotations(with_label=True) sets it',
    'gt_masks': 'LoadAnnotations(with_mask=True) sets it',
    'scale_factor': 'Resize sets it',
    'pad_shape': 'Resize or Pad sets it',
    'flip': 'RandomFlip sets it',
    'img_norm_cfg': 'Normalize sets it',
    'mix_results': 'wrap the dataset in MultiImageMixDataset so it fetches the extra images',
    'proposals': 'the dataset provides it when proposal_file is set',
}


def missing_key_error(transform, key, results) -> PipelineKeyError:
    name = transform if isinstance(transform, str) else type(transform).__name__
    hint = _KEY_HINTS.get(key)
    msg = (f'{name}: the results dict has no key {key!r}' + (f' ({hint})' if hint else '') +
           f'; keys present: {sorted(map(str, results))}')
    return PipelineKeyError(msg)


def require_keys(results, transform, *keys) -> None:
    """Raise a :class:`PipelineKeyError` naming ``transform`` and the first missing key."""
    if not isinstance(results, dict):
        name = type(transform).__name__
        raise TypeError(f'{name} expects a results dict, got {type(results).__name__}')
    for key in keys:
        if key not in results:
            raise missing_key_error(transform, key, results)


def bbox_flip(bboxes: np.ndarray, img_shape, direction: str) -> np.ndarray:
    """Flip (..., 4k) xyxy boxes in an image of ``img_shape`` (h, w, ...); x -> w - x, so the box edges swap."""
    if bboxes.shape[-1] % 4 != 0:
        raise ValueError(f'boxes must have a multiple of 4 columns, got shape {bboxes.shape}')
    flipped = bboxes.copy()
    h, w = img_shape[0], img_shape[1]
    if direction in ('horizontal', 'diagonal'):
        flipped[..., 0::4] = w - bboxes[..., 2::4]
        flipped[..., 2::4] = w - bboxes[..., 0::4]
    if direction in ('vertical', 'diagonal'):
        flipped[..., 1::4] = h - bboxes[..., 3::4]
        flipped[..., 3::4] = h - bboxes[..., 1::4]
    if direction not in ('horizontal', 'vertical', 'diagonal'):
        raise ValueError(f'invalid flip direction {direction!r}')
    return flipped


def find_inside_bboxes(bboxes: np.ndarray, img_h: float, img_w: float) -> np.ndarray:
    """Boolean mask of boxes that overlap the image area at all."""
    return ((bboxes[:, 0] < img_w) & (bboxes[:, 2] > 0) & (bboxes[:, 1] < img_h) & (bboxes[:, 3] > 0))


def bbox_iou(bboxes1: np.ndarray, bboxes2: np.ndarray) -> np.ndarray:
    """IoU matrix of xyxy boxes (areas as (x2 - x1) * (y2 - y1))."""
    b1 = bboxes1.astype(np.float32)
    b2 = bboxes2.astype(np.float32)
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    lt = np.maximum(b1[:, None, :2], b2[None, :, :2])
    rb = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    overlap = wh[..., 0] * wh[..., 1]
    union = np.maximum(area1[:, None] + area2[None, :] - overlap, np.finfo(np.float32).eps)
    return overlap / union
