"""Two-stage detectors: backbone -> neck -> RPN proposals -> RoI head (mmdet 2.x ``TwoStageDetector``)."""
import copy
import warnings

import torch

from workbench.registry import DETECTORS

from ..builder import build_backbone, build_head, build_neck
from .base import BaseDetector


def _sub_cfg(cfg, key):
    if cfg is None:
        return None
    return cfg.get(key) if isinstance(cfg, dict) else getattr(cfg, key, None)


@DETECTORS.register_module()
class TwoStageDetector(BaseDetector):

    def __init__(self, backbone, neck=None, rpn_head=None, roi_head=None, train_cfg=None, test_cfg=None,
                 pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        if pretrained:
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            backbone = dict(backbone, pretrained=pretrained)
        self.backbone = build_backbone(backbone)
        if neck is not None:
            self.neck = build_neck(neck)
        if rpn_head is not None:
            rpn_head_ = dict(copy.deepcopy(rpn_head))
            rpn_head_.update(train_cfg=_sub_cfg(train_cfg, 'rpn'), test_cfg=_sub_cfg(test_cfg, 'rpn'))
            self.rpn_head = build_head(rpn_head_)
        if roi_head is not None:
            roi_head = dict(copy.deepcopy(roi_head))
            roi_head.update(train_cfg=_sub_cfg(train_cfg, 'rcnn'), test_cfg=_sub_cfg(test_cfg, 'rcnn'),
                            pretrained=pretrained)
            self.roi_head = build_head(roi_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    @property
    def with_rpn(self):
        return hasattr(self, 'rpn_head') and self.rpn_head is not None

    @property
    def with_roi_head(self):
        return hasattr(self, 'roi_head') and self.roi_head is not None

    def extract_feat(self, img):
        x = self.backbone(img)
        if self.with_neck:
            x = self.neck(x)
        return x

    def forward_dummy(self, img):
        """Raw outputs for FLOPs counting, with 1000 fixed dummy proposals."""
        outs = ()
        x = self.extract_feat(img)
        if self.with_rpn:
            outs = outs + (self.rpn_head(x),)
        gen = torch.Generator().manual_seed(0)
        h, w = img.shape[-2:]
        xy = torch.rand(1000, 2, generator=gen) * torch.tensor([w * 0.8, h * 0.8])
        wh = torch.rand(1000, 2, generator=gen) * torch.tensor([w * 0.2, h * 0.2]) + 1
        proposals = torch.cat([xy, xy + wh], 1).to(img.device)
        return outs + (self.roi_head.forward_dummy(x, proposals),)

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None, gt_masks=None,
                      proposals=None, **kwargs):
        x = self.extract_feat(img)
        losses = dict()
        if self.with_rpn:
            proposal_cfg = _sub_cfg(self.train_cfg, 'rpn_proposal') or _sub_cfg(self.test_cfg, 'rpn')
            rpn_losses, proposal_list = self.rpn_head.forward_train(x, img_metas, gt_bboxes, gt_labels=None,
                                                                    gt_bboxes_ignore=gt_bboxes_ignore,
                                                                    proposal_cfg=proposal_cfg, **kwargs)
            losses.update(rpn_losses)
        else:
            if proposals is None:
                raise ValueError(f'{type(self).__name__} has no RPN: give proposals (LoadProposals)')
            proposal_list = proposals
        losses.update(self.roi_head.forward_train(x, img_metas, proposal_list, gt_bboxes, gt_labels,
                                                  gt_bboxes_ignore, gt_masks, **kwargs))
        return losses

    def simple_test(self, img, img_metas, proposals=None, rescale=False):
        if not self.with_bbox:
            raise RuntimeError(f'{type(self).__name__} has no bbox head')
        x = self.extract_feat(img)
        proposal_list = self.rpn_head.simple_test_rpn(x, img_metas) if proposals is None else proposals
        return self.roi_head.simple_test(x, proposal_list, img_metas, rescale=rescale)

    def aug_test(self, imgs, img_metas, rescale=False):
        x = self.extract_feats(imgs)
        proposal_list = self.rpn_head.aug_test_rpn(x, img_metas)
        return self.roi_head.aug_test(x, proposal_list, img_metas, rescale=rescale)


@DETECTORS.register_module()
class FasterRCNN(TwoStageDetector):
    """Faster R-CNN (Ren et al., 2015)."""


@DETECTORS.register_module()
class MaskRCNN(TwoStageDetector):
    """Mask R-CNN (He et al., 2017): Faster R-CNN with a mask branch in the RoI head."""


@DETECTORS.register_module()
class CascadeRCNN(TwoStageDetector):
    """Cascade R-CNN (Cai and Vasconcelos, 2018)."""

    def show_result(self, data, result, **kwargs):
        if self.with_mask:
            ms_bbox_result, ms_segm_result = result
            if isinstance(ms_bbox_result, dict):
                result = (ms_bbox_result['ensemble'], ms_segm_result['ensemble'])
        elif isinstance(result, dict):
            result = result['ensemble']
        return super().show_result(data, result, **kwargs)


@DETECTORS.register_module()
class RPN(BaseDetector):
    """Region proposal network alone; ``simple_test`` returns proposals (n, 5) per image, evaluated by recall."""

    def __init__(self, backbone, neck, rpn_head, train_cfg, test_cfg, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        if pretrained:
            backbone = dict(backbone, pretrained=pretrained)
        self.backbone = build_backbone(backbone)
        self.neck = build_neck(neck) if neck is not None else None
        rpn_head = dict(copy.deepcopy(rpn_head))
        rpn_head.update(train_cfg=_sub_cfg(train_cfg, 'rpn'), test_cfg=_sub_cfg(test_cfg, 'rpn'))
        self.rpn_head = build_head(rpn_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def extract_feat(self, img):
        x = self.backbone(img)
        return self.neck(x) if self.neck is not None else x

    def forward_dummy(self, img):
        return self.rpn_head(self.extract_feat(img))

    def forward_train(self, img, img_metas, gt_bboxes=None, gt_bboxes_ignore=None, **kwargs):
        x = self.extract_feat(img)
        return self.rpn_head.forward_train(x, img_metas, gt_bboxes, None, gt_bboxes_ignore)

    def simple_test(self, img, img_metas, rescale=False):
        x = self.extract_feat(img)
        proposal_list = self.rpn_head.simple_test_rpn(x, img_metas)
        if rescale:
            for proposals, meta in zip(proposal_list, img_metas):
                proposals[:, :4] /= proposals.new_tensor(meta['scale_factor'])
        return [p.cpu().numpy() for p in proposal_list]

    def aug_test(self, imgs, img_metas, rescale=False):
        proposal_list = self.rpn_head.aug_test_rpn(self.extract_feats(imgs), img_metas)
        if not rescale:
            for proposals, img_meta in zip(proposal_list, img_metas[0]):
                from workbench.core import bbox_mapping
                proposals[:, :4] = bbox_mapping(proposals[:, :4], img_meta['img_shape'], img_meta['scale_factor'],
                                                img_meta['flip'], img_meta['flip_direction'])
        return [p.cpu().numpy() for p in proposal_list]
