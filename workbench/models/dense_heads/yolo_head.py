"""YOLOv3 head: per level a 3x3 bridge conv and a 1x1 prediction conv of (tx, ty, tw, th, obj, classes) per
anchor."""
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.cnn import ConvModule, bias_init_with_prob, constant_init, is_norm, normal_init
from workbench.registry import BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, HEADS, LOSSES, PRIOR_GENERATORS

from ._cfg import cfg_get, cfg_require
from .anchor_head import _core
from .base_dense_head import BaseDenseHead
from .dense_test_mixins import BBoxTestMixin


@HEADS.register_module()
class YOLOV3Head(BaseDenseHead, BBoxTestMixin):

    def __init__(self, num_classes, in_channels, out_channels=(1024, 512, 256),
                 anchor_generator=dict(type='YOLOAnchorGenerator',
                                       base_sizes=[[(116, 90), (156, 198), (373, 326)],
                                                   [(30, 61), (62, 45), (59, 119)],
                                                   [(10, 13), (16, 30), (33, 23)]],
                                       strides=[32, 16, 8]),
                 bbox_coder=dict(type='YOLOBBoxCoder'), featmap_strides=[32, 16, 8], one_hot_smoother=0.,
                 conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
                 loss_conf=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
                 loss_xy=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
                 loss_wh=dict(type='MSELoss', loss_weight=1.0), train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Normal', std=0.01, override=dict(name='convs_pred'))):
        super().__init__(init_cfg)
        _core()
        if not (len(in_channels) == len(out_channels) == len(featmap_strides)):
            raise ValueError(f'YOLOV3Head: in_channels {in_channels}, out_channels {out_channels} and '
                             f'featmap_strides {featmap_strides} must have the same length')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.featmap_strides = featmap_strides
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        if self.train_cfg:
            self.assigner = BBOX_ASSIGNERS.build(cfg_require(train_cfg, 'assigner', 'YOLOV3Head'))
            sampler_cfg = cfg_get(train_cfg, 'sampler') or dict(type='PseudoSampler')
            self.sampler = BBOX_SAMPLERS.build(sampler_cfg, default_args=dict(context=self))
        self.fp16_enabled = False
        self.one_hot_smoother = one_hot_smoother
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.bbox_coder = BBOX_CODERS.build(bbox_coder)
        self.prior_generator = PRIOR_GENERATORS.build(anchor_generator)
        self.loss_cls = LOSSES.build(loss_cls)
        self.loss_conf = LOSSES.build(loss_conf)
        self.loss_xy = LOSSES.build(loss_xy)
        self.loss_wh = LOSSES.build(loss_wh)
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        if len(self.prior_generator.num_base_priors) != len(featmap_strides):
            raise ValueError('YOLOV3Head: the anchor generator and featmap_strides disagree on the number of levels')
        # scores are sigmoid (no background column) and objectness multiplies them
        self.use_sigmoid_cls = True
        self.cls_out_channels = num_classes
        self._init_layers()

    @property
    def anchor_generator(self):
        return self.prior_generator

    @property
    def num_anchors(self):
        warnings.warn('num_anchors is deprecated, use num_base_priors')
        return self.num_base_priors

    @property
    def num_levels(self):
        return len(self.featmap_strides)

    @property
    def num_attrib(self):
        """tx, ty, tw, th, objectness, then one score per class."""
        return 5 + self.num_classes

    def _init_layers(self):
        self.convs_bridge = nn.ModuleList()
        self.convs_pred = nn.ModuleList()
        for i in range(self.num_levels):
            self.convs_bridge.append(ConvModule(self.in_channels[i], self.out_channels[i], 3, padding=1,
                                                conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                                act_cfg=self.act_cfg))
            self.convs_pred.append(nn.Conv2d(self.out_channels[i], self.num_base_priors * self.num_attrib, 1))

    def init_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, mean=0, std=0.01)
            if is_norm(m):
                constant_init(m, 1)
        # objectness prior of ~8 objects per 608x608 image, class prior 0.01 (as ultralytics/mmdet do)
        for conv_pred, stride in zip(self.convs_pred, self.featmap_strides):
            bias = conv_pred.bias.reshape(self.num_base_priors, -1)
            nn.init.constant_(bias.data[:, 4], bias_init_with_prob(8 / (608 / stride)**2))
            nn.init.constant_(bias.data[:, 5:], bias_init_with_prob(0.01))

    def forward(self, feats):
        """A 1-tuple holding the tuple of per-level prediction maps (N, A*(5+C), H, W)."""
        if len(feats) != self.num_levels:
            raise ValueError(f'YOLOV3Head: got {len(feats)} feature levels, expected {self.num_levels}')
        pred_maps = []
        for i in range(self.num_levels):
            pred_maps.append(self.convs_pred[i](self.convs_bridge[i](feats[i])))
        return tuple(pred_maps),

    def get_bboxes(self, pred_maps, img_metas, cfg=None, rescale=False, with_nms=True):
        """Per image (det_bboxes, det_labels): scores = sigmoid(class) * objectness, candidates below
        ``conf_thr`` objectness dropped, then ``multiclass_nms``."""
        core = _core()
        if len(pred_maps) != self.num_levels:
            raise ValueError(f'YOLOV3Head.get_bboxes: {len(pred_maps)} levels, expected {self.num_levels}')
        cfg = self.test_cfg if cfg is None else cfg
        scale_factors = np.array([np.asarray(img_meta['scale_factor'], dtype=np.float32) for img_meta in img_metas])
        num_imgs = len(img_metas)
        featmap_sizes = [pred_map.shape[-2:] for pred_map in pred_maps]
        mlvl_anchors = self.prior_generator.grid_priors(featmap_sizes, device=pred_maps[0].device)
        flatten_preds, flatten_strides = [], []
        for pred, stride in zip(pred_maps, self.featmap_strides):
            pred = pred.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.num_attrib)
            # centre offsets live in (0, 1) of a cell
            pred = torch.cat([pred[..., :2].sigmoid(), pred[..., 2:]], dim=-1)
            flatten_preds.append(pred)
            flatten_strides.append(pred.new_tensor(stride).expand(pred.size(1)))
        flatten_preds = torch.cat(flatten_preds, dim=1)
        flatten_bbox_preds = flatten_preds[..., :4]
        flatten_objectness = flatten_preds[..., 4].sigmoid()
        flatten_cls_scores = flatten_preds[..., 5:].sigmoid()
        flatten_anchors = torch.cat(mlvl_anchors)
        flatten_strides = torch.cat(flatten_strides)
        flatten_bboxes = self.bbox_coder.decode(flatten_anchors, flatten_bbox_preds, flatten_strides.unsqueeze(-1))

        if with_nms and flatten_objectness.size(0) == 0:
            return torch.zeros((0, 5)), torch.zeros((0, ))
        if rescale:
            flatten_bboxes = flatten_bboxes / flatten_bboxes.new_tensor(scale_factors).unsqueeze(1)
        # multiclass_nms expects a trailing background column
        padding = flatten_bboxes.new_zeros(num_imgs, flatten_bboxes.shape[1], 1)
        flatten_cls_scores = torch.cat([flatten_cls_scores, padding], dim=-1)

        det_results = []
        conf_thr = cfg_get(cfg, 'conf_thr', -1)
        for bboxes, scores, objectness in zip(flatten_bboxes, flatten_cls_scores, flatten_objectness):
            if conf_thr > 0:
                conf_inds = objectness >= conf_thr
                bboxes, scores, objectness = bboxes[conf_inds, :], scores[conf_inds, :], objectness[conf_inds]
            if not with_nms:
                # (box, class) candidates over score_thr, as the other heads return them before NMS
                fg_scores = scores[:, :-1] * objectness[:, None]
                box_inds, labels = torch.nonzero(fg_scores > cfg_get(cfg, 'score_thr', 0), as_tuple=True)
                det_results.append((bboxes[box_inds], fg_scores[box_inds, labels], labels))
                continue
            det_bboxes, det_labels = core.multiclass_nms(bboxes, scores, cfg_get(cfg, 'score_thr', 0),
                                                         cfg_require(cfg, 'nms', 'YOLOV3Head'),
                                                         cfg_get(cfg, 'max_per_img', 100),
                                                         score_factors=objectness)
            det_results.append((det_bboxes, det_labels))
        return det_results

    def loss(self, pred_maps, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None):
        """Per-level losses for class, objectness, centre offset (BCE) and size (MSE)."""
        core = _core()
        num_imgs = len(img_metas)
        device = pred_maps[0][0].device
        featmap_sizes = [pred_maps[i].shape[-2:] for i in range(self.num_levels)]
        mlvl_anchors = self.prior_generator.grid_priors(featmap_sizes, device=device)
        anchor_list = [mlvl_anchors for _ in range(num_imgs)]
        responsible_flag_list = [self.prior_generator.responsible_flags(featmap_sizes, gt_bboxes[i], device)
                                 for i in range(num_imgs)]
        target_maps_list, neg_maps_list = self.get_targets(anchor_list, responsible_flag_list, gt_bboxes,
                                                           gt_labels)
        losses_cls, losses_conf, losses_xy, losses_wh = core.multi_apply(self.loss_single, pred_maps,
                                                                         target_maps_list, neg_maps_list)
        return dict(loss_cls=losses_cls, loss_conf=losses_conf, loss_xy=losses_xy, loss_wh=losses_wh)

    def loss_single(self, pred_map, target_map, neg_map):
        num_imgs = len(pred_map)
        pred_map = pred_map.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.num_attrib)
        neg_mask = neg_map.float()
        pos_mask = target_map[..., 4]
        pos_and_neg_mask = neg_mask + pos_mask
        pos_mask = pos_mask.unsqueeze(dim=-1)
        if torch.max(pos_and_neg_mask) > 1.:
            warnings.warn('There is overlap between pos and neg sample.')
            pos_and_neg_mask = pos_and_neg_mask.clamp(min=0., max=1.)

        pred_xy, pred_wh = pred_map[..., :2], pred_map[..., 2:4]
        pred_conf, pred_label = pred_map[..., 4], pred_map[..., 5:]
        target_xy, target_wh = target_map[..., :2], target_map[..., 2:4]
        target_conf, target_label = target_map[..., 4], target_map[..., 5:]

        loss_cls = self.loss_cls(pred_label, target_label, weight=pos_mask)
        loss_conf = self.loss_conf(pred_conf, target_conf, weight=pos_and_neg_mask)
        loss_xy = self.loss_xy(pred_xy, target_xy, weight=pos_mask)
        loss_wh = self.loss_wh(pred_wh, target_wh, weight=pos_mask)
        return loss_cls, loss_conf, loss_xy, loss_wh

    def get_targets(self, anchor_list, responsible_flag_list, gt_bboxes_list, gt_labels_list):
        """Per-level (N, A_l, 5+C) target maps and (N, A_l) negative maps."""
        core = _core()
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        all_target_maps, all_neg_maps = core.multi_apply(self._get_targets_single, anchor_list,
                                                         responsible_flag_list, gt_bboxes_list, gt_labels_list)
        return (core.images_to_levels(all_target_maps, num_level_anchors),
                core.images_to_levels(all_neg_maps, num_level_anchors))

    def _get_targets_single(self, anchors, responsible_flags, gt_bboxes, gt_labels):
        anchor_strides = torch.cat([
            torch.tensor(self.featmap_strides[i], device=gt_bboxes.device).repeat(len(anchors[i]))
            for i in range(len(anchors))
        ])
        concat_anchors = torch.cat(anchors)
        concat_responsible_flags = torch.cat(responsible_flags)
        assign_result = self.assigner.assign(concat_anchors, concat_responsible_flags, gt_bboxes)
        sampling_result = self.sampler.sample(assign_result, concat_anchors, gt_bboxes)

        target_map = concat_anchors.new_zeros(concat_anchors.size(0), self.num_attrib)
        pos_inds = sampling_result.pos_inds
        target_map[pos_inds, :4] = self.bbox_coder.encode(sampling_result.pos_bboxes,
                                                          sampling_result.pos_gt_bboxes, anchor_strides[pos_inds])
        target_map[pos_inds, 4] = 1
        gt_labels_one_hot = F.one_hot(gt_labels, num_classes=self.num_classes).float()
        if self.one_hot_smoother != 0:
            gt_labels_one_hot = (gt_labels_one_hot * (1 - self.one_hot_smoother) +
                                 self.one_hot_smoother / self.num_classes)
        target_map[pos_inds, 5:] = gt_labels_one_hot[sampling_result.pos_assigned_gt_inds]
        neg_map = concat_anchors.new_zeros(concat_anchors.size(0), dtype=torch.uint8)
        neg_map[sampling_result.neg_inds] = 1
        return target_map, neg_map

    def aug_test(self, feats, img_metas, rescale=False):
        return self.aug_test_bboxes(feats, img_metas, rescale=rescale)
