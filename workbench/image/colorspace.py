"""Colour space conversions (mmcv 1.x ``mmcv.image.colorspace`` semantics, cv2 conversions)."""
from __future__ import annotations

import cv2
import numpy as np


def imconvert(img: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert between colour spaces by name, e.g. ``imconvert(img, 'bgr', 'hsv')``."""
    name = f'COLOR_{src.upper()}2{dst.upper()}'
    code = getattr(cv2, name, None)
    if code is None:
        raise ValueError(f'no colour conversion from {src!r} to {dst!r} (cv2 has no {name})')
    return cv2.cvtColor(img, code)


def bgr2gray(img: np.ndarray, keepdim: bool = False) -> np.ndarray:
    """BGR to grayscale; ``keepdim`` keeps a trailing channel axis (h, w, 1)."""
    out = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return out[..., None] if keepdim else out


def rgb2gray(img: np.ndarray, keepdim: bool = False) -> np.ndarray:
    """RGB to grayscale; ``keepdim`` keeps a trailing channel axis (h, w, 1)."""
    out = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return out[..., None] if keepdim else out


def gray2bgr(img: np.ndarray) -> np.ndarray:
    """Grayscale (h, w) or (h, w, 1) to 3-channel BGR."""
    img = img[..., None] if img.ndim == 2 else img
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def gray2rgb(img: np.ndarray) -> np.ndarray:
    """Grayscale (h, w) or (h, w, 1) to 3-channel RGB."""
    img = img[..., None] if img.ndim == 2 else img
    return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)


def _converter(src, dst):
    code = getattr(cv2, f'COLOR_{src.upper()}2{dst.upper()}')

    def convert(img: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(img, code)

    convert.__name__ = f'{src}2{dst}'
    convert.__doc__ = f'Convert a {src.upper()} image to {dst.upper()}.'
    return convert


bgr2rgb = _converter('bgr', 'rgb')
rgb2bgr = _converter('rgb', 'bgr')
bgr2hsv = _converter('bgr', 'hsv')
hsv2bgr = _converter('hsv', 'bgr')
bgr2hls = _converter('bgr', 'hls')
hls2bgr = _converter('hls', 'bgr')


def _check_ycbcr_dtype(img):
    if img.dtype not in (np.uint8, np.float32):
        raise TypeError(f'ycbcr conversions take uint8 [0, 255] or float32 [0, 1] images, got {img.dtype}')


def _ycbcr_out(out, dtype):
    # results keep the input's type and range
    if dtype == np.uint8:
        return out.round().clip(0, 255).astype(np.uint8)
    return (out / 255.).astype(np.float32)


def rgb2ycbcr(img: np.ndarray, y_only: bool = False) -> np.ndarray:
    """ITU-R BT.601 RGB to YCbCr as Matlab's ``rgb2ycbcr`` (not cv2's JPEG-style YCrCb)."""
    _check_ycbcr_dtype(img)
    dtype = img.dtype
    x = img.astype(np.float32) * (255. if dtype == np.float32 else 1.)
    if y_only:
        out = x @ np.array([65.481, 128.553, 24.966]) / 255. + 16.0
    else:
        m = np.array([[65.481, -37.797, 112.0], [128.553, -74.203, -93.786], [24.966, 112.0, -18.214]])
        out = x @ m / 255. + np.array([16, 128, 128])
    return _ycbcr_out(out, dtype)


def bgr2ycbcr(img: np.ndarray, y_only: bool = False) -> np.ndarray:
    """BT.601 BGR to YCbCr (channel order of the output: Y, Cb, Cr)."""
    return rgb2ycbcr(img[..., ::-1], y_only=y_only)


def ycbcr2rgb(img: np.ndarray) -> np.ndarray:
    """BT.601 YCbCr to RGB as Matlab's ``ycbcr2rgb``."""
    _check_ycbcr_dtype(img)
    dtype = img.dtype
    x = img.astype(np.float32) * (255. if dtype == np.float32 else 1.)
    m = np.array([[0.00456621, 0.00456621, 0.00456621], [0, -0.00153632, 0.00791071],
                  [0.00625893, -0.00318811, 0]]) * 255.0
    out = x @ m + np.array([-222.921, 135.576, -276.836])
    return _ycbcr_out(out, dtype)


def ycbcr2bgr(img: np.ndarray) -> np.ndarray:
    """BT.601 YCbCr to BGR."""
    return np.ascontiguousarray(ycbcr2rgb(img)[..., ::-1])
