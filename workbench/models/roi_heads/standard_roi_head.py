"""The RoI head of Faster/Mask R-CNN (mmdet 2.x ``StandardRoIHead``)."""
import torch

from workbench.registry import HEADS

from .base_roi_head import BaseRoIHead
from .test_mixins import BBoxTestMixin, MaskTestMixin


def _cfg_value(cfg, key):
    return cfg[key] if isinstance(cfg, dict) else getattr(cfg, key)


@HEADS.register_module()
class StandardRoIHead(BaseRoIHead, BBoxTestMixin, MaskTestMixin):
    """Assign proposals to GT, sample, pool RoI features, and run the box (and mask) head."""

    def init_assigner_sampler(self):
        from workbench.core import build_assigner, build_sampler
        self.bbox_assigner = None
        self.bbox_sampler = None
        if self.train_cfg:
            self.bbox_assigner = build_assigner(_cfg_value(self.train_cfg, 'assigner'))
            self.bbox_sampler = build_sampler(_cfg_value(self.train_cfg, 'sampler'), context=self)

    def init_bbox_head(self, bbox_roi_extractor, bbox_head):
        from workbench.models.builder import build_head, build_roi_extractor
        self.bbox_roi_extractor = build_roi_extractor(bbox_roi_extractor)
        self.bbox_head = build_head(bbox_head)

    def init_mask_head(self, mask_roi_extractor, mask_head):
        from workbench.models.builder import build_head, build_roi_extractor
        if mask_roi_extractor is not None:
            self.mask_roi_extractor = build_roi_extractor(mask_roi_extractor)
            self.share_roi_extractor = False
        else:
            self.share_roi_extractor = True
            self.mask_roi_extractor = self.bbox_roi_extractor
        self.mask_head = build_head(mask_head)

    def forward_dummy(self, x, proposals):
        from workbench.core import bbox2roi
        outs = ()
        rois = bbox2roi([proposals])
        if self.with_bbox:
            bbox_results = self._bbox_forward(x, rois)
            outs = outs + (bbox_results['cls_score'], bbox_results['bbox_pred'])
        if self.with_mask:
            outs = outs + (self._mask_forward(x, rois[:100])['mask_pred'],)
        return outs

    def _assign_and_sample(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore):
        num_imgs = len(img_metas)
        if gt_bboxes_ignore is None:
            gt_bboxes_ignore = [None] * num_imgs
        results = []
        for i in range(num_imgs):
            assign_result = self.bbox_assigner.assign(proposal_list[i], gt_bboxes[i], gt_bboxes_ignore[i],
                                                      gt_labels[i])
            results.append(self.bbox_sampler.sample(assign_result, proposal_list[i], gt_bboxes[i], gt_labels[i],
                                                    feats=[lvl_feat[i][None] for lvl_feat in x]))
        return results

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs):
        sampling_results = []
        if self.with_bbox or self.with_mask:
            sampling_results = self._assign_and_sample(x, img_metas, proposal_list, gt_bboxes, gt_labels,
                                                       gt_bboxes_ignore)
        losses = dict()
        bbox_results = None
        if self.with_bbox:
            bbox_results = self._bbox_forward_train(x, sampling_results, gt_bboxes, gt_labels, img_metas)
            losses.update(bbox_results['loss_bbox'])
        if self.with_mask:
            mask_results = self._mask_forward_train(x, sampling_results,
                                                    bbox_results['bbox_feats'] if bbox_results else None, gt_masks,
                                                    img_metas)
            losses.update(mask_results['loss_mask'])
        return losses

    def _bbox_forward(self, x, rois):
        bbox_feats = self.bbox_roi_extractor(x[:self.bbox_roi_extractor.num_inputs], rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
        cls_score, bbox_pred = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def _bbox_forward_train(self, x, sampling_results, gt_bboxes, gt_labels, img_metas):
        from workbench.core import bbox2roi
        rois = bbox2roi([res.bboxes for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        bbox_targets = self.bbox_head.get_targets(sampling_results, gt_bboxes, gt_labels, self.train_cfg)
        loss_bbox = self.bbox_head.loss(bbox_results['cls_score'], bbox_results['bbox_pred'], rois, *bbox_targets)
        bbox_results.update(loss_bbox=loss_bbox)
        return bbox_results

    def _mask_forward_train(self, x, sampling_results, bbox_feats, gt_masks, img_metas):
        from workbench.core import bbox2roi
        if not self.share_roi_extractor or bbox_feats is None:
            pos_rois = bbox2roi([res.pos_bboxes for res in sampling_results])
            mask_results = self._mask_forward(x, pos_rois)
        else:
            device = bbox_feats.device
            pos_inds = []
            for res in sampling_results:
                pos_inds.append(torch.ones(res.pos_bboxes.shape[0], device=device, dtype=torch.bool))
                pos_inds.append(torch.zeros(res.neg_bboxes.shape[0], device=device, dtype=torch.bool))
            mask_results = self._mask_forward(x, pos_inds=torch.cat(pos_inds), bbox_feats=bbox_feats)
        mask_targets = self.mask_head.get_targets(sampling_results, gt_masks, self.train_cfg)
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        loss_mask = self.mask_head.loss(mask_results['mask_pred'], mask_targets, pos_labels)
        mask_results.update(loss_mask=loss_mask, mask_targets=mask_targets)
        return mask_results

    def _mask_forward(self, x, rois=None, pos_inds=None, bbox_feats=None):
        if (rois is not None) == (pos_inds is not None and bbox_feats is not None):
            raise ValueError('_mask_forward takes either rois or (pos_inds and bbox_feats)')
        if rois is not None:
            mask_feats = self.mask_roi_extractor(x[:self.mask_roi_extractor.num_inputs], rois)
            if self.with_shared_head:
                mask_feats = self.shared_head(mask_feats)
        else:
            mask_feats = bbox_feats[pos_inds]
        return dict(mask_pred=self.mask_head(mask_feats), mask_feats=mask_feats)

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale=False):
        """mmdet 2.x results per image: a list per class of (n, 5) arrays, or (bbox, segm) pairs with a mask head."""
        from workbench.core import bbox2result
        if not self.with_bbox:
            raise RuntimeError('StandardRoIHead.simple_test needs a bbox head')
        det_bboxes, det_labels = self.simple_test_bboxes(x, img_metas, proposal_list, self.test_cfg, rescale=rescale)
        bbox_results = [bbox2result(det_bboxes[i], det_labels[i], self.bbox_head.num_classes)
                        for i in range(len(det_bboxes))]
        if not self.with_mask:
            return bbox_results
        segm_results = self.simple_test_mask(x, img_metas, det_bboxes, det_labels, rescale=rescale)
        return list(zip(bbox_results, segm_results))

    def aug_test(self, x, proposal_list, img_metas, rescale=False):
        """Test-time augmentation for one image: ``x`` and ``img_metas`` per augmentation, ``proposal_list`` the
        merged proposals (original-image coordinates). Boxes are in original-image coordinates with ``rescale``,
        otherwise scaled back to the first augmentation's input."""
        from workbench.core import bbox2result
        det_bboxes, det_labels = self.aug_test_bboxes(x, img_metas, proposal_list, self.test_cfg)
        if rescale:
            _det_bboxes = det_bboxes
        else:
            _det_bboxes = det_bboxes.clone()
            _det_bboxes[:, :4] *= det_bboxes.new_tensor(img_metas[0][0]['scale_factor'])
        bbox_results = bbox2result(_det_bboxes, det_labels, self.bbox_head.num_classes)
        if not self.with_mask:
            return [bbox_results]
        return [(bbox_results, self.aug_test_mask(x, img_metas, det_bboxes, det_labels))]
