"""Box heads with shared and per-branch convs and fully connected layers (mmdet 2.x ``ConvFCBBoxHead``)."""
from torch import nn

from workbench.cnn import ConvModule
from workbench.registry import HEADS

from .bbox_head import BBoxHead, build_linear_layer


@HEADS.register_module()
class ConvFCBBoxHead(BBoxHead):
    """shared convs -> shared fcs -> (cls convs -> cls fcs -> fc_cls) and (reg convs -> reg fcs -> fc_reg)."""

    def __init__(self, num_shared_convs=0, num_shared_fcs=0, num_cls_convs=0, num_cls_fcs=0, num_reg_convs=0,
                 num_reg_fcs=0, conv_out_channels=256, fc_out_channels=1024, conv_cfg=None, norm_cfg=None,
                 init_cfg=None, *args, **kwargs):
        super().__init__(*args, init_cfg=init_cfg, **kwargs)
        if num_shared_convs + num_shared_fcs + num_cls_convs + num_cls_fcs + num_reg_convs + num_reg_fcs <= 0:
            raise ValueError('ConvFCBBoxHead needs at least one conv or fc layer')
        if (num_cls_convs > 0 or num_reg_convs > 0) and num_shared_fcs != 0:
            raise ValueError('branch convs after shared fcs are not possible')
        if not self.with_cls and (num_cls_convs or num_cls_fcs):
            raise ValueError('cls branch layers given but with_cls=False')
        if not self.with_reg and (num_reg_convs or num_reg_fcs):
            raise ValueError('reg branch layers given but with_reg=False')
        self.num_shared_convs, self.num_shared_fcs = num_shared_convs, num_shared_fcs
        self.num_cls_convs, self.num_cls_fcs = num_cls_convs, num_cls_fcs
        self.num_reg_convs, self.num_reg_fcs = num_reg_convs, num_reg_fcs
        self.conv_out_channels, self.fc_out_channels = conv_out_channels, fc_out_channels
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg

        self.shared_convs, self.shared_fcs, last_dim = self._add_conv_fc_branch(
            num_shared_convs, num_shared_fcs, self.in_channels, True)
        self.shared_out_channels = last_dim
        self.cls_convs, self.cls_fcs, self.cls_last_dim = self._add_conv_fc_branch(
            num_cls_convs, num_cls_fcs, self.shared_out_channels)
        self.reg_convs, self.reg_fcs, self.reg_last_dim = self._add_conv_fc_branch(
            num_reg_convs, num_reg_fcs, self.shared_out_channels)
        if self.num_shared_fcs == 0 and not self.with_avg_pool:
            if self.num_cls_fcs == 0:
                self.cls_last_dim *= self.roi_feat_area
            if self.num_reg_fcs == 0:
                self.reg_last_dim *= self.roi_feat_area
        self.relu = nn.ReLU(inplace=True)
        # the predictors see the branch outputs, whose width differs from BBoxHead's default
        if self.with_cls:
            self.fc_cls = build_linear_layer(self.cls_predictor_cfg, self.cls_last_dim, self.cls_channels)
        if self.with_reg:
            out_dim_reg = 4 if self.reg_class_agnostic else 4 * self.num_classes
            self.fc_reg = build_linear_layer(self.reg_predictor_cfg, self.reg_last_dim, out_dim_reg)
        if init_cfg is None:
            self.init_cfg += [dict(type='Xavier', distribution='uniform',
                                   override=[dict(name='shared_fcs'), dict(name='cls_fcs'), dict(name='reg_fcs')])]

    def _add_conv_fc_branch(self, num_branch_convs, num_branch_fcs, in_channels, is_shared=False):
        last_layer_dim = in_channels
        branch_convs = nn.ModuleList()
        for i in range(num_branch_convs):
            conv_in = last_layer_dim if i == 0 else self.conv_out_channels
            branch_convs.append(ConvModule(conv_in, self.conv_out_channels, 3, padding=1, conv_cfg=self.conv_cfg,
                                           norm_cfg=self.norm_cfg))
        if num_branch_convs > 0:
            last_layer_dim = self.conv_out_channels
        branch_fcs = nn.ModuleList()
        if num_branch_fcs > 0:
            # fcs take the flattened RoI feature unless a shared fc already flattened it
            if (is_shared or self.num_shared_fcs == 0) and not self.with_avg_pool:
                last_layer_dim *= self.roi_feat_area
            for i in range(num_branch_fcs):
                fc_in = last_layer_dim if i == 0 else self.fc_out_channels
                branch_fcs.append(nn.Linear(fc_in, self.fc_out_channels))
            last_layer_dim = self.fc_out_channels
        return branch_convs, branch_fcs, last_layer_dim

    def forward(self, x):
        for conv in self.shared_convs:
            x = conv(x)
        if self.num_shared_fcs > 0:
            if self.with_avg_pool:
                x = self.avg_pool(x)
            x = x.flatten(1)
            for fc in self.shared_fcs:
                x = self.relu(fc(x))
        x_cls, x_reg = x, x
        for conv in self.cls_convs:
            x_cls = conv(x_cls)
        if x_cls.dim() > 2:
            if self.with_avg_pool:
                x_cls = self.avg_pool(x_cls)
            x_cls = x_cls.flatten(1)
        for fc in self.cls_fcs:
            x_cls = self.relu(fc(x_cls))
        for conv in self.reg_convs:
            x_reg = conv(x_reg)
        if x_reg.dim() > 2:
            if self.with_avg_pool:
                x_reg = self.avg_pool(x_reg)
            x_reg = x_reg.flatten(1)
        for fc in self.reg_fcs:
            x_reg = self.relu(fc(x_reg))
        cls_score = self.fc_cls(x_cls) if self.with_cls else None
        bbox_pred = self.fc_reg(x_reg) if self.with_reg else None
        return cls_score, bbox_pred


@HEADS.register_module()
class Shared2FCBBoxHead(ConvFCBBoxHead):
    """Two shared fully connected layers (Faster R-CNN's default box head)."""

    def __init__(self, fc_out_channels=1024, *args, **kwargs):
        super().__init__(num_shared_convs=0, num_shared_fcs=2, num_cls_convs=0, num_cls_fcs=0, num_reg_convs=0,
                         num_reg_fcs=0, fc_out_channels=fc_out_channels, *args, **kwargs)


@HEADS.register_module()
class Shared4Conv1FCBBoxHead(ConvFCBBoxHead):
    """Four shared convs and one shared fully connected layer."""

    def __init__(self, fc_out_channels=1024, *args, **kwargs):
        super().__init__(num_shared_convs=4, num_shared_fcs=1, num_cls_convs=0, num_cls_fcs=0, num_reg_convs=0,
                         num_reg_fcs=0, fc_out_channels=fc_out_channels, *args, **kwargs)
