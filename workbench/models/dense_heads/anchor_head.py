"""Anchor-based dense head: anchors from a prior generator, assigner/sampler targets, per-level losses."""
import warnings

import torch
from torch import nn

from workbench.registry import BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, HEADS, LOSSES, PRIOR_GENERATORS

from ._cfg import cfg_get, cfg_require
from .base_dense_head import BaseDenseHead
from .dense_test_mixins import BBoxTestMixin

# classification losses that weigh all anchors themselves, so a sampler would be meaningless
_NO_SAMPLING_LOSSES = ('FocalLoss', 'GHMC', 'QualityFocalLoss')


def _core():
    # workbench.core registers the prior generators, coders, assigners and samplers the heads build
    import workbench.core as core
    return core


@HEADS.register_module()
class AnchorHead(BaseDenseHead, BBoxTestMixin):
    """Single 1x1 classification and regression convs on every level (mmdet ``AnchorHead``)."""

    def __init__(self, num_classes, in_channels, feat_channels=256,
                 anchor_generator=dict(type='AnchorGenerator', scales=[8, 16, 32], ratios=[0.5, 1.0, 2.0],
                                       strides=[4, 8, 16, 32, 64]),
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', clip_border=True, target_means=(.0, .0, .0, .0),
                                 target_stds=(1.0, 1.0, 1.0, 1.0)),
                 reg_decoded_bbox=False,
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
                 loss_bbox=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0),
                 train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01)):
        super().__init__(init_cfg)
        _core()
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.feat_channels = feat_channels
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        # sigmoid classifiers have no background column
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        if self.cls_out_channels <= 0:
            raise ValueError(f'{type(self).__name__}: num_classes={num_classes} is too small')
        self.reg_decoded_bbox = reg_decoded_bbox

        self.bbox_coder = BBOX_CODERS.build(bbox_coder)
        self.loss_cls = LOSSES.build(loss_cls)
        self.loss_bbox = LOSSES.build(loss_bbox)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.sampling = False
        if self.train_cfg:
            self.assigner = BBOX_ASSIGNERS.build(cfg_require(train_cfg, 'assigner', type(self).__name__))
            sampler_cfg = cfg_get(train_cfg, 'sampler')
            if sampler_cfg is not None and str(sampler_cfg['type']).split('.')[-1] != 'PseudoSampler':
                self.sampling = True
                if loss_cls['type'] in _NO_SAMPLING_LOSSES:
                    warnings.warn(f'{loss_cls["type"]} needs no sampler: sampling is switched off')
                    self.sampling = False
                    sampler_cfg = dict(type='PseudoSampler')
            else:
                sampler_cfg = dict(type='PseudoSampler')
            self.sampler = BBOX_SAMPLERS.build(sampler_cfg, default_args=dict(context=self))
        self.fp16_enabled = False

        self.prior_generator = PRIOR_GENERATORS.build(anchor_generator)
        # all levels share the number of base anchors per location
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self._init_layers()

    @property
    def num_anchors(self):
        warnings.warn('num_anchors is deprecated, use num_base_priors')
        return self.prior_generator.num_base_priors[0]

    @property
    def anchor_generator(self):
        return self.prior_generator

    def _init_layers(self):
        self.conv_cls = nn.Conv2d(self.in_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.conv_reg = nn.Conv2d(self.in_channels, self.num_base_priors * 4, 1)

    def forward_single(self, x):
        return self.conv_cls(x), self.conv_reg(x)

    def forward(self, feats):
        """Tuple (cls_scores, bbox_preds), each a list over levels of (N, A*C, H, W) / (N, A*4, H, W)."""
        return _core().multi_apply(self.forward_single, feats)

    # ------------------------------------------------------------------------------------------------------ targets
    def get_anchors(self, featmap_sizes, img_metas, device='cuda'):
        """Anchors (same for every image) and per-image valid flags (inside the padded image)."""
        multi_level_anchors = self.prior_generator.grid_priors(featmap_sizes, device=device)
        anchor_list = [multi_level_anchors for _ in img_metas]
        valid_flag_list = [self.prior_generator.valid_flags(featmap_sizes, img_meta['pad_shape'], device)
                           for img_meta in img_metas]
        return anchor_list, valid_flag_list

    def _get_targets_single(self, flat_anchors, valid_flags, gt_bboxes, gt_bboxes_ignore, gt_labels, img_meta,
                            label_channels=1, unmap_outputs=True):
        """Targets of one image over its concatenated anchors; anchors outside ``allowed_border`` get weight 0."""
        core = _core()
        inside_flags = core.anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                                cfg_get(self.train_cfg, 'allowed_border', -1))
        if not inside_flags.any():
            return (None, ) * 7
        anchors = flat_anchors[inside_flags, :]
        assign_result = self.assigner.assign(anchors, gt_bboxes, gt_bboxes_ignore,
                                             None if self.sampling else gt_labels)
        sampling_result = self.sampler.sample(assign_result, anchors, gt_bboxes)

        num_valid_anchors = anchors.shape[0]
        bbox_targets = torch.zeros_like(anchors)
        bbox_weights = torch.zeros_like(anchors)
        labels = anchors.new_full((num_valid_anchors, ), self.num_classes, dtype=torch.long)
        label_weights = anchors.new_zeros(num_valid_anchors, dtype=torch.float)

        pos_inds = sampling_result.pos_inds
        neg_inds = sampling_result.neg_inds
        if len(pos_inds) > 0:
            if not self.reg_decoded_bbox:
                pos_bbox_targets = self.bbox_coder.encode(sampling_result.pos_bboxes, sampling_result.pos_gt_bboxes)
            else:
                pos_bbox_targets = sampling_result.pos_gt_bboxes
            bbox_targets[pos_inds, :] = pos_bbox_targets.to(bbox_targets.dtype)
            bbox_weights[pos_inds, :] = 1.0
            if gt_labels is None:
                # RPN: a single foreground class
                labels[pos_inds] = 0
            else:
                labels[pos_inds] = gt_labels[sampling_result.pos_assigned_gt_inds]
            pos_weight = cfg_get(self.train_cfg, 'pos_weight', -1)
            label_weights[pos_inds] = 1.0 if pos_weight <= 0 else pos_weight
        if len(neg_inds) > 0:
            label_weights[neg_inds] = 1.0

        if unmap_outputs:
            num_total_anchors = flat_anchors.size(0)
            labels = core.unmap(labels, num_total_anchors, inside_flags, fill=self.num_classes)
            label_weights = core.unmap(label_weights, num_total_anchors, inside_flags)
            bbox_targets = core.unmap(bbox_targets, num_total_anchors, inside_flags)
            bbox_weights = core.unmap(bbox_weights, num_total_anchors, inside_flags)
        return labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds, sampling_result

    def get_targets(self, anchor_list, valid_flag_list, gt_bboxes_list, img_metas, gt_bboxes_ignore_list=None,
                    gt_labels_list=None, label_channels=1, unmap_outputs=True, return_sampling_results=False):
        """Targets of a batch split back into levels: (labels, label_weights, bbox_targets, bbox_weights) lists,
        num_total_pos, num_total_neg (each image counting at least 1), optionally the sampling results; extra
        outputs of an overridden ``_get_targets_single`` are split into levels and appended."""
        core = _core()
        num_imgs = len(img_metas)
        if not (len(anchor_list) == len(valid_flag_list) == num_imgs):
            raise ValueError('get_targets: anchor_list, valid_flag_list and img_metas must have one entry per image')
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        concat_anchor_list = [torch.cat(a) for a in anchor_list]
        concat_valid_flag_list = [torch.cat(f) for f in valid_flag_list]
        if gt_bboxes_ignore_list is None:
            gt_bboxes_ignore_list = [None] * num_imgs
        if gt_labels_list is None:
            gt_labels_list = [None] * num_imgs
        results = core.multi_apply(self._get_targets_single, concat_anchor_list, concat_valid_flag_list,
                                   gt_bboxes_list, gt_bboxes_ignore_list, gt_labels_list, img_metas,
                                   label_channels=label_channels, unmap_outputs=unmap_outputs)
        (all_labels, all_label_weights, all_bbox_targets, all_bbox_weights, pos_inds_list, neg_inds_list,
         sampling_results_list) = results[:7]
        rest_results = list(results[7:])
        if any(labels is None for labels in all_labels):
            return None
        num_total_pos = sum(max(inds.numel(), 1) for inds in pos_inds_list)
        num_total_neg = sum(max(inds.numel(), 1) for inds in neg_inds_list)
        res = (core.images_to_levels(all_labels, num_level_anchors),
               core.images_to_levels(all_label_weights, num_level_anchors),
               core.images_to_levels(all_bbox_targets, num_level_anchors),
               core.images_to_levels(all_bbox_weights, num_level_anchors), num_total_pos, num_total_neg)
        if return_sampling_results:
            res = res + (sampling_results_list, )
        return res + tuple(core.images_to_levels(r, num_level_anchors) for r in rest_results)

    # ------------------------------------------------------------------------------------------------------- losses
    def loss_single(self, cls_score, bbox_pred, anchors, labels, label_weights, bbox_targets, bbox_weights,
                    num_total_samples):
        """Classification and regression loss of one level for the whole batch."""
        labels = labels.reshape(-1)
        label_weights = label_weights.reshape(-1)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        loss_cls = self.loss_cls(cls_score, labels, label_weights, avg_factor=num_total_samples)
        bbox_targets = bbox_targets.reshape(-1, 4)
        bbox_weights = bbox_weights.reshape(-1, 4)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4)
        if self.reg_decoded_bbox:
            # IoU-type losses compare boxes, not deltas
            bbox_pred = self.bbox_coder.decode(anchors.reshape(-1, 4), bbox_pred)
        loss_bbox = self.loss_bbox(bbox_pred, bbox_targets, bbox_weights, avg_factor=num_total_samples)
        return loss_cls, loss_bbox

    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None):
        """dict(loss_cls=[per level], loss_bbox=[per level])."""
        core = _core()
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        if len(featmap_sizes) != self.prior_generator.num_levels:
            raise ValueError(f'{type(self).__name__}.loss: {len(featmap_sizes)} feature levels but the anchor '
                             f'generator has {self.prior_generator.num_levels}')
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=device)
        label_channels = self.cls_out_channels if self.use_sigmoid_cls else 1
        cls_reg_targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                           gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                           label_channels=label_channels)
        if cls_reg_targets is None:
            return None
        (labels_list, label_weights_list, bbox_targets_list, bbox_weights_list, num_total_pos,
         num_total_neg) = cls_reg_targets
        num_total_samples = num_total_pos + num_total_neg if self.sampling else num_total_pos
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        all_anchor_list = core.images_to_levels([torch.cat(a) for a in anchor_list], num_level_anchors)
        losses_cls, losses_bbox = core.multi_apply(self.loss_single, cls_scores, bbox_preds, all_anchor_list,
                                                   labels_list, label_weights_list, bbox_targets_list,
                                                   bbox_weights_list, num_total_samples=num_total_samples)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox)

    def aug_test(self, feats, img_metas, rescale=False):
        return self.aug_test_bboxes(feats, img_metas, rescale=rescale)
