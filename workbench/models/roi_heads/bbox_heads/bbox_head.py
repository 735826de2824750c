"""The second-stage box head (mmdet 2.x ``BBoxHead``): class scores and per-class box deltas of each RoI, its
targets, losses, decoding with NMS, and the box refinement Cascade R-CNN needs."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.utils import _pair

from workbench.cnn import BaseModule
from workbench.registry import BBOX_CODERS, HEADS, LOSSES


def build_linear_layer(cfg, in_features, out_features):
    """``dict(type='Linear')`` (the only predictor type supported here) -> nn.Linear."""
    layer_type = (cfg or dict(type='Linear')).get('type', 'Linear')
    if layer_type != 'Linear':
        raise KeyError(f'predictor type {layer_type!r} is not supported (only Linear)')
    args = {k: v for k, v in (cfg or {}).items() if k != 'type'}
    return nn.Linear(in_features, out_features, **args)


def _cfg_value(cfg, key, default=None):
    if cfg is None:
        return default
    return cfg.get(key, default) if isinstance(cfg, dict) else getattr(cfg, key, default)


@HEADS.register_module()
class BBoxHead(BaseModule):
    """Simplest RoI head: optional average pooling, then one linear layer each for classification and regression.

    Class index ``num_classes`` is background. Regression is class-specific (4 values per class) unless
    ``reg_class_agnostic``; with ``reg_decoded_bbox`` the regression loss sees decoded boxes (IoU losses).
    """

    def __init__(self, with_avg_pool=False, with_cls=True, with_reg=True, roi_feat_size=7, in_channels=256,
                 num_classes=80,
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', clip_border=True, target_means=[0., 0., 0., 0.],
                                 target_stds=[0.1, 0.1, 0.2, 0.2]),
                 reg_class_agnostic=False, reg_decoded_bbox=False, reg_predictor_cfg=dict(type='Linear'),
                 cls_predictor_cfg=dict(type='Linear'),
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                 loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0), init_cfg=None):
        super().__init__(init_cfg)
        import workbench.core  # noqa: F401  (registers the coders)
        if not (with_cls or with_reg):
            raise ValueError('BBoxHead needs with_cls or with_reg')
        self.with_avg_pool = with_avg_pool
        self.with_cls = with_cls
        self.with_reg = with_reg
        self.roi_feat_size = _pair(roi_feat_size)
        self.roi_feat_area = self.roi_feat_size[0] * self.roi_feat_size[1]
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.reg_class_agnostic = reg_class_agnostic
        self.reg_decoded_bbox = reg_decoded_bbox
        self.reg_predictor_cfg = reg_predictor_cfg
        self.cls_predictor_cfg = cls_predictor_cfg
        self.fp16_enabled = False
        self.bbox_coder = BBOX_CODERS.build(bbox_coder)
        self.loss_cls = LOSSES.build(loss_cls)
        self.loss_bbox = LOSSES.build(loss_bbox)

        in_channels = self.in_channels
        if self.with_avg_pool:
            self.avg_pool = nn.AvgPool2d(self.roi_feat_size)
        else:
            in_channels *= self.roi_feat_area
        if self.with_cls:
            self.fc_cls = build_linear_layer(self.cls_predictor_cfg, in_channels, self.cls_channels)
        if self.with_reg:
            out_dim_reg = 4 if reg_class_agnostic else 4 * num_classes
            self.fc_reg = build_linear_layer(self.reg_predictor_cfg, in_channels, out_dim_reg)
        self.debug_imgs = None
        if init_cfg is None:
            self.init_cfg = []
            if self.with_cls:
                self.init_cfg += [dict(type='Normal', std=0.01, override=dict(name='fc_cls'))]
            if self.with_reg:
                self.init_cfg += [dict(type='Normal', std=0.001, override=dict(name='fc_reg'))]

    @property
    def custom_cls_channels(self):
        return getattr(self.loss_cls, 'custom_cls_channels', False)

    @property
    def custom_activation(self):
        return getattr(self.loss_cls, 'custom_activation', False)

    @property
    def custom_accuracy(self):
        return getattr(self.loss_cls, 'custom_accuracy', False)

    @property
    def cls_channels(self):
        if self.custom_cls_channels:
            return self.loss_cls.get_cls_channels(self.num_classes)
        return self.num_classes + 1

    def forward(self, x):
        if self.with_avg_pool:
            x = self.avg_pool(x).flatten(1) if x.numel() > 0 else torch.mean(x, dim=(-1, -2))
        else:
            x = x.flatten(1)
        cls_score = self.fc_cls(x) if self.with_cls else None
        bbox_pred = self.fc_reg(x) if self.with_reg else None
        return cls_score, bbox_pred

    # ------------------------------------------------------------------------------------------------------ targets
    def _get_target_single(self, pos_bboxes, neg_bboxes, pos_gt_bboxes, pos_gt_labels, cfg):
        num_pos, num_neg = pos_bboxes.size(0), neg_bboxes.size(0)
        num_samples = num_pos + num_neg
        labels = pos_bboxes.new_full((num_samples,), self.num_classes, dtype=torch.long)
        label_weights = pos_bboxes.new_zeros(num_samples)
        bbox_targets = pos_bboxes.new_zeros(num_samples, 4)
        bbox_weights = pos_bboxes.new_zeros(num_samples, 4)
        if num_pos > 0:
            labels[:num_pos] = pos_gt_labels
            pos_weight = _cfg_value(cfg, 'pos_weight', -1)
            label_weights[:num_pos] = 1.0 if pos_weight <= 0 else pos_weight
            targets = pos_gt_bboxes if self.reg_decoded_bbox else self.bbox_coder.encode(pos_bboxes, pos_gt_bboxes)
            bbox_targets[:num_pos, :] = targets
            bbox_weights[:num_pos, :] = 1
        if num_neg > 0:
            label_weights[-num_neg:] = 1.0
        return labels, label_weights, bbox_targets, bbox_weights

    def get_targets(self, sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg, concat=True):
        """Labels, label weights, box targets and weights of the sampled RoIs (positives first in each image)."""
        from workbench.core import multi_apply
        outs = multi_apply(self._get_target_single, [r.pos_bboxes for r in sampling_results],
                           [r.neg_bboxes for r in sampling_results], [r.pos_gt_bboxes for r in sampling_results],
                           [r.pos_gt_labels for r in sampling_results], cfg=rcnn_train_cfg)
        if concat:
            outs = tuple(torch.cat(o, 0) for o in outs)
        return outs

    def loss(self, cls_score, bbox_pred, rois, labels, label_weights, bbox_targets, bbox_weights,
             reduction_override=None):
        from workbench.models.losses import accuracy
        losses = dict()
        if cls_score is not None:
            avg_factor = max(torch.sum(label_weights > 0).float().item(), 1.)
            if cls_score.numel() > 0:
                loss_cls = self.loss_cls(cls_score, labels, label_weights, avg_factor=avg_factor,
                                         reduction_override=reduction_override)
                if isinstance(loss_cls, dict):
                    losses.update(loss_cls)
                else:
                    losses['loss_cls'] = loss_cls
                if self.custom_activation:
                    losses.update(self.loss_cls.get_accuracy(cls_score, labels))
                else:
                    losses['acc'] = accuracy(cls_score, labels)
        if bbox_pred is not None:
            pos_inds = (labels >= 0) & (labels < self.num_classes)  # label num_classes is background
            if pos_inds.any():
                if self.reg_decoded_bbox:
                    bbox_pred = self.bbox_coder.decode(rois[:, 1:], bbox_pred)
                if self.reg_class_agnostic:
                    pos_bbox_pred = bbox_pred.view(bbox_pred.size(0), 4)[pos_inds]
                else:
                    pos_bbox_pred = bbox_pred.view(bbox_pred.size(0), -1, 4)[pos_inds, labels[pos_inds]]
                losses['loss_bbox'] = self.loss_bbox(pos_bbox_pred, bbox_targets[pos_inds], bbox_weights[pos_inds],
                                                     avg_factor=bbox_targets.size(0),
                                                     reduction_override=reduction_override)
            else:
                # keeps the graph connected (distributed training) with a zero loss
                losses['loss_bbox'] = bbox_pred[pos_inds].sum()
        return losses

    # ---------------------------------------------------------------------------------------------------------- test
    def get_bboxes(self, rois, cls_score, bbox_pred, img_shape, scale_factor, rescale=False, cfg=None):
        """Decoded boxes and scores of one image's RoIs; with ``cfg`` (score_thr, nms, max_per_img) the detections
        after class-wise NMS as ``(det_bboxes (n, 5), det_labels (n,))``."""
        from workbench.core import multiclass_nms
        if self.custom_cls_channels:
            scores = self.loss_cls.get_activation(cls_score)
        else:
            scores = F.softmax(cls_score, dim=-1) if cls_score is not None else None
        if bbox_pred is not None:
            bboxes = self.bbox_coder.decode(rois[..., 1:], bbox_pred, max_shape=img_shape)
        else:
            bboxes = rois[:, 1:].clone()
            if img_shape is not None:
                bboxes[:, [0, 2]] = bboxes[:, [0, 2]].clamp(min=0, max=img_shape[1])
                bboxes[:, [1, 3]] = bboxes[:, [1, 3]].clamp(min=0, max=img_shape[0])
        if rescale and bboxes.size(0) > 0:
            scale_factor = bboxes.new_tensor(scale_factor)
            bboxes = (bboxes.view(bboxes.size(0), -1, 4) / scale_factor).view(bboxes.size()[0], -1)
        if cfg is None:
            return bboxes, scores
        return multiclass_nms(bboxes, scores, _cfg_value(cfg, 'score_thr'), _cfg_value(cfg, 'nms'),
                              _cfg_value(cfg, 'max_per_img'))

    def refine_bboxes(self, rois, labels, bbox_preds, pos_is_gts, img_metas):
        """Regressed RoIs of each image for the next cascade stage, without the GT boxes that were added as
        proposals."""
        img_ids = rois[:, 0].long().unique(sorted=True)
        if img_ids.numel() > len(img_metas):
            raise ValueError(f'RoIs of {img_ids.numel()} images but {len(img_metas)} image metas')
        bboxes_list = []
        for i in range(len(img_metas)):
            inds = torch.nonzero(rois[:, 0] == i, as_tuple=False).squeeze(dim=1)
            bboxes = self.regress_by_class(rois[inds, 1:], labels[inds], bbox_preds[inds], img_metas[i])
            pos_is_gt = pos_is_gts[i]
            keep = pos_is_gt.new_ones(inds.numel())
            keep[:len(pos_is_gt)] = 1 - pos_is_gt
            bboxes_list.append(bboxes[keep.bool()])
        return bboxes_list

    def regress_by_class(self, rois, label, bbox_pred, img_meta):
        """Apply the deltas of class ``label`` to ``rois`` ((n, 4) or (n, 5) with the image index first)."""
        if rois.size(1) not in (4, 5):
            raise ValueError(f'rois must be (n, 4) or (n, 5), got {tuple(rois.shape)}')
        if not self.reg_class_agnostic:
            label = label * 4
            inds = torch.stack((label, label + 1, label + 2, label + 3), 1)
            bbox_pred = torch.gather(bbox_pred, 1, inds)
        max_shape = img_meta['img_shape']
        if rois.size(1) == 4:
            return self.bbox_coder.decode(rois, bbox_pred, max_shape=max_shape)
        bboxes = self.bbox_coder.decode(rois[:, 1:], bbox_pred, max_shape=max_shape)
        return torch.cat((rois[:, [0]], bboxes), dim=1)
