"""Test-time augmentation for dense heads: detections of every augmented view mapped back and merged by NMS."""
import torch

from ._cfg import cfg_get, cfg_require


class BBoxTestMixin:

    def merge_aug_bboxes(self, aug_bboxes, aug_scores, img_metas):
        """Map each view's boxes back to the original image frame (undo flip and resize) and concatenate."""
        from workbench.core import bbox_mapping_back
        recovered = []
        for bboxes, img_info in zip(aug_bboxes, img_metas):
            meta = img_info[0]
            recovered.append(bbox_mapping_back(bboxes, meta['img_shape'], meta['scale_factor'], meta['flip'],
                                               meta.get('flip_direction', 'horizontal')))
        bboxes = torch.cat(recovered, dim=0)
        if aug_scores is None:
            return bboxes
        return bboxes, torch.cat(aug_scores, dim=0)

    def aug_test_bboxes(self, feats, img_metas, rescale=False):
        """``feats``/``img_metas``: one entry per augmented view (each a batch of one image)."""
        from workbench.ops import batched_nms
        aug_bboxes, aug_scores, aug_labels = [], [], []
        for x, img_meta in zip(feats, img_metas):
            outs = self.forward(x)
            bbox_outputs = self.get_bboxes(*outs, img_metas=img_meta, cfg=self.test_cfg, rescale=False,
                                           with_nms=False)[0]
            aug_bboxes.append(bbox_outputs[0])
            aug_scores.append(bbox_outputs[1])
            if len(bbox_outputs) >= 3:
                aug_labels.append(bbox_outputs[2])
        merged_bboxes, merged_scores = self.merge_aug_bboxes(aug_bboxes, aug_scores, img_metas)
        merged_labels = torch.cat(aug_labels, dim=0) if aug_labels else None
        if merged_bboxes.numel() == 0:
            return [(torch.cat([merged_bboxes, merged_scores[:, None]], -1), merged_labels)]
        det_bboxes, keep_idxs = batched_nms(merged_bboxes, merged_scores, merged_labels,
                                            cfg_require(self.test_cfg, 'nms', type(self).__name__))
        max_per_img = cfg_get(self.test_cfg, 'max_per_img', 100)
        det_bboxes = det_bboxes[:max_per_img]
        det_labels = merged_labels[keep_idxs][:max_per_img]
        if not rescale:
            # merged boxes are in the original frame: bring them to the first view's scale
            det_bboxes = det_bboxes.clone()
            det_bboxes[:, :4] *= det_bboxes.new_tensor(img_metas[0][0]['scale_factor'])
        return [(det_bboxes, det_labels)]
