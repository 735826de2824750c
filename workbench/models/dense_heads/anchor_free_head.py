"""Anchor-free dense head base: one point prior per location (FCOS family)."""
from abc import abstractmethod

from torch import nn

from workbench.cnn import ConvModule
from workbench.registry import BBOX_CODERS, HEADS, LOSSES, PRIOR_GENERATORS

from .anchor_head import _core
from .base_dense_head import BaseDenseHead
from .dense_test_mixins import BBoxTestMixin


@HEADS.register_module()
class AnchorFreeHead(BaseDenseHead, BBoxTestMixin):
    """Classification and regression conv towers over points at ``strides``; subclasses add targets/losses."""

    _version = 1

    def __init__(self, num_classes, in_channels, feat_channels=256, stacked_convs=4, strides=(4, 8, 16, 32, 64),
                 dcn_on_last_conv=False, conv_bias='auto',
                 loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
                 loss_bbox=dict(type='IoULoss', loss_weight=1.0), bbox_coder=dict(type='DistancePointBBoxCoder'),
                 conv_cfg=None, norm_cfg=None, train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,
                               override=dict(type='Normal', name='conv_cls', std=0.01, bias_prob=0.01))):
        super().__init__(init_cfg)
        _core()
        self.num_classes = num_classes
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.stacked_convs = stacked_convs
        self.strides = strides
        self.dcn_on_last_conv = dcn_on_last_conv
        if not (conv_bias == 'auto' or isinstance(conv_bias, bool)):
            raise ValueError(f'{type(self).__name__}: conv_bias must be "auto" or a bool, got {conv_bias!r}')
        self.conv_bias = conv_bias
        self.loss_cls = LOSSES.build(loss_cls)
        self.loss_bbox = LOSSES.build(loss_bbox)
        self.bbox_coder = BBOX_CODERS.build(bbox_coder)
        self.prior_generator = PRIOR_GENERATORS.build(dict(type='MlvlPointGenerator', strides=strides))
        # one point per location: the "anchor" count is 1, kept for interface parity with AnchorHead
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.fp16_enabled = False
        self._init_layers()

    def _init_layers(self):
        self._init_cls_convs()
        self._init_reg_convs()
        self._init_predictor()

    def _tower(self):
        convs = nn.ModuleList()
        for i in range(self.stacked_convs):
            chn = self.in_channels if i == 0 else self.feat_channels
            last_dcn = self.dcn_on_last_conv and i == self.stacked_convs - 1
            conv_cfg = dict(type='DCNv2') if last_dcn else self.conv_cfg
            convs.append(ConvModule(chn, self.feat_channels, 3, stride=1, padding=1, conv_cfg=conv_cfg,
                                    norm_cfg=self.norm_cfg, bias=self.conv_bias))
        return convs

    def _init_cls_convs(self):
        self.cls_convs = self._tower()

    def _init_reg_convs(self):
        self.reg_convs = self._tower()

    def _init_predictor(self):
        self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)
        self.conv_reg = nn.Conv2d(self.feat_channels, 4, 3, padding=1)

    def forward(self, feats):
        return _core().multi_apply(self.forward_single, feats)[:2]

    def forward_single(self, x):
        """cls_score, bbox_pred and the last tower features (subclasses branch off them)."""
        cls_feat = x
        for layer in self.cls_convs:
            cls_feat = layer(cls_feat)
        cls_score = self.conv_cls(cls_feat)
        reg_feat = x
        for layer in self.reg_convs:
            reg_feat = layer(reg_feat)
        bbox_pred = self.conv_reg(reg_feat)
        return cls_score, bbox_pred, cls_feat, reg_feat

    @abstractmethod
    def get_targets(self, points, gt_bboxes_list, gt_labels_list):
        """Per-level targets for the points."""

    def aug_test(self, feats, img_metas, rescale=False):
        return self.aug_test_bboxes(feats, img_metas, rescale=rescale)
