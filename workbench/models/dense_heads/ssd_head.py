"""SSD head (and SSDLite with ``use_depthwise``): per-level conv predictors, softmax classification with hard
negative mining."""
import torch
import torch.nn.functional as F
from torch import nn

from workbench.cnn import ConvModule, DepthwiseSeparableConvModule
from workbench.registry import BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, HEADS, PRIOR_GENERATORS

from ..losses import smooth_l1_loss
from ._cfg import cfg_get, cfg_require
from .anchor_head import AnchorHead, _core
from .base_dense_head import BaseDenseHead


@HEADS.register_module()
class SSDHead(AnchorHead):
    """``num_base_priors`` is a list here: SSD levels have different anchor counts."""

    def __init__(self, num_classes=80, in_channels=(512, 1024, 512, 256, 256, 256), stacked_convs=0,
                 feat_channels=256, use_depthwise=False, conv_cfg=None, norm_cfg=None, act_cfg=None,
                 anchor_generator=dict(type='SSDAnchorGenerator', scale_major=False, input_size=300,
                                       strides=[8, 16, 32, 64, 100, 300],
                                       ratios=([2], [2, 3], [2, 3], [2, 3], [2], [2]),
                                       basesize_ratio_range=(0.1, 0.9)),
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', clip_border=True, target_means=[.0, .0, .0, .0],
                                 target_stds=[1.0, 1.0, 1.0, 1.0]),
                 reg_decoded_bbox=False, train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform', bias=0)):
        # skips AnchorHead.__init__: no loss modules (the losses are computed inline) and a list of prior counts
        BaseDenseHead.__init__(self, init_cfg)
        _core()
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.stacked_convs = stacked_convs
        self.feat_channels = feat_channels
        self.use_depthwise = use_depthwise
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.cls_out_channels = num_classes + 1  # softmax with a background column
        self.prior_generator = PRIOR_GENERATORS.build(anchor_generator)
        self.num_base_priors = self.prior_generator.num_base_priors
        self._init_layers()
        self.bbox_coder = BBOX_CODERS.build(bbox_coder)
        self.reg_decoded_bbox = reg_decoded_bbox
        self.use_sigmoid_cls = False
        self.cls_focal_loss = False
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.sampling = False
        if self.train_cfg:
            self.assigner = BBOX_ASSIGNERS.build(cfg_require(train_cfg, 'assigner', 'SSDHead'))
            self.sampler = BBOX_SAMPLERS.build(dict(type='PseudoSampler'), default_args=dict(context=self))
        self.fp16_enabled = False

    @property
    def num_anchors(self):
        return self.num_base_priors

    def _init_layers(self):
        self.cls_convs = nn.ModuleList()
        self.reg_convs = nn.ModuleList()
        conv = DepthwiseSeparableConvModule if self.use_depthwise else ConvModule
        common = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        for channel, num_base_priors in zip(self.in_channels, self.num_base_priors):
            cls_layers, reg_layers = [], []
            in_channel = channel
            for _ in range(self.stacked_convs):
                cls_layers.append(conv(in_channel, self.feat_channels, 3, padding=1, **common))
                reg_layers.append(conv(in_channel, self.feat_channels, 3, padding=1, **common))
                in_channel = self.feat_channels
            if self.use_depthwise:
                # SSDLite: a depthwise 3x3 then a 1x1 predictor
                cls_layers.append(ConvModule(in_channel, in_channel, 3, padding=1, groups=in_channel, **common))
                reg_layers.append(ConvModule(in_channel, in_channel, 3, padding=1, groups=in_channel, **common))
            kernel, pad = (1, 0) if self.use_depthwise else (3, 1)
            cls_layers.append(nn.Conv2d(in_channel, num_base_priors * self.cls_out_channels, kernel_size=kernel,
                                        padding=pad))
            reg_layers.append(nn.Conv2d(in_channel, num_base_priors * 4, kernel_size=kernel, padding=pad))
            self.cls_convs.append(nn.Sequential(*cls_layers))
            self.reg_convs.append(nn.Sequential(*reg_layers))

    def forward(self, feats):
        cls_scores, bbox_preds = [], []
        for feat, reg_conv, cls_conv in zip(feats, self.reg_convs, self.cls_convs):
            cls_scores.append(cls_conv(feat))
            bbox_preds.append(reg_conv(feat))
        return cls_scores, bbox_preds

    def loss_single(self, cls_score, bbox_pred, anchor, labels, label_weights, bbox_targets, bbox_weights,
                    num_total_samples):
        """One image, all levels: softmax CE over positives plus the hardest ``neg_pos_ratio`` x as many
        negatives, smooth-L1 on positives."""
        loss_cls_all = F.cross_entropy(cls_score, labels, reduction='none') * label_weights
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero(as_tuple=False).reshape(-1)
        neg_inds = (labels == self.num_classes).nonzero(as_tuple=False).view(-1)
        num_pos_samples = pos_inds.size(0)
        num_neg_samples = min(cfg_get(self.train_cfg, 'neg_pos_ratio', 3) * num_pos_samples, neg_inds.size(0))
        topk_loss_cls_neg, _ = loss_cls_all[neg_inds].topk(int(num_neg_samples))
        loss_cls = (loss_cls_all[pos_inds].sum() + topk_loss_cls_neg.sum()) / num_total_samples
        if self.reg_decoded_bbox:
            bbox_pred = self.bbox_coder.decode(anchor, bbox_pred)
        loss_bbox = smooth_l1_loss(bbox_pred, bbox_targets, bbox_weights,
                                   beta=cfg_get(self.train_cfg, 'smoothl1_beta', 1.0),
                                   avg_factor=num_total_samples)
        return loss_cls[None], loss_bbox

    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None):
        """dict(loss_cls=[per image], loss_bbox=[per image])."""
        core = _core()
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        if len(featmap_sizes) != self.prior_generator.num_levels:
            raise ValueError(f'SSDHead.loss: {len(featmap_sizes)} feature levels but the anchor generator has '
                             f'{self.prior_generator.num_levels}')
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=device)
        cls_reg_targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                           gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                           label_channels=1, unmap_outputs=True)
        if cls_reg_targets is None:
            return None
        (labels_list, label_weights_list, bbox_targets_list, bbox_weights_list, num_total_pos,
         num_total_neg) = cls_reg_targets
        num_images = len(img_metas)
        all_cls_scores = torch.cat(
            [s.permute(0, 2, 3, 1).reshape(num_images, -1, self.cls_out_channels) for s in cls_scores], 1)
        all_labels = torch.cat(labels_list, -1).view(num_images, -1)
        all_label_weights = torch.cat(label_weights_list, -1).view(num_images, -1)
        all_bbox_preds = torch.cat([b.permute(0, 2, 3, 1).reshape(num_images, -1, 4) for b in bbox_preds], -2)
        all_bbox_targets = torch.cat(bbox_targets_list, -2).view(num_images, -1, 4)
        all_bbox_weights = torch.cat(bbox_weights_list, -2).view(num_images, -1, 4)
        all_anchors = [torch.cat(anchor_list[i]) for i in range(num_images)]
        losses_cls, losses_bbox = core.multi_apply(self.loss_single, all_cls_scores, all_bbox_preds, all_anchors,
                                                   all_labels, all_label_weights, all_bbox_targets,
                                                   all_bbox_weights, num_total_samples=num_total_pos)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox)
