"""Pool each RoI from one FPN level chosen by its size (mmdet 2.x ``SingleRoIExtractor``)."""
from __future__ import annotations

import torch

from workbench.registry import ROI_EXTRACTORS
from .base_roi_extractor import BaseRoIExtractor


@ROI_EXTRACTORS.register_module()
class SingleRoIExtractor(BaseRoIExtractor):
    """Extract RoI features from a single level per RoI.

    The level is ``floor(log2(sqrt(w * h) / finest_scale + 1e-6))`` clamped to the available levels, i.e.
    scale < 2 * finest_scale -> level 0, < 4 * finest_scale -> level 1, and so on (Feature Pyramid Networks, eq. 1).

    Args:
        roi_layer (dict): config of the pooling op (``dict(type='RoIAlign', output_size=7, sampling_ratio=0)``).
        out_channels (int): channels of the pooled features.
        featmap_strides (list[int]): strides of the input feature maps.
        finest_scale (int): the RoI scale mapped to level 0's upper bound / 2. Default 56.
        init_cfg (dict | None): initialisation config.
    """

    def __init__(self, roi_layer, out_channels, featmap_strides, finest_scale=56, init_cfg=None):
        super().__init__(roi_layer, out_channels, featmap_strides, init_cfg)
        self.finest_scale = finest_scale

    def map_roi_levels(self, rois: torch.Tensor, num_levels: int) -> torch.Tensor:
        """Level index (long) of every RoI (n, 5)."""
        scale = torch.sqrt((rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2]))
        target_lvls = torch.floor(torch.log2(scale / self.finest_scale + 1e-6))
        return target_lvls.clamp(min=0, max=num_levels - 1).long()

    def forward(self, feats, rois, roi_scale_factor=None):
        """Pool ``rois`` (n, 5) from ``feats`` (one map per level); ``roi_scale_factor`` enlarges the RoIs after
        their level is chosen (Double-Head R-CNN)."""
        cast_back = False
        if self.fp16_enabled and feats[0].dtype == torch.float16:
            feats = [f.float() for f in feats]
            cast_back = True
        out = self._forward(feats, rois, roi_scale_factor)
        return out.half() if cast_back else out

    def _forward(self, feats, rois, roi_scale_factor):
        out_size = self.roi_layers[0].output_size
        num_levels = len(feats)
        if num_levels > len(self.roi_layers):
            raise ValueError(f'SingleRoIExtractor got {num_levels} feature maps but has {len(self.roi_layers)} '
                             f'roi layers (featmap_strides={self.featmap_strides})')
        roi_feats = feats[0].new_zeros(rois.size(0), self.out_channels, *out_size)

        if num_levels == 1:
            if len(rois) == 0:
                return roi_feats
            return self.roi_layers[0](feats[0], rois)

        target_lvls = self.map_roi_levels(rois, num_levels)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)

        # Keep every level (and parameter) in the autograd graph even when no RoI uses it: in distributed training
        # a graph that differs between processes makes gradient reduction hang (as in mmdet). The zero terms are
        # summed first and added once (mmdet adds them per empty level, a full copy of roi_feats each: a quarter of
        # this op's CPU time in benchmarks/inference.py); without autograd there is no graph and they are skipped.
        zero = None
        for i in range(num_levels):
            inds = (target_lvls == i).nonzero(as_tuple=False).squeeze(1)
            if inds.numel() > 0:
                roi_feats[inds] = self.roi_layers[i](feats[i], rois[inds])
            elif torch.is_grad_enabled():
                term = sum(x.view(-1)[0] for x in self.parameters()) * 0. + feats[i].sum() * 0.
                zero = term if zero is None else zero + term
        if zero is not None:
            roi_feats = roi_feats + zero
        return roi_feats
