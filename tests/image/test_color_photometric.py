"""Colour conversions, normalisation and intensity ops of workbench.image."""
import cv2
import numpy as np
import pytest
import torch

from workbench.image import (adjust_brightness, adjust_color, adjust_contrast, bgr2gray, bgr2hls, bgr2hsv,
                             bgr2rgb, gray2bgr, gray2rgb, hls2bgr, hsv2bgr, imconvert, imdenormalize, iminvert,
                             imnormalize, imnormalize_, posterize, rgb2bgr, rgb2gray, rgb2ycbcr, solarize,
                             tensor2imgs, ycbcr2rgb)


def _img(h=6, w=7, seed=0):
    return np.random.RandomState(seed).randint(0, 256, (h, w, 3), dtype=np.uint8)


def test_channel_swaps_and_gray():
    img = _img()
    np.testing.assert_array_equal(bgr2rgb(img), img[..., ::-1])
    np.testing.assert_array_equal(rgb2bgr(img), img[..., ::-1])
    g = bgr2gray(img)
    assert g.shape == (6, 7)
    assert bgr2gray(img, keepdim=True).shape == (6, 7, 1)
    # ITU-R 601 luma weights on BGR
    expect = np.round(0.114 * img[..., 0] + 0.587 * img[..., 1] + 0.299 * img[..., 2])
    assert np.abs(g.astype(int) - expect).max() <= 1
    np.testing.assert_array_equal(rgb2gray(img[..., ::-1].copy()), g)
    np.testing.assert_array_equal(gray2bgr(g), np.stack([g] * 3, -1))
    np.testing.assert_array_equal(gray2rgb(g[..., None]), np.stack([g] * 3, -1))


def test_hsv_hls_roundtrip_and_imconvert():
    img = _img()
    assert np.abs(hsv2bgr(bgr2hsv(img)).astype(int) - img).max() <= 3
    assert np.abs(hls2bgr(bgr2hls(img)).astype(int) - img).max() <= 3
    np.testing.assert_array_equal(imconvert(img, 'bgr', 'hsv'), bgr2hsv(img))
    pure_red = np.array([[[0, 0, 255]]], np.uint8)
    np.testing.assert_array_equal(bgr2hsv(pure_red)[0, 0], [0, 255, 255])
    with pytest.raises(ValueError, match='no colour conversion'):
        imconvert(img, 'bgr', 'xyzzy')


def test_ycbcr_bt601():
    rgb = np.array([[[0, 0, 0], [255, 255, 255]]], np.uint8)
    ycc = rgb2ycbcr(rgb)
    np.testing.assert_array_equal(ycc[0, 0], [16, 128, 128])
    np.testing.assert_array_equal(ycc[0, 1], [235, 128, 128])
    np.testing.assert_array_equal(rgb2ycbcr(rgb, y_only=True)[0], [16, 235])
    img = _img()[..., ::-1].copy()
    assert np.abs(ycbcr2rgb(rgb2ycbcr(img)).astype(int) - img).max() <= 2
    f = img.astype(np.float32) / 255
    assert rgb2ycbcr(f).dtype == np.float32


def test_imnormalize_formula_and_inplace():
    img = _img()
    mean = np.array([123.675, 116.28, 103.53])
    std = np.array([58.395, 57.12, 57.375])
    out = imnormalize(img, mean, std, to_rgb=True)
    assert out.dtype == np.float32
    expect = (img[..., ::-1].astype(np.float64) - mean) / std
    np.testing.assert_allclose(out, expect, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(imnormalize(img, mean, std, to_rgb=False), (img - mean) / std, rtol=1e-5,
                               atol=1e-5)
    assert img.dtype == np.uint8  # the input is untouched
    buf = img.astype(np.float32)
    res = imnormalize_(buf, mean, std)
    assert res is buf
    np.testing.assert_allclose(buf, expect, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError):
        imnormalize_(img, mean, std)


@pytest.mark.parametrize('dtype', [np.uint8, np.float32, np.float64])
def test_imnormalize_equals_inplace_form_bit_for_bit(dtype):
    """The copying form swaps channels before converting (faster); the values must not change by a single ulp."""
    img = _img().astype(dtype)
    before = img.copy()
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    for to_rgb in (True, False):
        out = imnormalize(img, mean, std, to_rgb=to_rgb)
        assert out.dtype == np.float32 and out.flags['C_CONTIGUOUS'] and out is not img
        np.testing.assert_array_equal(out, imnormalize_(img.astype(np.float32), mean, std, to_rgb=to_rgb))
    np.testing.assert_array_equal(img, before)


def test_imdenormalize_inverts_imnormalize():
    img = _img()
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    back = imdenormalize(imnormalize(img, mean, std, to_rgb=True), mean, std, to_bgr=True)
    np.testing.assert_allclose(back, img, atol=1e-3)


def test_tensor2imgs():
    img = _img()
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    t = torch.from_numpy(imnormalize(img, mean, std).transpose(2, 0, 1))[None].repeat(2, 1, 1, 1)
    outs = tensor2imgs(t, mean, std, to_rgb=True)
    assert len(outs) == 2 and outs[0].dtype == np.uint8
    assert np.abs(outs[0].astype(int) - img).max() <= 1
    with pytest.raises(ValueError):
        tensor2imgs(t[0])


def test_brightness_contrast_color():
    img = _img()
    assert (adjust_brightness(img, 0.0) == 0).all()
    np.testing.assert_array_equal(adjust_brightness(img, 1.0), img)
    np.testing.assert_array_equal(adjust_brightness(img, 0.5), np.clip(img.astype(np.float32) * 0.5, 0, 255)
                                  .astype(np.uint8))
    solid = adjust_contrast(img, 0.0)
    assert len(np.unique(solid)) == 1
    assert int(solid[0, 0, 0]) == round(float(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).mean()))
    np.testing.assert_array_equal(adjust_contrast(img, 1.0), img)
    np.testing.assert_array_equal(adjust_color(img, 1.0), img)
    gray3 = gray2bgr(bgr2gray(img))
    np.testing.assert_array_equal(adjust_color(img, 0.0), gray3)


def test_invert_solarize_posterize():
    img = np.array([[0, 100, 128, 255]], np.uint8)
    assert iminvert(img).tolist() == [[255, 155, 127, 0]]
    assert solarize(img, 128).tolist() == [[0, 100, 127, 0]]
    assert posterize(img, 1).tolist() == [[0, 0, 128, 128]]
