"""Base class of RoI feature extractors (mmdet 2.x ``BaseRoIExtractor``)."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
import torch.nn as nn

from workbench.cnn.base_module import BaseModule


class BaseRoIExtractor(BaseModule, metaclass=ABCMeta):
    """Pool RoI features from multi-level feature maps.

    Args:
        roi_layer (dict): config of the pooling op, a class of ``workbench.ops`` by name, e.g.
            ``dict(type='RoIAlign', output_size=7, sampling_ratio=0)``; one instance per level is built with
            ``spatial_scale = 1 / stride``.
        out_channels (int): channels of the pooled features.
        featmap_strides (list[int]): strides of the input feature maps.
        init_cfg (dict | list[dict] | None): initialisation config.
    """

    def __init__(self, roi_layer, out_channels, featmap_strides, init_cfg=None):
        super().__init__(init_cfg)
        self.roi_layers = self.build_roi_layers(roi_layer, featmap_strides)
        self.out_channels = out_channels
        self.featmap_strides = featmap_strides
        # set by mmcv-style fp16 wrappers; when True features are pooled in fp32 and the result cast back to fp16
        self.fp16_enabled = False

    @property
    def num_inputs(self) -> int:
        """Number of input feature maps."""
        return len(self.featmap_strides)

    def build_roi_layers(self, layer_cfg, featmap_strides) -> nn.ModuleList:
        """One pooling layer per level, built from ``layer_cfg`` with ``spatial_scale = 1 / stride``."""
        from workbench import ops
        if not isinstance(layer_cfg, dict) or 'type' not in layer_cfg:
            raise TypeError(f'roi_layer must be a dict with a "type" key, got {layer_cfg!r}')
        cfg = dict(layer_cfg)
        layer_type = cfg.pop('type')
        layer_cls = getattr(ops, layer_type, None) if isinstance(layer_type, str) else layer_type
        if layer_cls is None:
            available = [n for n in getattr(ops, '__all__', []) if n[:1].isupper()]
            raise KeyError(f'roi_layer type {layer_type!r} is not in workbench.ops (available: {available})')
        return nn.ModuleList([layer_cls(spatial_scale=1 / s, **cfg) for s in featmap_strides])

    def roi_rescale(self, rois: torch.Tensor, scale_factor: float) -> torch.Tensor:
        """Scale RoIs (n, 5) about their centres by ``scale_factor``."""
        cx = (rois[:, 1] + rois[:, 3]) * 0.5
        cy = (rois[:, 2] + rois[:, 4]) * 0.5
        w = rois[:, 3] - rois[:, 1]
        h = rois[:, 4] - rois[:, 2]
        new_w = w * scale_factor
        new_h = h * scale_factor
        return torch.stack((rois[:, 0], cx - new_w * 0.5, cy - new_h * 0.5, cx + new_w * 0.5, cy + new_h * 0.5),
                           dim=-1)

    @abstractmethod
    def forward(self, feats, rois, roi_scale_factor=None):
        """Pooled features (n, out_channels, *output_size) of ``rois``."""
