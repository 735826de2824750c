"""workbench.image geometric ops against the mmcv 1.x documented semantics (seed 004, mmcv-docs-inventory §5)."""
import numpy as np
import pytest

from workbench.image import (imcrop, imflip, imflip_, impad, impad_to_multiple, imrescale, imresize,
                             imresize_like, imresize_to_multiple, imrotate, imshear, imtranslate, rescale_size)


def _img(h=30, w=40, c=3, seed=0):
    return np.random.RandomState(seed).randint(0, 256, (h, w, c), dtype=np.uint8)


def test_imresize_size_is_w_h_and_return_scale():
    img = _img(30, 40)
    out = imresize(img, (20, 10))
    assert out.shape == (10, 20, 3)
    out, w_scale, h_scale = imresize(img, (1000, 600), return_scale=True)
    assert out.shape == (600, 1000, 3)
    assert (w_scale, h_scale) == (1000 / 40, 600 / 30)
    for interp in ('nearest', 'bilinear', 'bicubic', 'area', 'lanczos'):
        assert imresize(img, (13, 7), interpolation=interp).shape == (7, 13, 3)
    with pytest.raises(ValueError, match='interpolation'):
        imresize(img, (10, 10), interpolation='cubic-ish')


def test_imresize_nearest_upsample_repeats_pixels():
    img = np.arange(4, dtype=np.uint8).reshape(2, 2)
    np.testing.assert_array_equal(imresize(img, (4, 4), interpolation='nearest'),
                                  np.repeat(np.repeat(img, 2, 0), 2, 1))


def test_imresize_like():
    assert imresize_like(_img(30, 40), _img(12, 17)).shape == (12, 17, 3)


def test_rescale_size_factor_and_edge_limits():
    assert rescale_size((40, 30), 0.5) == (20, 15)
    # round half up: 25 * 0.5 = 12.5 -> 13
    assert rescale_size((25, 30), 0.5) == (13, 15)
    # (long, short) limits regardless of orientation: landscape 1333x800 limit on a 640x480 image
    assert rescale_size((640, 480), (1333, 800), return_scale=True) == ((1067, 800), 800 / 480)
    assert rescale_size((640, 480), (800, 1333)) == (1067, 800)
    # portrait: long side 640 limited by 1333 / 640, short 480 by 800 / 480 -> 5/3
    assert rescale_size((480, 640), (1333, 800)) == (800, 1067)
    # the golden case: 220x300 into (320, 256) -> factor 320/300
    assert rescale_size((220, 300), (320, 256)) == (235, 320)
    with pytest.raises(ValueError):
        rescale_size((10, 10), -1)
    with pytest.raises(TypeError):
        rescale_size((10, 10), 'big')


def test_imrescale_keeps_ratio():
    img = _img(30, 40)
    out, factor = imrescale(img, (1000, 800), return_scale=True)
    # max edge <= 1000 and short edge <= 800: factor = min(1000/40, 800/30)
    assert factor == pytest.approx(min(1000 / 40, 800 / 30))
    assert out.shape == (int(30 * factor + 0.5), int(40 * factor + 0.5), 3)
    assert imrescale(img, 0.5).shape == (15, 20, 3)


def test_imresize_to_multiple():
    img = _img(30, 40)
    assert imresize_to_multiple(img, 16, size=(33, 21)).shape == (32, 48, 3)
    assert imresize_to_multiple(img, (8, 16), scale_factor=0.5).shape == (16, 24, 3)
    out, ws, hs = imresize_to_multiple(img, 32, scale_factor=(1.0, 2.0), return_scale=True)
    assert out.shape == (64, 64, 3) and (ws, hs) == (64 / 40, 64 / 30)
    with pytest.raises(ValueError):
        imresize_to_multiple(img, 32)
    with pytest.raises(ValueError):
        imresize_to_multiple(img, 32, size=(10, 10), scale_factor=2)


def test_imflip_directions_and_inplace():
    img = _img(5, 6)
    np.testing.assert_array_equal(imflip(img), img[:, ::-1])
    np.testing.assert_array_equal(imflip(img, 'vertical'), img[::-1])
    np.testing.assert_array_equal(imflip(img, 'diagonal'), img[::-1, ::-1])
    for d in ('horizontal', 'vertical', 'diagonal'):
        np.testing.assert_array_equal(imflip(imflip(img, d), d), img)
        buf = img.copy()
        out = imflip_(buf, d)
        np.testing.assert_array_equal(out, imflip(img, d))
        np.testing.assert_array_equal(buf, imflip(img, d))  # in place
    with pytest.raises(ValueError):
        imflip(img, 'sideways')


def test_impad_shape_padding_and_values():
    img = _img(3, 4)
    out = impad(img, shape=(5, 7), pad_val=0)
    assert out.shape == (5, 7, 3)
    np.testing.assert_array_equal(out[:3, :4], img)
    assert out[3:].sum() == 0 and out[:, 4:].sum() == 0
    out = impad(img, shape=(5, 7), pad_val=(100, 50, 200))
    np.testing.assert_array_equal(out[4, 6], [100, 50, 200])
    # a scalar fills every channel
    np.testing.assert_array_equal(impad(img, shape=(5, 7), pad_val=114)[4, 6], [114, 114, 114])
    # 4-tuple is (left, top, right, bottom)
    out = impad(img, padding=(10, 20, 30, 40))
    assert out.shape == (3 + 20 + 40, 4 + 10 + 30, 3)
    np.testing.assert_array_equal(out[20:23, 10:14], img)
    # 2-tuple is (left/right, top/bottom); int pads all borders
    assert impad(img, padding=(1, 2)).shape == (7, 6, 3)
    assert impad(img, padding=3).shape == (9, 10, 3)
    gray = img[..., 0]
    assert impad(gray, shape=(4, 4), pad_val=7)[3, 3] == 7
    with pytest.raises(ValueError):
        impad(img, shape=(5, 5), padding=1)
    with pytest.raises(ValueError):
        impad(img, shape=(5, 5), pad_val=(1, 2))


def test_impad_modes_documented_examples():
    row = np.array([[1, 2, 3, 4]], dtype=np.uint8)
    assert impad(row, padding=(2, 0, 2, 0), padding_mode='reflect')[0].tolist() == [3, 2, 1, 2, 3, 4, 3, 2]
    assert impad(row, padding=(2, 0, 2, 0), padding_mode='symmetric')[0].tolist() == [2, 1, 1, 2, 3, 4, 4, 3]
    assert impad(row, padding=(2, 0, 2, 0), padding_mode='edge')[0].tolist() == [1, 1, 1, 2, 3, 4, 4, 4]


def test_impad_to_multiple():
    assert impad_to_multiple(_img(30, 40), 32).shape == (32, 64, 3)
    assert impad_to_multiple(_img(64, 32), 32).shape == (64, 32, 3)


def test_imcrop_inclusive_coordinates_and_pad_fill():
    img = _img(150, 200)
    patch = imcrop(img, np.array([10, 10, 100, 120]))
    assert patch.shape == (111, 91, 3)
    np.testing.assert_array_equal(patch, img[10:121, 10:101])
    patches = imcrop(img, np.array([[10, 10, 100, 120], [0, 0, 50, 50]]))
    assert [p.shape for p in patches] == [(111, 91, 3), (51, 51, 3)]
    # scaled 1.2x about the centre (sizes count pixels inclusively): x 10-9.1 .. 100+9.1 -> 0..109,
    # y 10-11.1 .. 120+11.1 -> -1..131, truncated to ints and clipped to the image -> 0..131
    scaled = imcrop(img, np.array([[10, 10, 100, 120]]), scale=1.2)[0]
    assert scaled.shape == (132, 110, 3)
    np.testing.assert_array_equal(scaled, img[0:132, 0:110])
    # a box partly outside: clipped without pad_fill, filled to full size with pad_fill
    box = np.array([-10, -10, 9, 9])
    assert imcrop(img, box).shape == (10, 10, 3)
    filled = imcrop(img, box, pad_fill=7)
    assert filled.shape == (20, 20, 3)
    assert (filled[:10, :10] == 7).all()
    np.testing.assert_array_equal(filled[10:, 10:], img[:10, :10])


def test_imrotate_90_matches_rot90_and_keeps_shape():
    img = _img(9, 9)
    # positive angles rotate clockwise
    np.testing.assert_array_equal(imrotate(img, 90), np.rot90(img, k=-1))
    np.testing.assert_array_equal(imrotate(img, -90), np.rot90(img, k=1))
    rect = _img(10, 20)
    assert imrotate(rect, 30).shape == rect.shape
    assert imrotate(rect, 90, auto_bound=True).shape == (20, 10, 3)
    np.testing.assert_array_equal(imrotate(rect, 90, auto_bound=True), np.rot90(rect, k=-1))
    with pytest.raises(ValueError):
        imrotate(rect, 30, center=(1, 1), auto_bound=True)


def test_imtranslate_and_imshear():
    img = _img(6, 8)
    out = imtranslate(img, 2, 'horizontal', border_value=5)
    np.testing.assert_array_equal(out[:, 2:], img[:, :-2])
    assert (out[:, :2] == 5).all()
    out = imtranslate(img, -3, 'vertical')
    np.testing.assert_array_equal(out[:-3], img[3:])
    assert (out[-3:] == 0).all()
    # an integer shear of 1: row y shifts right by y
    sheared = imshear(img, 1, 'horizontal', interpolation='nearest')
    for y in range(6):
        np.testing.assert_array_equal(sheared[y, y:], img[y, :8 - y])
