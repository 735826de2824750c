"""Merging test-time-augmentation results (mmdet 2.x ``merge_augs``)."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import torch

from ..bbox.transforms import bbox_mapping_back


def _get(cfg, key, default=None):
    if isinstance(cfg, dict):
        return cfg.get(key, default)
    return getattr(cfg, key, default)


def merge_aug_proposals(aug_proposals, img_metas, cfg):
    """Merge RPN proposals of augmented images: map back to the original image, NMS, keep ``max_per_img``.

    ``img_metas`` has one meta dict per augmentation (``img_shape``, ``scale_factor``, ``flip``,
    ``flip_direction``); ``cfg`` has ``nms=dict(iou_threshold=...)`` and ``max_per_img`` (the deprecated
    ``nms_thr``/``max_num`` are still read, with a warning).
    """
    from workbench.ops import nms
    cfg = copy.deepcopy(dict(cfg) if not isinstance(cfg, dict) else cfg)
    if 'nms' not in cfg or 'max_num' in cfg or 'nms_thr' in cfg:
        warnings.warn('In rpn_proposal or test_cfg, nms_thr has been moved to a dict named nms as iou_threshold, '
                      'max_num has been renamed as max_per_img, name of original arguments and the way to specify '
                      'iou_threshold of NMS will be deprecated.')
    if 'nms' not in cfg:
        cfg['nms'] = dict(type='nms', iou_threshold=cfg['nms_thr'])
    if 'max_num' in cfg:
        if 'max_per_img' in cfg and cfg['max_num'] != cfg['max_per_img']:
            raise ValueError(f"max_num ({cfg['max_num']}) and max_per_img ({cfg['max_per_img']}) differ")
        cfg['max_per_img'] = cfg['max_num']
    if 'nms_thr' in cfg and _get(cfg['nms'], 'iou_threshold') != cfg['nms_thr']:
        raise ValueError(f"nms_thr ({cfg['nms_thr']}) and nms.iou_threshold differ")

    recovered = []
    for proposals, img_info in zip(aug_proposals, img_metas):
        _proposals = proposals.clone()
        _proposals[:, :4] = bbox_mapping_back(_proposals[:, :4], img_info['img_shape'], img_info['scale_factor'],
                                              img_info['flip'], img_info.get('flip_direction', 'horizontal'))
        recovered.append(_proposals)
    aug_proposals = torch.cat(recovered, dim=0)
    merged, _ = nms(aug_proposals[:, :4].contiguous(), aug_proposals[:, -1].contiguous(),
                    _get(cfg['nms'], 'iou_threshold'))
    _, order = merged[:, 4].sort(0, descending=True)
    order = order[:min(cfg['max_per_img'], merged.shape[0])]
    return merged[order, :]


def merge_aug_bboxes(aug_bboxes, aug_scores, img_metas, rcnn_test_cfg):
    """Average boxes (and scores) of augmented images after mapping them back to the original image.

    ``img_metas`` is a list (per augmentation) of lists of meta dicts (the first is used), as in mmdet.
    """
    recovered = []
    for bboxes, img_info in zip(aug_bboxes, img_metas):
        meta = img_info[0]
        recovered.append(bbox_mapping_back(bboxes, meta['img_shape'], meta['scale_factor'], meta['flip'],
                                           meta.get('flip_direction', 'horizontal')))
    bboxes = torch.stack(recovered).mean(dim=0)
    if aug_scores is None:
        return bboxes
    return bboxes, torch.stack(aug_scores).mean(dim=0)


def merge_aug_scores(aug_scores):
    """Average scores of augmented images (tensors or numpy arrays)."""
    if isinstance(aug_scores[0], torch.Tensor):
        return torch.mean(torch.stack(aug_scores), dim=0)
    return np.mean(aug_scores, axis=0)


def merge_aug_masks(aug_masks, img_metas, rcnn_test_cfg, weights=None):
    """Average (n, C, h, w) numpy mask predictions of augmented images after undoing their flips."""
    recovered = []
    for mask, img_info in zip(aug_masks, img_metas):
        meta = img_info[0]
        if meta['flip']:
            direction = meta.get('flip_direction', 'horizontal')
            if direction == 'horizontal':
                mask = mask[:, :, :, ::-1]
            elif direction == 'vertical':
                mask = mask[:, :, ::-1, :]
            elif direction == 'diagonal':
                mask = mask[:, :, ::-1, ::-1]
            else:
                raise ValueError(f"Invalid flipping direction '{direction}'")
        recovered.append(mask)
    if weights is None:
        return np.mean(recovered, axis=0)
    return np.average(np.array(recovered), axis=0, weights=np.array(weights))
