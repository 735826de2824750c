"""ATSS head (Adaptive Training Sample Selection): RetinaNet-like towers plus a centerness branch, decoded-box
GIoU regression weighted by centerness."""
import torch
from torch import nn

from workbench.cnn import ConvModule, Scale
from workbench.registry import BBOX_ASSIGNERS, BBOX_SAMPLERS, HEADS, LOSSES

from ._cfg import cfg_get, cfg_require
from .anchor_head import AnchorHead, _core


@HEADS.register_module()
class ATSSHead(AnchorHead):

    def __init__(self, num_classes, in_channels, pred_kernel_size=3, stacked_convs=4, conv_cfg=None,
                 norm_cfg=dict(type='GN', num_groups=32, requires_grad=True), reg_decoded_bbox=True,
                 loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,
                               override=dict(type='Normal', name='atss_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.pred_kernel_size = pred_kernel_size
        self.stacked_convs = stacked_convs
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        super().__init__(num_classes, in_channels, reg_decoded_bbox=reg_decoded_bbox, init_cfg=init_cfg, **kwargs)
        # ATSS selects its samples in the assigner: never a real sampler
        self.sampling = False
        if self.train_cfg:
            self.assigner = BBOX_ASSIGNERS.build(cfg_require(self.train_cfg, 'assigner', 'ATSSHead'))
            self.sampler = BBOX_SAMPLERS.build(dict(type='PseudoSampler'), default_args=dict(context=self))
        self.loss_centerness = LOSSES.build(loss_centerness)

    def _init_layers(self):
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs = nn.ModuleList()
        self.reg_convs = nn.ModuleList()
        for i in range(self.stacked_convs):
            chn = self.in_channels if i == 0 else self.feat_channels
            for tower in (self.cls_convs, self.reg_convs):
                tower.append(ConvModule(chn, self.feat_channels, 3, stride=1, padding=1, conv_cfg=self.conv_cfg,
                                        norm_cfg=self.norm_cfg))
        pad = self.pred_kernel_size // 2
        self.atss_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels,
                                  self.pred_kernel_size, padding=pad)
        self.atss_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, self.pred_kernel_size, padding=pad)
        self.atss_centerness = nn.Conv2d(self.feat_channels, self.num_base_priors * 1, self.pred_kernel_size,
                                         padding=pad)
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.prior_generator.strides])

    def forward(self, feats):
        """Tuple (cls_scores, bbox_preds, centernesses), each a list over levels."""
        return _core().multi_apply(self.forward_single, feats, self.scales)

    def forward_single(self, x, scale):
        cls_feat = x
        reg_feat = x
        for conv in self.cls_convs:
            cls_feat = conv(cls_feat)
        for conv in self.reg_convs:
            reg_feat = conv(reg_feat)
        cls_score = self.atss_cls(cls_feat)
        # deltas are scaled per level but, unlike FCOS, not exponentiated
        bbox_pred = scale(self.atss_reg(reg_feat)).float()
        centerness = self.atss_centerness(reg_feat)
        return cls_score, bbox_pred, centerness

    def loss_single(self, anchors, cls_score, bbox_pred, centerness, labels, label_weights, bbox_targets,
                    num_total_samples):
        anchors = anchors.reshape(-1, 4)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels).contiguous()
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4)
        centerness = centerness.permute(0, 2, 3, 1).reshape(-1)
        bbox_targets = bbox_targets.reshape(-1, 4)
        labels = labels.reshape(-1)
        label_weights = label_weights.reshape(-1)

        loss_cls = self.loss_cls(cls_score, labels, label_weights, avg_factor=num_total_samples)

        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        if len(pos_inds) > 0:
            pos_bbox_targets = bbox_targets[pos_inds]
            pos_anchors = anchors[pos_inds]
            centerness_targets = self.centerness_target(pos_anchors, pos_bbox_targets)
            pos_decode_bbox_pred = self.bbox_coder.decode(pos_anchors, bbox_pred[pos_inds])
            # the box loss is normalised later by the sum of centerness targets over all levels
            loss_bbox = self.loss_bbox(pos_decode_bbox_pred, pos_bbox_targets, weight=centerness_targets,
                                       avg_factor=1.0)
            loss_centerness = self.loss_centerness(centerness[pos_inds], centerness_targets,
                                                   avg_factor=num_total_samples)
        else:
            loss_bbox = bbox_pred.sum() * 0
            loss_centerness = centerness.sum() * 0
            centerness_targets = bbox_targets.new_tensor(0.)
        return loss_cls, loss_bbox, loss_centerness, centerness_targets.sum()

    def loss(self, cls_scores, bbox_preds, centernesses, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None):
        core = _core()
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        if len(featmap_sizes) != self.prior_generator.num_levels:
            raise ValueError(f'ATSSHead.loss: {len(featmap_sizes)} feature levels but the anchor generator has '
                             f'{self.prior_generator.num_levels}')
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=device)
        label_channels = self.cls_out_channels if self.use_sigmoid_cls else 1
        cls_reg_targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                           gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                           label_channels=label_channels)
        if cls_reg_targets is None:
            return None
        (anchor_list, labels_list, label_weights_list, bbox_targets_list, bbox_weights_list, num_total_pos,
         num_total_neg) = cls_reg_targets
        num_total_samples = core.reduce_mean(torch.tensor(num_total_pos, dtype=torch.float, device=device)).item()
        num_total_samples = max(num_total_samples, 1.0)
        losses_cls, losses_bbox, loss_centerness, bbox_avg_factor = core.multi_apply(
            self.loss_single, anchor_list, cls_scores, bbox_preds, centernesses, labels_list, label_weights_list,
            bbox_targets_list, num_total_samples=num_total_samples)
        bbox_avg_factor = core.reduce_mean(sum(bbox_avg_factor)).clamp_(min=1).item()
        losses_bbox = [x / bbox_avg_factor for x in losses_bbox]
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox, loss_centerness=loss_centerness)

    def centerness_target(self, anchors, gts):
        """sqrt(min(l, r)/max(l, r) * min(t, b)/max(t, b)) of anchor centres in their gt boxes (positives only,
        so no division by zero)."""
        anchors_cx = (anchors[:, 2] + anchors[:, 0]) / 2
        anchors_cy = (anchors[:, 3] + anchors[:, 1]) / 2
        l_ = anchors_cx - gts[:, 0]
        t_ = anchors_cy - gts[:, 1]
        r_ = gts[:, 2] - anchors_cx
        b_ = gts[:, 3] - anchors_cy
        left_right = torch.stack([l_, r_], dim=1)
        top_bottom = torch.stack([t_, b_], dim=1)
        centerness = torch.sqrt((left_right.min(dim=-1)[0] / left_right.max(dim=-1)[0]) *
                                (top_bottom.min(dim=-1)[0] / top_bottom.max(dim=-1)[0]))
        if torch.isnan(centerness).any():
            raise FloatingPointError('ATSSHead.centerness_target: NaN centerness (a positive anchor centre lies '
                                     'on or outside its gt box)')
        return centerness

    def get_targets(self, anchor_list, valid_flag_list, gt_bboxes_list, img_metas, gt_bboxes_ignore_list=None,
                    gt_labels_list=None, label_channels=1, unmap_outputs=True):
        """Like AnchorHead.get_targets but the assigner also needs the anchors per level, and the per-level
        anchors are returned first."""
        core = _core()
        num_imgs = len(img_metas)
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        num_level_anchors_list = [num_level_anchors] * num_imgs
        concat_anchors = [torch.cat(a) for a in anchor_list]
        concat_flags = [torch.cat(f) for f in valid_flag_list]
        if gt_bboxes_ignore_list is None:
            gt_bboxes_ignore_list = [None] * num_imgs
        if gt_labels_list is None:
            gt_labels_list = [None] * num_imgs
        (all_anchors, all_labels, all_label_weights, all_bbox_targets, all_bbox_weights, pos_inds_list,
         neg_inds_list) = core.multi_apply(self._get_target_single, concat_anchors, concat_flags,
                                           num_level_anchors_list, gt_bboxes_list, gt_bboxes_ignore_list,
                                           gt_labels_list, img_metas, label_channels=label_channels,
                                           unmap_outputs=unmap_outputs)
        if any(labels is None for labels in all_labels):
            return None
        num_total_pos = sum(max(inds.numel(), 1) for inds in pos_inds_list)
        num_total_neg = sum(max(inds.numel(), 1) for inds in neg_inds_list)
        to_levels = core.images_to_levels
        return (to_levels(all_anchors, num_level_anchors), to_levels(all_labels, num_level_anchors),
                to_levels(all_label_weights, num_level_anchors), to_levels(all_bbox_targets, num_level_anchors),
                to_levels(all_bbox_weights, num_level_anchors), num_total_pos, num_total_neg)

    def _get_target_single(self, flat_anchors, valid_flags, num_level_anchors, gt_bboxes, gt_bboxes_ignore,
                           gt_labels, img_meta, label_channels=1, unmap_outputs=True):
        core = _core()
        inside_flags = core.anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                                cfg_get(self.train_cfg, 'allowed_border', -1))
        if not inside_flags.any():
            return (None, ) * 7
        anchors = flat_anchors[inside_flags, :]
        num_level_anchors_inside = self.get_num_level_anchors_inside(num_level_anchors, inside_flags)
        assign_result = self.assigner.assign(anchors, num_level_anchors_inside, gt_bboxes, gt_bboxes_ignore,
                                             gt_labels)
        sampling_result = self.sampler.sample(assign_result, anchors, gt_bboxes)

        num_valid_anchors = anchors.shape[0]
        bbox_targets = torch.zeros_like(anchors)
        bbox_weights = torch.zeros_like(anchors)
        labels = anchors.new_full((num_valid_anchors, ), self.num_classes, dtype=torch.long)
        label_weights = anchors.new_zeros(num_valid_anchors, dtype=torch.float)

        pos_inds = sampling_result.pos_inds
        neg_inds = sampling_result.neg_inds
        if len(pos_inds) > 0:
            if self.reg_decoded_bbox:
                pos_bbox_targets = sampling_result.pos_gt_bboxes
            else:
                pos_bbox_targets = self.bbox_coder.encode(sampling_result.pos_bboxes, sampling_result.pos_gt_bboxes)
            bbox_targets[pos_inds, :] = pos_bbox_targets.to(bbox_targets.dtype)
            bbox_weights[pos_inds, :] = 1.0
            if gt_labels is None:
                labels[pos_inds] = 0
            else:
                labels[pos_inds] = gt_labels[sampling_result.pos_assigned_gt_inds]
            pos_weight = cfg_get(self.train_cfg, 'pos_weight', -1)
            label_weights[pos_inds] = 1.0 if pos_weight <= 0 else pos_weight
        if len(neg_inds) > 0:
            label_weights[neg_inds] = 1.0

        if unmap_outputs:
            n = flat_anchors.size(0)
            anchors = core.unmap(anchors, n, inside_flags)
            labels = core.unmap(labels, n, inside_flags, fill=self.num_classes)
            label_weights = core.unmap(label_weights, n, inside_flags)
            bbox_targets = core.unmap(bbox_targets, n, inside_flags)
            bbox_weights = core.unmap(bbox_weights, n, inside_flags)
        return anchors, labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds

    @staticmethod
    def get_num_level_anchors_inside(num_level_anchors, inside_flags):
        return [int(flags.sum()) for flags in torch.split(inside_flags, num_level_anchors)]
