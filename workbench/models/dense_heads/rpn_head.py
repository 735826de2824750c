"""Region proposal network head (mmdet 2.x ``RPNHead``): objectness and box deltas per anchor, and proposals."""
import copy

import torch
import torch.nn.functional as F
from torch import nn

from workbench.cnn import ConvModule
from workbench.registry import HEADS

from ._cfg import cfg_get, cfg_require
from .anchor_head import AnchorHead


@HEADS.register_module()
class RPNHead(AnchorHead):
    """A 3x3 conv (``rpn_conv``) then 1x1 objectness (``rpn_cls``) and regression (``rpn_reg``) convs.

    Proposals (``get_bboxes``): per level, the ``nms_pre`` highest-scoring anchors; decoded and clipped to the
    image; boxes not larger than ``min_bbox_size`` in both sides dropped; NMS across levels with the level index as
    the class (so levels do not suppress each other); the first ``max_per_img`` kept.
    """

    def __init__(self, in_channels, init_cfg=dict(type='Normal', layer='Conv2d', std=0.01), num_convs=1, **kwargs):
        self.num_convs = num_convs
        super().__init__(1, in_channels, init_cfg=init_cfg, **kwargs)

    def _init_layers(self):
        if self.num_convs > 1:
            convs = []
            for i in range(self.num_convs):
                in_channels = self.in_channels if i == 0 else self.feat_channels
                # the last ReLU is applied in forward_single, as mmdet does
                convs.append(ConvModule(in_channels, self.feat_channels, 3, padding=1, inplace=False))
            self.rpn_conv = nn.Sequential(*convs)
        else:
            self.rpn_conv = nn.Conv2d(self.in_channels, self.feat_channels, 3, padding=1)
        self.rpn_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.rpn_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, 1)

    def forward_single(self, x):
        x = F.relu(self.rpn_conv(x), inplace=False)
        return self.rpn_cls(x), self.rpn_reg(x)

    def loss(self, cls_scores, bbox_preds, gt_bboxes, img_metas, gt_bboxes_ignore=None):
        losses = super().loss(cls_scores, bbox_preds, gt_bboxes, None, img_metas, gt_bboxes_ignore=gt_bboxes_ignore)
        return dict(loss_rpn_cls=losses['loss_cls'], loss_rpn_bbox=losses['loss_bbox'])

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, score_factor_list, mlvl_anchors, img_meta, cfg,
                           rescale=False, with_nms=True, **kwargs):
        cfg = self.test_cfg if cfg is None else cfg
        cfg = copy.deepcopy(cfg)
        img_shape = img_meta['img_shape']
        nms_pre = cfg_get(cfg, 'nms_pre', -1)
        level_ids, mlvl_scores, mlvl_bbox_preds, mlvl_valid_anchors = [], [], [], []
        for level_idx, (rpn_cls_score, rpn_bbox_pred, anchors) in enumerate(
                zip(cls_score_list, bbox_pred_list, mlvl_anchors)):
            if rpn_cls_score.shape[-2:] != rpn_bbox_pred.shape[-2:]:
                raise ValueError(f'RPNHead: cls {tuple(rpn_cls_score.shape)} and reg {tuple(rpn_bbox_pred.shape)} '
                                 'outputs differ in size')
            rpn_cls_score = rpn_cls_score.permute(1, 2, 0)
            if self.use_sigmoid_cls:
                scores = rpn_cls_score.reshape(-1).sigmoid()
            else:
                # softmax over (foreground, background); column 0 is foreground as mmdet's label 0
                scores = rpn_cls_score.reshape(-1, 2).softmax(dim=1)[:, 0]
            rpn_bbox_pred = rpn_bbox_pred.permute(1, 2, 0).reshape(-1, 4)
            if 0 < nms_pre < scores.shape[0]:
                # topk, not a full sort of every anchor's score (same selection, sorted; benchmarks/inference.py)
                scores, topk_inds = scores.topk(nms_pre)
                rpn_bbox_pred = rpn_bbox_pred[topk_inds, :]
                anchors = anchors[topk_inds, :]
            mlvl_scores.append(scores)
            mlvl_bbox_preds.append(rpn_bbox_pred)
            mlvl_valid_anchors.append(anchors)
            level_ids.append(scores.new_full((scores.size(0),), level_idx, dtype=torch.long))
        return self._bbox_post_process_rpn(mlvl_scores, mlvl_bbox_preds, mlvl_valid_anchors, level_ids, cfg,
                                           img_shape)

    def _bbox_post_process_rpn(self, mlvl_scores, mlvl_bboxes, mlvl_valid_anchors, level_ids, cfg, img_shape):
        from workbench.ops import batched_nms

        scores = torch.cat(mlvl_scores)
        anchors = torch.cat(mlvl_valid_anchors)
        rpn_bbox_pred = torch.cat(mlvl_bboxes)
        proposals = self.bbox_coder.decode(anchors, rpn_bbox_pred, max_shape=img_shape)
        ids = torch.cat(level_ids)
        min_bbox_size = cfg_get(cfg, 'min_bbox_size', -1)
        if min_bbox_size >= 0:
            w = proposals[:, 2] - proposals[:, 0]
            h = proposals[:, 3] - proposals[:, 1]
            valid = (w > min_bbox_size) & (h > min_bbox_size)
            if not valid.all():
                proposals, scores, ids = proposals[valid], scores[valid], ids[valid]
        if proposals.numel() == 0:
            return proposals.new_zeros(0, 5)
        dets, _ = batched_nms(proposals, scores, ids, cfg_require(cfg, 'nms', 'RPNHead'))
        return dets[:cfg_require(cfg, 'max_per_img', 'RPNHead')]

    def simple_test_rpn(self, x, img_metas):
        """Proposals (list over images of (n, 5) [x1, y1, x2, y2, score]) of a batch."""
        rpn_outs = self(x)
        return self.get_bboxes(*rpn_outs, img_metas=img_metas)

    def aug_test_rpn(self, feats, img_metas):
        """Proposals merged over test-time augmentations (mmdet's ``merge_aug_proposals``)."""
        from workbench.core import merge_aug_proposals
        samples_per_gpu = len(img_metas[0])
        aug_proposals = [[] for _ in range(samples_per_gpu)]
        for x, img_meta in zip(feats, img_metas):
            proposal_list = self.simple_test_rpn(x, img_meta)
            for i, proposals in enumerate(proposal_list):
                aug_proposals[i].append(proposals)
        aug_img_metas = [[img_meta[i] for img_meta in img_metas] for i in range(samples_per_gpu)]
        return [merge_aug_proposals(p, m, self.test_cfg) for p, m in zip(aug_proposals, aug_img_metas)]
