"""Pool every RoI from all levels and aggregate (mmdet 2.x ``GenericRoIExtractor``, GRoIE)."""
from __future__ import annotations

from workbench.registry import ROI_EXTRACTORS
from .base_roi_extractor import BaseRoIExtractor


@ROI_EXTRACTORS.register_module()
class GenericRoIExtractor(BaseRoIExtractor):
    """Extract each RoI from every level and sum (or concatenate along channels) the pooled features.

    Args:
        aggregation (str): 'sum' or 'concat' (then ``out_channels`` must equal the sum of the levels' channels).
        pre_cfg (dict | None): plugin layer applied to each level's pooled features before aggregation.
        post_cfg (dict | None): plugin layer applied after aggregation.
        **kwargs: ``roi_layer``, ``out_channels``, ``featmap_strides``, ``init_cfg`` of :class:`BaseRoIExtractor`.
    """

    def __init__(self, aggregation='sum', pre_cfg=None, post_cfg=None, **kwargs):
        super().__init__(**kwargs)
        if aggregation not in ('sum', 'concat'):
            raise ValueError(f"aggregation must be 'sum' or 'concat', got {aggregation!r}")
        self.aggregation = aggregation
        self.with_post = post_cfg is not None
        self.with_pre = pre_cfg is not None
        if self.with_post or self.with_pre:
            from workbench.cnn import build_plugin_layer
        if self.with_post:
            self.post_module = build_plugin_layer(post_cfg, '_post_module')[1]
        if self.with_pre:
            self.pre_module = build_plugin_layer(pre_cfg, '_pre_module')[1]

    def forward(self, feats, rois, roi_scale_factor=None):
        out_size = self.roi_layers[0].output_size
        num_levels = len(feats)
        roi_feats = feats[0].new_zeros(rois.size(0), self.out_channels, *out_size)
        if roi_feats.shape[0] == 0:
            return roi_feats
        if num_levels == 1:
            return self.roi_layers[0](feats[0], rois)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)

        start = 0
        for i in range(num_levels):
            level_feats = self.roi_layers[i](feats[i], rois)
            end = start + level_feats.size(1)
            if self.with_pre:
                level_feats = self.pre_module(level_feats)
            if self.aggregation == 'sum':
                roi_feats = roi_feats + level_feats
            else:
                roi_feats[:, start:end] = level_feats
            start = end
        if self.aggregation == 'concat' and start != self.out_channels:
            raise ValueError(f'concat aggregation produced {start} channels but out_channels={self.out_channels}')
        if self.with_post:
            roi_feats = self.post_module(roi_feats)
        return roi_feats
