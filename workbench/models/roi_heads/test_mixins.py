"""Test-time box and mask inference shared by the RoI heads."""
import numpy as np
import torch


def _empty_detections(rois, bbox_head, rcnn_test_cfg):
    det_bbox = rois.new_zeros(0, 5)
    det_label = rois.new_zeros((0,), dtype=torch.long)
    if rcnn_test_cfg is None:
        det_bbox = det_bbox[:, :4]
        det_label = rois.new_zeros((0, bbox_head.fc_cls.out_features))
    return det_bbox, det_label


class BBoxTestMixin:

    def simple_test_bboxes(self, x, img_metas, proposals, rcnn_test_cfg, rescale=False):
        """Detections per image: lists of (n, 5) boxes and (n,) labels. Images (or batches) without proposals give
        empty results, as mmdet's "Empty Proposals" convention says."""
        from workbench.core import bbox2roi
        rois = bbox2roi(proposals)
        if rois.shape[0] == 0:
            det_bbox, det_label = _empty_detections(rois, self.bbox_head, rcnn_test_cfg)
            return [det_bbox] * len(proposals), [det_label] * len(proposals)
        bbox_results = self._bbox_forward(x, rois)
        img_shapes = tuple(meta['img_shape'] for meta in img_metas)
        scale_factors = tuple(meta['scale_factor'] for meta in img_metas)
        num_per_img = tuple(len(p) for p in proposals)
        rois = rois.split(num_per_img, 0)
        cls_score = bbox_results['cls_score'].split(num_per_img, 0)
        bbox_pred = bbox_results['bbox_pred']
        bbox_pred = bbox_pred.split(num_per_img, 0) if bbox_pred is not None else (None,) * len(proposals)
        det_bboxes, det_labels = [], []
        for i in range(len(proposals)):
            if rois[i].shape[0] == 0:
                det_bbox, det_label = _empty_detections(rois[i], self.bbox_head, rcnn_test_cfg)
            else:
                det_bbox, det_label = self.bbox_head.get_bboxes(rois[i], cls_score[i], bbox_pred[i], img_shapes[i],
                                                                scale_factors[i], rescale=rescale, cfg=rcnn_test_cfg)
            det_bboxes.append(det_bbox)
            det_labels.append(det_label)
        return det_bboxes, det_labels

    def aug_test_bboxes(self, feats, img_metas, proposal_list, rcnn_test_cfg):
        """Detections of one image under test-time augmentation: the (merged) proposals mapped into each augmented
        image, boxes and scores of each view mapped back and averaged, then class-wise NMS. ``feats`` and
        ``img_metas`` are per augmentation; boxes come back in original-image coordinates."""
        from workbench.core import bbox2roi, bbox_mapping, multiclass_nms
        from workbench.core.post_processing import merge_aug_bboxes
        if proposal_list[0].shape[0] == 0:
            # every view maps the same (merged) proposals, so all of them are empty
            return _empty_detections(proposal_list[0].new_zeros(0, 5), self.bbox_head, rcnn_test_cfg)
        aug_bboxes, aug_scores = [], []
        for x, img_meta in zip(feats, img_metas):
            meta = img_meta[0]
            proposals = bbox_mapping(proposal_list[0][:, :4], meta['img_shape'], meta['scale_factor'], meta['flip'],
                                     meta.get('flip_direction', 'horizontal'))
            rois = bbox2roi([proposals])
            bbox_results = self._bbox_forward(x, rois)
            bboxes, scores = self.bbox_head.get_bboxes(rois, bbox_results['cls_score'], bbox_results['bbox_pred'],
                                                       meta['img_shape'], meta['scale_factor'], rescale=False,
                                                       cfg=None)
            aug_bboxes.append(bboxes)
            aug_scores.append(scores)
        merged_bboxes, merged_scores = merge_aug_bboxes(aug_bboxes, aug_scores, img_metas, rcnn_test_cfg)
        cfg = rcnn_test_cfg
        get = (lambda k: cfg[k]) if isinstance(cfg, dict) else (lambda k: getattr(cfg, k))
        return multiclass_nms(merged_bboxes, merged_scores, get('score_thr'), get('nms'), get('max_per_img'))


class MaskTestMixin:

    def simple_test_mask(self, x, img_metas, det_bboxes, det_labels, rescale=False):
        """Per image, a list per class of full-image masks for the detections."""
        from workbench.core import bbox2roi
        ori_shapes = tuple(meta['ori_shape'] for meta in img_metas)
        scale_factors = tuple(meta['scale_factor'] for meta in img_metas)
        if isinstance(scale_factors[0], float):
            scale_factors = [np.array([s] * 4, dtype=np.float32) for s in scale_factors]
        num_imgs = len(det_bboxes)
        if all(b.shape[0] == 0 for b in det_bboxes):
            return [[[] for _ in range(self.mask_head.num_classes)] for _ in range(num_imgs)]
        if rescale:
            scale_factors = [torch.as_tensor(np.asarray(s, dtype=np.float32)).to(det_bboxes[0].device)
                             for s in scale_factors]
        # detections were rescaled to the original image; the RoIs must be at the network's input scale
        bboxes = [det_bboxes[i][:, :4] * scale_factors[i] if rescale else det_bboxes[i][:, :4]
                  for i in range(num_imgs)]
        mask_rois = bbox2roi(bboxes)
        mask_pred = self._mask_forward(x, mask_rois)['mask_pred']
        mask_preds = mask_pred.split([len(b) for b in det_bboxes], 0)
        segm_results = []
        for i in range(num_imgs):
            if det_bboxes[i].shape[0] == 0:
                segm_results.append([[] for _ in range(self.mask_head.num_classes)])
            else:
                segm_results.append(self.mask_head.get_seg_masks(mask_preds[i], bboxes[i], det_labels[i],
                                                                 self.test_cfg, ori_shapes[i], scale_factors[i],
                                                                 rescale))
        return segm_results

    def aug_test_mask(self, feats, img_metas, det_bboxes, det_labels):
        """Masks of one image's detections (original-image boxes) under test-time augmentation: the mask
        probabilities of each view, flips undone, averaged, then pasted into the original image."""
        from workbench.core import bbox2roi, bbox_mapping
        from workbench.core.post_processing import merge_aug_masks
        if det_bboxes.shape[0] == 0:
            return [[] for _ in range(self.mask_head.num_classes)]
        aug_masks = []
        for x, img_meta in zip(feats, img_metas):
            meta = img_meta[0]
            bboxes = bbox_mapping(det_bboxes[:, :4], meta['img_shape'], meta['scale_factor'], meta['flip'],
                                  meta.get('flip_direction', 'horizontal'))
            mask_pred = self._mask_forward(x, bbox2roi([bboxes]))['mask_pred']
            aug_masks.append(mask_pred.sigmoid().cpu().numpy())
        merged = merge_aug_masks(aug_masks, img_metas, self.test_cfg)
        # the boxes are already in original-image coordinates: paste with a unit scale
        return self.mask_head.get_seg_masks(merged, det_bboxes, det_labels, self.test_cfg,
                                            img_metas[0][0]['ori_shape'], det_bboxes.new_ones(4), rescale=False)
