"""Cascade R-CNN's RoI head (mmdet 2.x ``CascadeRoIHead``): several box stages, each trained on the boxes the
previous stage regressed, with its own assigner/sampler and loss weight; test scores averaged over stages."""
import numpy as np
import torch

from workbench.cnn import ModuleList
from workbench.registry import HEADS

from .base_roi_head import BaseRoIHead
from .test_mixins import BBoxTestMixin, MaskTestMixin


def _cfg_value(cfg, key):
    return cfg[key] if isinstance(cfg, dict) else getattr(cfg, key)


@HEADS.register_module()
class CascadeRoIHead(BaseRoIHead, BBoxTestMixin, MaskTestMixin):

    def __init__(self, num_stages, stage_loss_weights, bbox_roi_extractor=None, bbox_head=None,
                 mask_roi_extractor=None, mask_head=None, shared_head=None, train_cfg=None, test_cfg=None,
                 pretrained=None, init_cfg=None):
        if bbox_roi_extractor is None or bbox_head is None:
            raise ValueError('CascadeRoIHead needs bbox_roi_extractor and bbox_head')
        if shared_head is not None:
            raise ValueError('a shared head is not supported in Cascade R-CNN')
        if len(stage_loss_weights) != num_stages:
            raise ValueError(f'{len(stage_loss_weights)} stage_loss_weights for {num_stages} stages')
        self.num_stages = num_stages
        self.stage_loss_weights = stage_loss_weights
        super().__init__(bbox_roi_extractor=bbox_roi_extractor, bbox_head=bbox_head,
                         mask_roi_extractor=mask_roi_extractor, mask_head=mask_head, shared_head=shared_head,
                         train_cfg=train_cfg, test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)

    def _per_stage(self, cfg, what):
        cfgs = cfg if isinstance(cfg, list) else [cfg] * self.num_stages
        if len(cfgs) != self.num_stages:
            raise ValueError(f'{len(cfgs)} {what} configs for {self.num_stages} stages')
        return cfgs

    def init_bbox_head(self, bbox_roi_extractor, bbox_head):
        from workbench.models.builder import build_head, build_roi_extractor
        self.bbox_roi_extractor = ModuleList()
        self.bbox_head = ModuleList()
        for extractor, head in zip(self._per_stage(bbox_roi_extractor, 'bbox_roi_extractor'),
                                   self._per_stage(bbox_head, 'bbox_head')):
            self.bbox_roi_extractor.append(build_roi_extractor(extractor))
            self.bbox_head.append(build_head(head))

    def init_mask_head(self, mask_roi_extractor, mask_head):
        from workbench.models.builder import build_head, build_roi_extractor
        self.mask_head = ModuleList([build_head(h) for h in self._per_stage(mask_head, 'mask_head')])
        if mask_roi_extractor is not None:
            self.share_roi_extractor = False
            self.mask_roi_extractor = ModuleList(
                [build_roi_extractor(e) for e in self._per_stage(mask_roi_extractor, 'mask_roi_extractor')])
        else:
            self.share_roi_extractor = True
            self.mask_roi_extractor = self.bbox_roi_extractor

    def init_assigner_sampler(self):
        from workbench.core import build_assigner, build_sampler
        self.bbox_assigner, self.bbox_sampler = [], []
        if self.train_cfg is not None:
            for idx, stage_cfg in enumerate(self.train_cfg):
                self.bbox_assigner.append(build_assigner(_cfg_value(stage_cfg, 'assigner')))
                self.current_stage = idx
                self.bbox_sampler.append(build_sampler(_cfg_value(stage_cfg, 'sampler'), context=self))

    def forward_dummy(self, x, proposals):
        from workbench.core import bbox2roi
        outs = ()
        rois = bbox2roi([proposals])
        if self.with_bbox:
            for i in range(self.num_stages):
                res = self._bbox_forward(i, x, rois)
                outs = outs + (res['cls_score'], res['bbox_pred'])
        if self.with_mask:
            for i in range(self.num_stages):
                outs = outs + (self._mask_forward(i, x, rois[:100])['mask_pred'],)
        return outs

    def _bbox_forward(self, stage, x, rois):
        extractor, head = self.bbox_roi_extractor[stage], self.bbox_head[stage]
        bbox_feats = extractor(x[:extractor.num_inputs], rois)
        cls_score, bbox_pred = head(bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def _bbox_forward_train(self, stage, x, sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg):
        from workbench.core import bbox2roi
        rois = bbox2roi([res.bboxes for res in sampling_results])
        bbox_results = self._bbox_forward(stage, x, rois)
        bbox_targets = self.bbox_head[stage].get_targets(sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg)
        loss_bbox = self.bbox_head[stage].loss(bbox_results['cls_score'], bbox_results['bbox_pred'], rois,
                                               *bbox_targets)
        bbox_results.update(loss_bbox=loss_bbox, rois=rois, bbox_targets=bbox_targets)
        return bbox_results

    def _mask_forward(self, stage, x, rois):
        extractor = self.mask_roi_extractor[stage]
        mask_feats = extractor(x[:extractor.num_inputs], rois)
        return dict(mask_pred=self.mask_head[stage](mask_feats))

    def _mask_forward_train(self, stage, x, sampling_results, gt_masks, rcnn_train_cfg):
        from workbench.core import bbox2roi
        pos_rois = bbox2roi([res.pos_bboxes for res in sampling_results])
        mask_results = self._mask_forward(stage, x, pos_rois)
        mask_targets = self.mask_head[stage].get_targets(sampling_results, gt_masks, rcnn_train_cfg)
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        mask_results.update(loss_mask=self.mask_head[stage].loss(mask_results['mask_pred'], mask_targets,
                                                                 pos_labels))
        return mask_results

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None):
        losses = dict()
        num_imgs = len(img_metas)
        if gt_bboxes_ignore is None:
            gt_bboxes_ignore = [None] * num_imgs
        for i in range(self.num_stages):
            self.current_stage = i
            rcnn_train_cfg = self.train_cfg[i]
            weight = self.stage_loss_weights[i]
            sampling_results = []
            for j in range(num_imgs):
                assign_result = self.bbox_assigner[i].assign(proposal_list[j], gt_bboxes[j], gt_bboxes_ignore[j],
                                                             gt_labels[j])
                sampling_results.append(self.bbox_sampler[i].sample(
                    assign_result, proposal_list[j], gt_bboxes[j], gt_labels[j],
                    feats=[lvl_feat[j][None] for lvl_feat in x]))
            bbox_results = self._bbox_forward_train(i, x, sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg)
            for name, value in bbox_results['loss_bbox'].items():
                losses[f's{i}.{name}'] = value * weight if 'loss' in name else value
            if self.with_mask:
                mask_results = self._mask_forward_train(i, x, sampling_results, gt_masks, rcnn_train_cfg)
                for name, value in mask_results['loss_mask'].items():
                    losses[f's{i}.{name}'] = value * weight if 'loss' in name else value
            if i < self.num_stages - 1:
                pos_is_gts = [res.pos_is_gt for res in sampling_results]
                roi_labels = bbox_results['bbox_targets'][0]
                with torch.no_grad():
                    cls_score = bbox_results['cls_score']
                    if self.bbox_head[i].custom_activation:
                        cls_score = self.bbox_head[i].loss_cls.get_activation(cls_score)
                    if cls_score.numel() == 0:
                        break
                    # background RoIs are refined with the class they score highest
                    roi_labels = torch.where(roi_labels == self.bbox_head[i].num_classes,
                                             cls_score[:, :-1].argmax(1), roi_labels)
                    proposal_list = self.bbox_head[i].refine_bboxes(bbox_results['rois'], roi_labels,
                                                                    bbox_results['bbox_pred'], pos_is_gts,
                                                                    img_metas)
        return losses

    def simple_test(self, x, proposal_list, img_metas, rescale=False):
        from workbench.core import bbox2result, bbox2roi
        from workbench.core.post_processing import merge_aug_masks
        if not self.with_bbox:
            raise RuntimeError('CascadeRoIHead.simple_test needs a bbox head')
        num_imgs = len(proposal_list)
        img_shapes = tuple(meta['img_shape'] for meta in img_metas)
        ori_shapes = tuple(meta['ori_shape'] for meta in img_metas)
        scale_factors = tuple(meta['scale_factor'] for meta in img_metas)
        last_head = self.bbox_head[-1]
        rcnn_test_cfg = self.test_cfg
        rois = bbox2roi(proposal_list)
        if rois.shape[0] == 0:
            bbox_results = [[np.zeros((0, 5), dtype=np.float32) for _ in range(last_head.num_classes)]
                            for _ in range(num_imgs)]
            if self.with_mask:
                segm = [[[] for _ in range(self.mask_head[-1].num_classes)] for _ in range(num_imgs)]
                return list(zip(bbox_results, segm))
            return bbox_results

        ms_scores = []
        for i in range(self.num_stages):
            bbox_results = self._bbox_forward(i, x, rois)
            num_per_img = tuple(len(p) for p in proposal_list)
            rois = rois.split(num_per_img, 0)
            cls_score = bbox_results['cls_score'].split(num_per_img, 0)
            bbox_pred = bbox_results['bbox_pred'].split(num_per_img, 0)
            ms_scores.append(cls_score)
            if i < self.num_stages - 1:
                if self.bbox_head[i].custom_activation:
                    cls_score = [self.bbox_head[i].loss_cls.get_activation(s) for s in cls_score]
                refined = []
                for j in range(num_imgs):
                    if rois[j].shape[0] > 0:
                        label = cls_score[j][:, :-1].argmax(dim=1)
                        refined.append(self.bbox_head[i].regress_by_class(rois[j], label, bbox_pred[j],
                                                                          img_metas[j]))
                rois = torch.cat(refined)
        # the final scores are the mean of every stage's scores
        cls_score = [sum(score[i] for score in ms_scores) / float(len(ms_scores)) for i in range(num_imgs)]
        det_bboxes, det_labels = [], []
        for i in range(num_imgs):
            det_bbox, det_label = last_head.get_bboxes(rois[i], cls_score[i], bbox_pred[i], img_shapes[i],
                                                       scale_factors[i], rescale=rescale, cfg=rcnn_test_cfg)
            det_bboxes.append(det_bbox)
            det_labels.append(det_label)
        bbox_results = [bbox2result(det_bboxes[i], det_labels[i], last_head.num_classes) for i in range(num_imgs)]
        if not self.with_mask:
            return bbox_results

        if all(b.shape[0] == 0 for b in det_bboxes):
            segm_results = [[[] for _ in range(self.mask_head[-1].num_classes)] for _ in range(num_imgs)]
            return list(zip(bbox_results, segm_results))
        if rescale and not isinstance(scale_factors[0], float):
            scale_factors = [torch.as_tensor(np.asarray(s, dtype=np.float32)).to(det_bboxes[0].device)
                             for s in scale_factors]
        bboxes = [det_bboxes[i][:, :4] * scale_factors[i] if rescale else det_bboxes[i][:, :4]
                  for i in range(num_imgs)]
        mask_rois = bbox2roi(bboxes)
        num_mask_rois = tuple(b.size(0) for b in bboxes)
        aug_masks = []
        for i in range(self.num_stages):
            mask_pred = self._mask_forward(i, x, mask_rois)['mask_pred'].split(num_mask_rois, 0)
            aug_masks.append([m.sigmoid().cpu().detach().numpy() for m in mask_pred])
        segm_results = []
        for i in range(num_imgs):
            if det_bboxes[i].shape[0] == 0:
                segm_results.append([[] for _ in range(self.mask_head[-1].num_classes)])
                continue
            merged = merge_aug_masks([m[i] for m in aug_masks], [[img_metas[i]]] * self.num_stages, rcnn_test_cfg)
            segm_results.append(self.mask_head[-1].get_seg_masks(merged, bboxes[i], det_labels[i], rcnn_test_cfg,
                                                                 ori_shapes[i], scale_factors[i], rescale))
        return list(zip(bbox_results, segm_results))

    def aug_test(self, features, proposal_list, img_metas, rescale=False):
        """Test-time augmentation for one image (``features``/``img_metas`` per augmentation): in each view the
        cascade refines the mapped proposals and averages the stages' scores; the views' boxes and scores are
        mapped back and averaged, then NMS. Masks: every stage's mask of every view, flips undone, averaged.
        Results are in original-image coordinates (as mmdet's Cascade ``aug_test``, whatever ``rescale``)."""
        from workbench.core import bbox2result, bbox2roi, bbox_mapping, multiclass_nms
        from workbench.core.post_processing import merge_aug_bboxes, merge_aug_masks
        cfg = self.test_cfg
        get = (lambda k: cfg[k]) if isinstance(cfg, dict) else (lambda k: getattr(cfg, k))
        last_head = self.bbox_head[-1]
        if proposal_list[0].shape[0] == 0:
            # every view maps the same (merged) proposals, so all of them are empty
            det_bboxes = proposal_list[0].new_zeros(0, 5)
            det_labels = proposal_list[0].new_zeros((0,), dtype=torch.long)
        else:
            aug_bboxes, aug_scores = [], []
            for x, img_meta in zip(features, img_metas):
                meta = img_meta[0]
                proposals = bbox_mapping(proposal_list[0][:, :4], meta['img_shape'], meta['scale_factor'],
                                         meta['flip'], meta.get('flip_direction', 'horizontal'))
                rois = bbox2roi([proposals])
                ms_scores = []
                for i in range(self.num_stages):
                    bbox_results = self._bbox_forward(i, x, rois)
                    ms_scores.append(bbox_results['cls_score'])
                    if i < self.num_stages - 1:
                        cls_score = bbox_results['cls_score']
                        if self.bbox_head[i].custom_activation:
                            cls_score = self.bbox_head[i].loss_cls.get_activation(cls_score)
                        label = cls_score[:, :-1].argmax(dim=1)
                        rois = self.bbox_head[i].regress_by_class(rois, label, bbox_results['bbox_pred'], meta)
                cls_score = sum(ms_scores) / float(len(ms_scores))
                bboxes, scores = last_head.get_bboxes(rois, cls_score, bbox_results['bbox_pred'], meta['img_shape'],
                                                      meta['scale_factor'], rescale=False, cfg=None)
                aug_bboxes.append(bboxes)
                aug_scores.append(scores)
            merged_bboxes, merged_scores = merge_aug_bboxes(aug_bboxes, aug_scores, img_metas, cfg)
            det_bboxes, det_labels = multiclass_nms(merged_bboxes, merged_scores, get('score_thr'), get('nms'),
                                                    get('max_per_img'))
        bbox_result = bbox2result(det_bboxes, det_labels, last_head.num_classes)
        if not self.with_mask:
            return [bbox_result]
        if det_bboxes.shape[0] == 0:
            return [(bbox_result, [[] for _ in range(self.mask_head[-1].num_classes)])]
        aug_masks, aug_img_metas = [], []
        for x, img_meta in zip(features, img_metas):
            meta = img_meta[0]
            bboxes = bbox_mapping(det_bboxes[:, :4], meta['img_shape'], meta['scale_factor'], meta['flip'],
                                  meta.get('flip_direction', 'horizontal'))
            mask_rois = bbox2roi([bboxes])
            for i in range(self.num_stages):
                aug_masks.append(self._mask_forward(i, x, mask_rois)['mask_pred'].sigmoid().cpu().numpy())
                aug_img_metas.append(img_meta)
        merged = merge_aug_masks(aug_masks, aug_img_metas, cfg)
        segm_result = self.mask_head[-1].get_seg_masks(merged, det_bboxes, det_labels, cfg,
                                                       img_metas[0][0]['ori_shape'], det_bboxes.new_ones(4),
                                                       rescale=False)
        return [(bbox_result, segm_result)]
