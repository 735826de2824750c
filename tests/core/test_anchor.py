"""Prior generators against MMDetection 2.28.2 (components.pth) and the seed 001 doctests."""
import pytest
import torch

from tests.core._golden import components
from workbench.core import (AnchorGenerator, LegacyAnchorGenerator, MlvlPointGenerator, SSDAnchorGenerator,
                            YOLOAnchorGenerator, anchor_inside_flags, build_anchor_generator, build_prior_generator,
                            calc_region, images_to_levels)
from workbench.registry import PRIOR_GENERATORS


def _close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('name', ['retina', 'rpn', 'ssd300', 'yolov3', 'legacy'])
def test_anchor_generators_match_golden(name):
    case = components(f'anchors/{name}')
    gen = build_prior_generator(dict(case['cfg']))
    assert type(gen).__name__ == case['cfg']['type']
    assert len(gen.base_anchors) == len(case['base_anchors'])
    for mine, ref in zip(gen.base_anchors, case['base_anchors']):
        _close(mine, ref)
    priors = gen.grid_priors(case['featmap_sizes'], device='cpu')
    assert len(priors) == len(case['priors'])
    for mine, ref in zip(priors, case['priors']):
        _close(mine, ref)
    assert gen.num_base_priors == [b.size(0) for b in case['base_anchors']]
    assert gen.num_levels == len(case['featmap_sizes'])


def test_retina_valid_flags_match_golden():
    case = components('anchors/retina_valid_flags')
    gen = PRIOR_GENERATORS.build(dict(case['cfg']))
    flags = gen.valid_flags(case['featmap_sizes'], case['pad_shape'], device='cpu')
    for mine, ref in zip(flags, case['flags']):
        assert mine.dtype == torch.bool
        assert torch.equal(mine, ref)


def test_doc_example_matches_golden():
    gen = AnchorGenerator([16], [1.], [1.], [9])
    _close(gen.grid_priors([(2, 2)], device='cpu')[0], components('anchors/doc_example')['priors'][0])


@pytest.mark.parametrize('offset', ['0.0', '0.5'])
def test_point_generator_matches_golden(offset):
    case = components(f'points/mlvl_offset{offset}')
    gen = MlvlPointGenerator(case['strides'], case['offset'])
    for mine, ref in zip(gen.grid_priors(case['featmap_sizes'], device='cpu'), case['priors']):
        _close(mine, ref)
    for mine, ref in zip(gen.grid_priors(case['featmap_sizes'], device='cpu', with_stride=True),
                         case['priors_with_stride']):
        _close(mine, ref)
    assert gen.num_base_priors == [1] * len(case['strides'])


# -- seed 001 doctests --------------------------------------------------------------------------------------------
def test_seed_doctest_anchor_generator():
    gen = AnchorGenerator([16], [1.], [1.], [9])
    out = gen.grid_priors([(2, 2)], device='cpu')
    assert len(out) == 1
    expected = torch.tensor([[-4.5, -4.5, 4.5, 4.5], [11.5, -4.5, 20.5, 4.5], [-4.5, 11.5, 4.5, 20.5],
                             [11.5, 11.5, 20.5, 20.5]])
    assert torch.equal(out[0], expected)

    gen = AnchorGenerator([16, 32], [1.], [1.], [9, 18])
    out = gen.grid_priors([(2, 2), (1, 1)], device='cpu')
    assert torch.equal(out[0], expected)
    assert torch.equal(out[1], torch.tensor([[-9., -9., 9., 9.]]))


def test_seed_doctest_legacy_anchor_generator():
    gen = LegacyAnchorGenerator([16], [1.], [1.], [9], center_offset=0.5)
    with pytest.warns(UserWarning, match='grid_anchors'):
        out = gen.grid_anchors(((2, 2), ), device='cpu')
    expected = torch.tensor([[0., 0., 8., 8.], [16., 0., 24., 8.], [0., 16., 8., 24.], [16., 16., 24., 24.]])
    assert torch.equal(out[0], expected)
    assert torch.equal(gen.grid_priors(((2, 2), ), device='cpu')[0], expected)


# -- API details ------------------------------------------------------------------------------------------------------
def test_sparse_priors_equal_dense_rows():
    gen = build_prior_generator(dict(components('anchors/retina')['cfg']))
    featmap_size = (5, 7)
    dense = gen.single_level_grid_priors(featmap_size, 1, device='cpu')
    idxs = torch.tensor([0, 1, 8, 9, 40, 100, dense.size(0) - 1])
    torch.testing.assert_close(gen.sparse_priors(idxs, featmap_size, 1, device='cpu'), dense[idxs])

    pts = MlvlPointGenerator([8, 16], offset=0.5)
    dense = pts.single_level_grid_priors(featmap_size, 1, device='cpu')
    idxs = torch.tensor([0, 3, 7, 20, 34])
    torch.testing.assert_close(pts.sparse_priors(idxs, featmap_size, 1, device='cpu'), dense[idxs])


def test_non_square_strides_and_centers():
    gen = AnchorGenerator(strides=[(8, 16)], ratios=[1.], scales=[1.], centers=[(2., 3.)])
    assert gen.base_sizes == [8]
    priors = gen.grid_priors([(2, 3)], device='cpu')[0]
    # x shifts by 8, y by 16, centre at (2, 3), size 8
    assert torch.equal(priors[0], torch.tensor([-2., -1., 6., 7.]))
    assert torch.equal(priors[4], torch.tensor([6., 15., 14., 23.]))


def test_scale_major_ordering():
    sm = AnchorGenerator([16], ratios=[0.5, 1., 2.], scales=[1., 2.], scale_major=True).base_anchors[0]
    rm = AnchorGenerator([16], ratios=[0.5, 1., 2.], scales=[1., 2.], scale_major=False).base_anchors[0]
    # same set of anchors, different order: scale-major groups by ratio rows with scales varying fastest
    assert sm.shape == rm.shape == (6, 4)
    assert torch.equal(sm[1], rm[3])
    assert not torch.equal(sm, rm)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match='scales'):
        AnchorGenerator([8], [1.], scales=[1.], octave_base_scale=4, scales_per_octave=3)
    with pytest.raises(ValueError, match='scales'):
        AnchorGenerator([8], [1.])
    with pytest.raises(ValueError, match='center_offset'):
        AnchorGenerator([8], [1.], [1.], center_offset=0.5, centers=[(0, 0)])
    with pytest.raises(ValueError, match='base_sizes'):
        AnchorGenerator([8, 16], [1.], [1.], base_sizes=[8])
    gen = AnchorGenerator([8, 16], [1.], [1.])
    with pytest.raises(ValueError, match='2 levels'):
        gen.grid_priors([(4, 4)], device='cpu')
    with pytest.raises(ValueError, match='input_size'):
        SSDAnchorGenerator(strides=[8] * 6, ratios=[[2]] * 6, input_size=320)
    with pytest.raises(KeyError, match='AnchorGenerater'):
        build_prior_generator(dict(type='AnchorGenerater', strides=[8], ratios=[1.], scales=[1.]))


def test_build_anchor_generator_alias_warns():
    with pytest.warns(UserWarning, match='build_prior_generator'):
        gen = build_anchor_generator(dict(type='AnchorGenerator', strides=[8], ratios=[1.], scales=[4]))
    assert isinstance(gen, AnchorGenerator)


def test_yolo_responsible_flags():
    gen = YOLOAnchorGenerator(strides=[32, 16], base_sizes=[[(116, 90), (156, 198)], [(30, 61), (62, 45)]])
    gt = torch.tensor([[0., 0., 40., 40.], [60., 70., 100., 90.]])
    flags = gen.responsible_flags([(4, 4), (8, 8)], gt, device='cpu')
    assert [f.numel() for f in flags] == [32, 128]
    assert flags[0].dtype == torch.uint8
    # centre (20, 20) -> cell 0 of level 0; (80, 80) -> cell (2, 2) = 10; two anchors per cell
    on = flags[0].view(16, 2)[:, 0].nonzero().flatten().tolist()
    assert on == [0, 10]
    on = flags[1].view(64, 2)[:, 1].nonzero().flatten().tolist()
    assert on == [1 * 8 + 1, 5 * 8 + 5]


def test_valid_flags_points_and_anchor_inside_flags():
    pts = MlvlPointGenerator([8])
    flags = pts.valid_flags([(4, 5)], (20, 30), device='cpu')[0]
    assert flags.view(4, 5).sum(0).tolist() == [3, 3, 3, 3, 0]
    anchors = torch.tensor([[-1., 0., 10., 10.], [0., 0., 30., 10.], [0., 0., 29., 19.], [5., 5., 6., 6.]])
    valid = torch.tensor([True, True, True, False])
    assert anchor_inside_flags(anchors, valid, (20, 30)).tolist() == [False, False, True, False]
    assert anchor_inside_flags(anchors, valid, (20, 30), allowed_border=1).tolist() == [True, True, True, False]
    assert anchor_inside_flags(anchors, valid, (20, 30), allowed_border=-1).tolist() == valid.tolist()


def test_images_to_levels_and_calc_region():
    t = [torch.arange(6), torch.arange(6) + 10]
    levels = images_to_levels(t, [4, 2])
    assert [lv.tolist() for lv in levels] == [[[0, 1, 2, 3], [10, 11, 12, 13]], [[4, 5], [14, 15]]]
    x1, y1, x2, y2 = calc_region(torch.tensor([0., 0., 10., 20.]), 0.2)
    assert [int(v) for v in (x1, y1, x2, y2)] == [2, 4, 8, 16]
    x1, y1, x2, y2 = calc_region(torch.tensor([0., 0., 100., 100.]), 0.1, featmap_size=(50, 60))
    assert [int(v) for v in (x1, y1, x2, y2)] == [10, 10, 60, 50]


# -- grid cache -------------------------------------------------------------------------------------------------------
def test_grid_cache_identical_and_isolated():
    gen = build_prior_generator(dict(components('anchors/retina')['cfg']))
    sizes = components('anchors/retina')['featmap_sizes']
    first = gen.grid_priors(sizes, device='cpu')
    second = gen.grid_priors(sizes, device='cpu')
    for a, b, ref in zip(first, second, components('anchors/retina')['priors']):
        assert torch.equal(a, b)
        assert torch.equal(b, ref)
        assert a.data_ptr() != b.data_ptr()
    # in-place edits of a returned tensor must not leak into later calls
    first[0].zero_()
    assert torch.equal(gen.grid_priors(sizes, device='cpu')[0], components('anchors/retina')['priors'][0])
    # other dtypes are separate entries
    half = gen.grid_priors(sizes, dtype=torch.float64, device='cpu')
    assert half[0].dtype == torch.float64
    torch.testing.assert_close(half[0].float(), components('anchors/retina')['priors'][0])


def test_grid_cache_invalidated_by_base_anchor_edits():
    gen = AnchorGenerator([16], [1.], [1.], [9])
    before = gen.grid_priors([(2, 2)], device='cpu')[0]
    gen.base_anchors[0] += 1
    after = gen.grid_priors([(2, 2)], device='cpu')[0]
    assert torch.equal(after, before + 1)
    gen.base_anchors = [torch.zeros(1, 4)]
    assert torch.equal(gen.grid_priors([(1, 2)], device='cpu')[0], torch.tensor([[0., 0., 0., 0.],
                                                                                   [16., 0., 16., 0.]]))


def test_grid_cache_bounded():
    gen = MlvlPointGenerator([4])
    for s in range(1, 80):
        gen.grid_priors([(s, s)], device='cpu')
    assert len(gen._grid_cache) <= gen._grid_cache.maxsize


@pytest.mark.gpu
def test_grid_priors_cuda_match_cpu():
    case = components('anchors/retina')
    gen = build_prior_generator(dict(case['cfg']))
    for mine, ref in zip(gen.grid_priors(case['featmap_sizes'], device='cuda'), case['priors']):
        assert mine.is_cuda
        torch.testing.assert_close(mine.cpu(), ref)
    pts = MlvlPointGenerator([8, 16])
    out = pts.grid_priors([(3, 4), (2, 2)], device='cuda', with_stride=True)
    assert out[0].is_cuda and out[0].shape == (12, 4)


def test_ssd512_and_legacy_ssd_sizes():
    gen = SSDAnchorGenerator(strides=[8, 16, 32, 64, 128, 256, 512],
                             ratios=[[2], [2, 3], [2, 3], [2, 3], [2, 3], [2], [2]],
                             basesize_ratio_range=(0.1, 0.9), input_size=512)
    # first level gets the hand-picked 4% / 10% sizes, the rest are spaced by 16% of the input
    assert gen.base_sizes == [20, 51, 133, 215, 296, 378, 460]
    assert gen.num_base_priors == [4, 6, 6, 6, 6, 4, 4]
    # first base anchor: ratio 1 at scale 1 centred in the cell
    assert gen.base_anchors[0][0].tolist() == [-6., -6., 14., 14.]
    from workbench.core.anchor import LegacySSDAnchorGenerator
    legacy = LegacySSDAnchorGenerator(strides=[8, 16, 32, 64, 100, 300], ratios=[[2], [2, 3], [2, 3], [2, 3], [2],
                                                                                  [2]],
                                      basesize_ratio_range=(0.15, 0.9), input_size=300)
    assert legacy.centers[0] == (3.5, 3.5)
    # V1.x: 3.5 -/+ (21 - 1) / 2 = -6.5 / 13.5, rounded half-to-even like torch.round (and mmdet)
    assert legacy.base_anchors[0][0].tolist() == [-6., -6., 14., 14.]


def test_point_generator_single_level():
    from workbench.core import PointGenerator
    gen = build_prior_generator(dict(type='PointGenerator'))
    assert isinstance(gen, PointGenerator)
    pts = gen.grid_points((2, 3), stride=8, device='cpu')
    assert pts.tolist() == [[0., 0., 8.], [8., 0., 8.], [16., 0., 8.], [0., 8., 8.], [8., 8., 8.], [16., 8., 8.]]
    assert gen.valid_flags((2, 3), (1, 2), device='cpu').tolist() == [True, True, False, False, False, False]
