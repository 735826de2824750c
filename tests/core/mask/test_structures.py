"""BitmapMasks / PolygonMasks (mmdet 2.x mask structures)."""
import numpy as np
import pytest
import torch

from workbench.core.mask import (BitmapMasks, PolygonMasks, encode_mask_results, mask2bbox, polygon_to_bitmap,
                                 split_combined_polys)

H, W = 20, 30


def square_poly(x1, y1, x2, y2):
    return [np.array([x1, y1, x2, y1, x2, y2, x1, y2], dtype=np.float64)]


@pytest.fixture
def polys():
    # two rectangles (one split in two parts)
    return PolygonMasks([square_poly(2, 3, 12, 9), square_poly(15, 5, 20, 15) + square_poly(22, 5, 26, 8)], H, W)


@pytest.fixture
def bitmaps(polys):
    return polys.to_bitmap()


def test_polygon_rasterisation(polys, bitmaps):
    arr = polys.to_ndarray()
    assert arr.shape == (2, H, W) and arr.dtype == np.uint8
    # pycocotools rasterises [2, 12] x [3, 9] as pixels 2..11 x 3..8
    assert arr[0].sum() == 10 * 6
    assert arr[0, 3:9, 2:12].all()
    np.testing.assert_allclose(polys.areas, [60, 50 + 12])
    np.testing.assert_array_equal(bitmaps.areas, [60, 62])
    assert polygon_to_bitmap(square_poly(0, 0, 4, 4), 5, 5).dtype == bool


def test_empty_masks():
    b = BitmapMasks([], H, W)
    assert b.masks.shape == (0, H, W) and len(b) == 0
    assert b.rescale(2.0).masks.shape == (0, 40, 60)
    assert b.resize((5, 6)).masks.shape == (0, 5, 6)
    assert b.crop_and_resize(np.zeros((0, 4), np.float32), (7, 7), np.zeros(0, np.int64)).masks.shape == (0, 7, 7)
    p = PolygonMasks([], H, W)
    assert p.to_ndarray().shape == (0, H, W)
    assert p.to_tensor(torch.uint8, 'cpu').shape == (0, H, W)
    assert p.rescale(0.5).height == 10


def test_indexing(polys, bitmaps):
    assert len(polys[0]) == 1 and len(polys[[1, 0]]) == 2
    assert len(polys[np.array([True, False])]) == 1
    assert len(bitmaps[1]) == 1 and bitmaps[np.array([False, True])].masks.shape == (1, H, W)
    np.testing.assert_array_equal(polys[1].to_ndarray()[0], bitmaps.masks[1])


def test_rescale_resize(polys, bitmaps):
    b = bitmaps.rescale(2.0)
    assert (b.height, b.width) == (40, 60)
    p = polys.rescale(2.0)
    assert (p.height, p.width) == (40, 60)
    np.testing.assert_array_equal(p.to_ndarray(), b.masks)
    b = bitmaps.resize((10, 60))
    p = polys.resize((10, 60))
    assert b.masks.shape == (2, 10, 60)
    np.testing.assert_allclose(p.masks[0][0], [4, 1.5, 24, 1.5, 24, 4.5, 4, 4.5])
    # rescale with a (long, short) edge limit as Resize(keep_ratio=True) does
    assert bitmaps.rescale((60, 60)).masks.shape == (2, 40, 60)


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_flip_matches_and_is_involution(polys, bitmaps, direction):
    fb = bitmaps.flip(direction)
    fp = polys.flip(direction)
    np.testing.assert_array_equal(fp.to_ndarray(), fb.masks)
    np.testing.assert_array_equal(fb.flip(direction).masks, bitmaps.masks)
    np.testing.assert_allclose(fp.flip(direction).masks[1][1], polys.masks[1][1])
    with pytest.raises(ValueError):
        bitmaps.flip('sideways')


def test_pad_crop_expand(polys, bitmaps):
    pb = bitmaps.pad((25, 32))
    assert pb.masks.shape == (2, 25, 32) and pb.masks[:, H:].sum() == 0
    pp = polys.pad((25, 32))
    np.testing.assert_array_equal(pp.to_ndarray(), pb.masks)
    box = np.array([1, 2, 18, 12])
    cb, cp = bitmaps.crop(box), polys.crop(box)
    assert cb.masks.shape == (2, 10, 17)
    np.testing.assert_array_equal(cb.masks, bitmaps.masks[:, 2:12, 1:18])
    np.testing.assert_array_equal(cp.to_ndarray(), cb.masks)
    # crops are clipped to the canvas
    assert bitmaps.crop(np.array([-5, -5, 100, 100])).masks.shape == (2, H, W)
    eb, ep = bitmaps.expand(30, 40, 4, 6), polys.expand(30, 40, 4, 6)
    assert eb.masks.shape == (2, 30, 40)
    np.testing.assert_array_equal(eb.masks[:, 4:24, 6:36], bitmaps.masks)
    np.testing.assert_array_equal(ep.to_ndarray(), eb.masks)


def test_crop_and_resize(polys, bitmaps):
    boxes = np.array([[2, 3, 12, 9], [0, 0, 30, 20]], dtype=np.float32)
    inds = np.array([0, 1])
    out = bitmaps.crop_and_resize(boxes, (6, 10), inds)
    assert out.masks.shape == (2, 6, 10)
    assert out.masks[0].all()  # the box is exactly the first mask
    outp = polys.crop_and_resize(boxes, (6, 10), inds)
    np.testing.assert_array_equal(outp.to_ndarray()[0], np.ones((6, 10), np.uint8))
    # the whole-image box at 1/... scale: both agree on most pixels
    agree = (outp.to_ndarray()[1] == out.masks[1]).mean()
    assert agree > 0.9
    soft = bitmaps.crop_and_resize(torch.from_numpy(boxes), (6, 10), torch.tensor([0, 1]), binarize=False)
    assert soft.masks.dtype == np.float32 and soft.masks.max() <= 1
    with pytest.raises(ValueError):
        polys.crop_and_resize(boxes, (6, 10), inds, binarize=False)


def test_translate_shear_rotate(polys, bitmaps):
    tb = bitmaps.translate((H, W), 3, 'horizontal')
    np.testing.assert_array_equal(tb.masks[:, :, 3:], bitmaps.masks[:, :, :-3])
    tp = polys.translate((H, W), 3, 'horizontal')
    np.testing.assert_array_equal(tp.to_ndarray(), tb.masks)
    tv = polys.translate((H, W), -4, 'vertical')
    assert tv.masks[0][0][1::2].min() == 0  # clipped at the border
    sb = bitmaps.shear((H, W), 0.0)
    np.testing.assert_array_equal(sb.masks, bitmaps.masks)
    sp = polys.shear((H, W), 0.5, 'horizontal')
    np.testing.assert_allclose(sp.masks[0][0][:2], [2 + 0.5 * 3, 3])
    many = BitmapMasks.random(num_masks=6, height=16, width=16, rng=0)
    r = many.rotate((16, 16), 90)
    np.testing.assert_array_equal(r.masks, np.rot90(many.masks, k=-1, axes=(1, 2)))
    rp = PolygonMasks([square_poly(0, 0, 4, 2)], 16, 16).rotate((16, 16), 90, center=(0, 0))
    # clockwise on screen: (x, y) -> (-y, x), clipped at 0
    np.testing.assert_allclose(rp.masks[0][0], [0, 0, 0, 4, 0, 4, 0, 0], atol=1e-6)


def test_tensor_bboxes_random(polys, bitmaps):
    t = bitmaps.to_tensor(torch.float32, 'cpu')
    assert t.shape == (2, H, W) and t.dtype == torch.float32
    np.testing.assert_array_equal(polys.to_tensor(torch.uint8, 'cpu').numpy(), bitmaps.masks)
    np.testing.assert_array_equal(bitmaps.get_bboxes(), [[2, 3, 12, 9], [15, 5, 26, 15]])
    np.testing.assert_array_equal(polys.get_bboxes(), [[2, 3, 12, 9], [15, 5, 26, 15]])
    np.testing.assert_array_equal(mask2bbox(torch.from_numpy(bitmaps.masks).bool()).numpy(),
                                  bitmaps.get_bboxes())
    r = BitmapMasks.random(num_masks=4, height=8, width=9, rng=1)
    assert r.masks.shape == (4, 8, 9)
    rp = PolygonMasks.random(num_masks=3, height=40, width=50, rng=2)
    assert len(rp) == 3 and rp.to_ndarray().sum() > 0
    for inst in rp.masks:
        assert inst[0][0::2].min() >= 0 and inst[0][0::2].max() <= 50


def test_constructor_errors():
    with pytest.raises(ValueError, match='do not match'):
        BitmapMasks(np.zeros((2, 5, 5), np.uint8), 4, 5)
    with pytest.raises(TypeError):
        PolygonMasks([np.zeros(6)], 5, 5)


def test_encode_and_split():
    import pycocotools.mask as mask_utils
    m = np.zeros((5, 6), np.uint8)
    m[1:3, 2:5] = 1
    enc = encode_mask_results([[m], []])
    assert len(enc) == 2 and enc[1] == []
    np.testing.assert_array_equal(mask_utils.decode(enc[0][0]), m)
    enc2, scores = encode_mask_results(([[m]], [[0.9]]))
    assert scores == [[0.9]] and mask_utils.area(enc2[0][0]) == 6
    polys = [np.arange(14, dtype=np.float32)]
    out = split_combined_polys(polys, [np.array([6, 8])], [np.array([2])])
    assert len(out[0]) == 1 and [len(p) for p in out[0][0]] == [6, 8]
    with pytest.raises(ValueError):
        split_combined_polys(polys, [np.array([6, 9])], [np.array([2])])
