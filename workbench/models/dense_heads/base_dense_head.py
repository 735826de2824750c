"""Base class of dense (one-stage / RPN) heads: mmdet 2.x ``get_bboxes`` post-processing and the train/test
entry points shared by every dense head."""
from abc import ABCMeta, abstractmethod

import torch

from workbench.cnn import BaseModule, constant_init

from ._cfg import cfg_get, cfg_require


class BaseDenseHead(BaseModule, metaclass=ABCMeta):
    """Subclasses provide ``forward``, ``loss`` and a ``prior_generator``; ``bbox_coder``, ``cls_out_channels``
    and ``use_sigmoid_cls`` are used by the default ``_get_bboxes_single``."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)

    def init_weights(self):
        super().init_weights()
        # deformable convs start as plain convs: zero offsets
        for m in self.modules():
            if hasattr(m, 'conv_offset'):
                constant_init(m.conv_offset, 0)

    @abstractmethod
    def loss(self, **kwargs):
        """Loss dict of the head outputs against the ground truth."""

    # ---------------------------------------------------------------------------------------------------------- test
    def get_bboxes(self, cls_scores, bbox_preds, score_factors=None, img_metas=None, cfg=None, rescale=False,
                   with_nms=True, **kwargs):
        """Per-image detections from multi-level head outputs.

        Returns a list (one per image) of ``(det_bboxes (n, 5) [x1, y1, x2, y2, score], det_labels (n,))`` with
        NMS, or ``(bboxes, scores, labels)`` before NMS when ``with_nms=False``.
        """
        if len(cls_scores) != len(bbox_preds):
            raise ValueError(f'{type(self).__name__}.get_bboxes: {len(cls_scores)} levels of cls_scores but '
                             f'{len(bbox_preds)} of bbox_preds')
        if img_metas is None:
            raise ValueError(f'{type(self).__name__}.get_bboxes needs img_metas')
        from workbench.core import select_single_mlvl
        with_score_factors = score_factors is not None
        num_levels = len(cls_scores)
        featmap_sizes = [cls_scores[i].shape[-2:] for i in range(num_levels)]
        mlvl_priors = self.prior_generator.grid_priors(featmap_sizes, dtype=cls_scores[0].dtype,
                                                       device=cls_scores[0].device)
        result_list = []
        for img_id, img_meta in enumerate(img_metas):
            cls_score_list = select_single_mlvl(cls_scores, img_id)
            bbox_pred_list = select_single_mlvl(bbox_preds, img_id)
            if with_score_factors:
                score_factor_list = select_single_mlvl(score_factors, img_id)
            else:
                score_factor_list = [None for _ in range(num_levels)]
            result_list.append(
                self._get_bboxes_single(cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta,
                                        cfg, rescale, with_nms, **kwargs))
        return result_list

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta, cfg,
                           rescale=False, with_nms=True, **kwargs):
        """One image: per level keep the ``nms_pre`` best (score, class) pairs over ``score_thr``, decode, then
        ``_bbox_post_process``."""
        from workbench.core import filter_scores_and_topk
        with_score_factors = score_factor_list[0] is not None
        cfg = self.test_cfg if cfg is None else cfg
        img_shape = img_meta['img_shape']
        nms_pre = cfg_get(cfg, 'nms_pre', -1)
        score_thr = cfg_get(cfg, 'score_thr', 0)

        mlvl_bboxes, mlvl_scores, mlvl_labels = [], [], []
        mlvl_score_factors = [] if with_score_factors else None
        for cls_score, bbox_pred, score_factor, priors in zip(cls_score_list, bbox_pred_list, score_factor_list,
                                                              mlvl_priors):
            if cls_score.shape[-2:] != bbox_pred.shape[-2:]:
                raise ValueError(f'cls_score {tuple(cls_score.shape)} and bbox_pred {tuple(bbox_pred.shape)} differ '
                                 'in spatial size')
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, 4)
            if with_score_factors:
                score_factor = score_factor.permute(1, 2, 0).reshape(-1).sigmoid()
            cls_score = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels)
            if self.use_sigmoid_cls:
                scores = cls_score.sigmoid()
            else:
                # the last softmax column is background
                scores = cls_score.softmax(-1)[:, :-1]
            scores, labels, keep_idxs, filtered = filter_scores_and_topk(
                scores, score_thr, nms_pre, dict(bbox_pred=bbox_pred, priors=priors))
            bboxes = self.bbox_coder.decode(filtered['priors'], filtered['bbox_pred'], max_shape=img_shape)
            mlvl_bboxes.append(bboxes)
            mlvl_scores.append(scores)
            mlvl_labels.append(labels)
            if with_score_factors:
                mlvl_score_factors.append(score_factor[keep_idxs])
        return self._bbox_post_process(mlvl_scores, mlvl_labels, mlvl_bboxes, img_meta['scale_factor'], cfg,
                                       rescale, with_nms, mlvl_score_factors, **kwargs)

    def _bbox_post_process(self, mlvl_scores, mlvl_labels, mlvl_bboxes, scale_factor, cfg, rescale=False,
                           with_nms=True, mlvl_score_factors=None, **kwargs):
        """Concatenate levels, undo the resize (``rescale``), multiply score factors, class-wise NMS and
        ``max_per_img``."""
        from workbench.ops import batched_nms
        mlvl_bboxes = torch.cat(mlvl_bboxes)
        if rescale:
            mlvl_bboxes = mlvl_bboxes / mlvl_bboxes.new_tensor(scale_factor)
        mlvl_scores = torch.cat(mlvl_scores)
        mlvl_labels = torch.cat(mlvl_labels)
        if mlvl_score_factors is not None:
            mlvl_scores = mlvl_scores * torch.cat(mlvl_score_factors)
        if not with_nms:
            return mlvl_bboxes, mlvl_scores, mlvl_labels
        if mlvl_bboxes.numel() == 0:
            return torch.cat([mlvl_bboxes, mlvl_scores[:, None]], -1), mlvl_labels
        max_per_img = cfg_get(cfg, 'max_per_img', 100)
        det_bboxes, keep_idxs = batched_nms(mlvl_bboxes, mlvl_scores, mlvl_labels,
                                            cfg_require(cfg, 'nms', type(self).__name__))
        return det_bboxes[:max_per_img], mlvl_labels[keep_idxs][:max_per_img]

    def simple_test(self, feats, img_metas, rescale=False):
        """Detections of a batch without augmentation: list of (det_bboxes, det_labels)."""
        return self.simple_test_bboxes(feats, img_metas, rescale=rescale)

    def simple_test_bboxes(self, feats, img_metas, rescale=False):
        outs = self.forward(feats)
        return self.get_bboxes(*outs, img_metas=img_metas, rescale=rescale)

    # --------------------------------------------------------------------------------------------------------- train
    def forward_train(self, x, img_metas, gt_bboxes, gt_labels=None, gt_bboxes_ignore=None, proposal_cfg=None,
                      **kwargs):
        """Losses of the head on features ``x``; with ``proposal_cfg`` also the proposals (RPN use)."""
        outs = self(x)
        if gt_labels is None:
            loss_inputs = outs + (gt_bboxes, img_metas)
        else:
            loss_inputs = outs + (gt_bboxes, gt_labels, img_metas)
        losses = self.loss(*loss_inputs, gt_bboxes_ignore=gt_bboxes_ignore)
        if proposal_cfg is None:
            return losses
        proposal_list = self.get_bboxes(*outs, img_metas=img_metas, cfg=proposal_cfg)
        return losses, proposal_list

    def forward_dummy(self, feats):
        return self.forward(feats)
