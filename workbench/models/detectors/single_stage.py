"""Single-stage detector: backbone -> (neck) -> dense head. SSD uses it directly."""
import warnings

from workbench.registry import DETECTORS

from ..builder import build_backbone, build_head, build_neck
from .base import BaseDetector


def _bbox2result(det_bboxes, det_labels, num_classes):
    from workbench.core import bbox2result
    return bbox2result(det_bboxes, det_labels, num_classes)


@DETECTORS.register_module()
class SingleStageDetector(BaseDetector):

    def __init__(self, backbone, neck=None, bbox_head=None, train_cfg=None, test_cfg=None, pretrained=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        if pretrained:
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            backbone['pretrained'] = pretrained
        self.backbone = build_backbone(backbone)
        if neck is not None:
            self.neck = build_neck(neck)
        if bbox_head is None:
            raise ValueError(f'{type(self).__name__} needs a bbox_head config')
        # the detector-level train/test cfg wins over any copy inside the head config
        bbox_head = dict(bbox_head)
        bbox_head.update(train_cfg=train_cfg)
        bbox_head.update(test_cfg=test_cfg)
        self.bbox_head = build_head(bbox_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def extract_feat(self, img):
        x = self.backbone(img)
        if self.with_neck:
            x = self.neck(x)
        return x

    def forward_dummy(self, img):
        """Raw head outputs (used for FLOPs counting)."""
        return self.bbox_head(self.extract_feat(img))

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None):
        super().forward_train(img, img_metas)
        x = self.extract_feat(img)
        return self.bbox_head.forward_train(x, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore)

    def simple_test(self, img, img_metas, rescale=False):
        """Per image, a list over classes of (n, 5) float32 arrays [x1, y1, x2, y2, score]."""
        feat = self.extract_feat(img)
        results_list = self.bbox_head.simple_test(feat, img_metas, rescale=rescale)
        return [_bbox2result(det_bboxes, det_labels, self.bbox_head.num_classes)
                for det_bboxes, det_labels in results_list]

    def aug_test(self, imgs, img_metas, rescale=False):
        if not hasattr(self.bbox_head, 'aug_test'):
            raise NotImplementedError(f'{type(self.bbox_head).__name__} does not support test-time augmentation')
        feats = self.extract_feats(imgs)
        results_list = self.bbox_head.aug_test(feats, img_metas, rescale=rescale)
        return [_bbox2result(det_bboxes, det_labels, self.bbox_head.num_classes)
                for det_bboxes, det_labels in results_list]
