"""SingleRoIExtractor: level mapping, pooling per level with workbench.ops.RoIAlign, rescaling, empty input."""
import pytest
import torch

from workbench.models.roi_heads.roi_extractors import SingleRoIExtractor
from workbench.ops import roi_align
from workbench.registry import ROI_EXTRACTORS

STRIDES = [4, 8, 16, 32]


def _extractor(**kw):
    cfg = dict(type='SingleRoIExtractor', roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
               out_channels=3, featmap_strides=STRIDES)
    cfg.update(kw)
    return ROI_EXTRACTORS.build(cfg)


def _feats(requires_grad=False):
    g = torch.Generator().manual_seed(0)
    return [torch.rand(2, 3, 64 // (s // 4), 64 // (s // 4), generator=g).requires_grad_(requires_grad)
            for s in STRIDES]


def test_build_and_layers():
    ext = _extractor()
    assert isinstance(ext, SingleRoIExtractor) and ext.num_inputs == 4 and ext.finest_scale == 56
    assert [layer.spatial_scale for layer in ext.roi_layers] == [1 / s for s in STRIDES]
    assert ext.roi_layers[0].output_size == (7, 7)
    with pytest.raises(KeyError, match='RoIAlgn'):
        _extractor(roi_layer=dict(type='RoIAlgn', output_size=7))


def test_map_roi_levels():
    ext = _extractor()
    sizes = [10., 55., 56., 111., 112., 223., 224., 447., 448., 1000.]
    rois = torch.tensor([[0., 0., 0., s, s] for s in sizes])
    assert ext.map_roi_levels(rois, 4).tolist() == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3]
    assert ext.map_roi_levels(rois, 2).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]


def test_forward_pools_each_roi_from_its_level():
    ext = _extractor()
    feats = _feats()
    rois = torch.tensor([[0., 2., 3., 30., 40.], [1., 0., 0., 150., 100.], [0., 10., 10., 250., 240.],
                         [1., 5., 5., 505., 505.]])
    out = ext(feats, rois)
    assert out.shape == (4, 3, 7, 7)
    levels = ext.map_roi_levels(rois, 4).tolist()
    assert levels == [0, 1, 2, 3]
    for i, lvl in enumerate(levels):
        ref = roi_align(feats[lvl], rois[i:i + 1], (7, 7), 1 / STRIDES[lvl], 0, 'avg', True)
        torch.testing.assert_close(out[i:i + 1], ref)


def test_roi_scale_factor_applies_after_level_choice():
    ext = _extractor()
    feats = _feats()
    rois = torch.tensor([[0., 20., 20., 60., 60.]])  # scale 40 -> level 0
    out = ext(feats, rois, roi_scale_factor=2.0)
    bigger = torch.tensor([[0., 0., 0., 80., 80.]])
    torch.testing.assert_close(out, roi_align(feats[0], bigger, (7, 7), 1 / 4, 0, 'avg', True))


def test_empty_rois_and_single_level():
    ext = _extractor()
    feats = _feats(requires_grad=True)
    out = ext(feats, torch.zeros(0, 5))
    assert out.shape == (0, 3, 7, 7)
    out.sum().backward()  # still connected to every level
    assert all(f.grad is not None for f in feats)
    single = _extractor(featmap_strides=[8])
    assert single(feats[1:2], torch.zeros(0, 5)).shape == (0, 3, 7, 7)
    rois = torch.tensor([[0., 0., 0., 300., 300.]])
    torch.testing.assert_close(single(feats[1:2], rois), roi_align(feats[1], rois, (7, 7), 1 / 8, 0, 'avg', True))


def test_gradients_reach_unused_levels():
    ext = _extractor()
    feats = _feats(requires_grad=True)
    ext(feats, torch.tensor([[0., 0., 0., 20., 20.]])).sum().backward()
    assert all(f.grad is not None for f in feats)
    assert feats[0].grad.abs().sum() > 0 and feats[3].grad.abs().sum() == 0


def test_fp16_enabled_pools_in_fp32():
    ext = _extractor()
    ext.fp16_enabled = True
    feats = [f.half() for f in _feats()]
    rois = torch.tensor([[0., 2., 3., 30., 40.]])
    out = ext(feats, rois)
    assert out.dtype == torch.float16
    torch.testing.assert_close(out.float(), ext.__class__._forward(ext, [f.float() for f in feats], rois, None),
                               atol=1e-3, rtol=1e-3)


def test_generic_roi_extractor_sum_and_concat():
    feats = _feats()
    rois = torch.tensor([[0., 2., 3., 30., 40.], [1., 0., 0., 150., 100.]])
    layer = dict(type='RoIAlign', output_size=7, sampling_ratio=0)
    summed = ROI_EXTRACTORS.build(dict(type='GenericRoIExtractor', aggregation='sum', roi_layer=layer,
                                       out_channels=3, featmap_strides=STRIDES))
    ref = sum(roi_align(f, rois, (7, 7), 1 / s, 0, 'avg', True) for f, s in zip(feats, STRIDES))
    torch.testing.assert_close(summed(feats, rois), ref)
    concat = ROI_EXTRACTORS.build(dict(type='GenericRoIExtractor', aggregation='concat', roi_layer=layer,
                                       out_channels=12, featmap_strides=STRIDES))
    out = concat(feats, rois)
    assert out.shape == (2, 12, 7, 7)
    torch.testing.assert_close(out[:, 3:6], roi_align(feats[1], rois, (7, 7), 1 / 8, 0, 'avg', True))
    assert concat(feats, torch.zeros(0, 5)).shape == (0, 12, 7, 7)
    with pytest.raises(ValueError, match='aggregation'):
        ROI_EXTRACTORS.build(dict(type='GenericRoIExtractor', aggregation='max', roi_layer=layer, out_channels=3,
                                  featmap_strides=STRIDES))
