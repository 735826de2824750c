"""Online hard example mining (mmdet 2.x ``OHEMSampler``)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_SAMPLERS
from ..transforms import bbox2roi
from .base_sampler import BaseSampler


@BBOX_SAMPLERS.register_module()
class OHEMSampler(BaseSampler):
    """Keep the samples with the highest classification loss under the current RoI head.

    ``context`` is the RoI head that builds this sampler (``build_sampler(cfg, context=self)``). It must offer, as
    mmdet's do: ``bbox_head`` (a module, or a list for cascades that also have ``num_stages`` and
    ``current_stage``) whose ``loss(cls_score, bbox_pred, rois, labels, label_weights, bbox_targets, bbox_weights,
    reduction_override='none')`` returns a dict with ``loss_key``; ``_bbox_forward(feats, rois)`` (cascades:
    ``_bbox_forward(stage, feats, rois)``) returning a dict with ``cls_score``; and ``bbox_head.num_classes``.
    ``sample`` must then receive ``feats=`` (the RoI feature maps).
    """

    def __init__(self, num, pos_fraction, context, neg_pos_ub=-1, add_gt_as_proposals=True, loss_key='loss_cls',
                 **kwargs):
        super().__init__(num, pos_fraction, neg_pos_ub, add_gt_as_proposals)
        self.context = context
        if not hasattr(self.context, 'num_stages'):
            self.bbox_head = self.context.bbox_head
        else:
            self.bbox_head = self.context.bbox_head[self.context.current_stage]
        self.loss_key = loss_key

    def hard_mining(self, inds, num_expected, bboxes, labels, feats):
        with torch.no_grad():
            rois = bbox2roi([bboxes])
            if not hasattr(self.context, 'num_stages'):
                bbox_results = self.context._bbox_forward(feats, rois)
            else:
                bbox_results = self.context._bbox_forward(self.context.current_stage, feats, rois)
            cls_score = bbox_results['cls_score']
            loss = self.bbox_head.loss(cls_score=cls_score, bbox_pred=None, rois=rois, labels=labels,
                                       label_weights=cls_score.new_ones(cls_score.size(0)), bbox_targets=None,
                                       bbox_weights=None, reduction_override='none')[self.loss_key]
            _, topk_loss_inds = loss.topk(num_expected)
        return inds[topk_loss_inds]

    def _sample_pos(self, assign_result, num_expected, bboxes=None, feats=None, **kwargs):
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False)
        if pos_inds.numel() != 0:
            pos_inds = pos_inds.squeeze(1)
        if pos_inds.numel() <= num_expected:
            return pos_inds
        return self.hard_mining(pos_inds, num_expected, bboxes[pos_inds], assign_result.labels[pos_inds], feats)

    def _sample_neg(self, assign_result, num_expected, bboxes=None, feats=None, **kwargs):
        neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False)
        if neg_inds.numel() != 0:
            neg_inds = neg_inds.squeeze(1)
        if len(neg_inds) <= num_expected:
            return neg_inds
        # negatives are scored as background (label == num_classes)
        neg_labels = assign_result.labels.new_empty(neg_inds.size(0)).fill_(self.bbox_head.num_classes)
        return self.hard_mining(neg_inds, num_expected, bboxes[neg_inds], neg_labels, feats)
