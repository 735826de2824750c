"""Photometric image operations: normalisation and intensity adjustments (mmcv 1.x semantics)."""
from __future__ import annotations

import cv2
import numpy as np

from .colorspace import bgr2gray, gray2bgr


def imnormalize(img: np.ndarray, mean, std, to_rgb: bool = True) -> np.ndarray:
    """(img [BGR→RGB if ``to_rgb``] - mean) / std as a new float32 array."""
    if to_rgb and img.ndim == 3 and img.shape[2] == 3 and img.dtype in (np.uint8, np.uint16, np.float32):
        # swap channels in the input's (small) dtype into a new array: an in-place swap of the fresh float32 copy
        # costs several times the whole normalisation
        return imnormalize_(cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32, copy=False), mean, std, False)
    return imnormalize_(img.astype(np.float32), mean, std, to_rgb)


def imnormalize_(img: np.ndarray, mean, std, to_rgb: bool = True) -> np.ndarray:
    """In-place :func:`imnormalize` of a float image (uint8 cannot hold the result)."""
    if img.dtype == np.uint8:
        raise TypeError('imnormalize_ works in place and needs a float image, got uint8')
    # cv2 arithmetic with float64 (1, C) operands gives the reference's exact float32 rounding
    mean = np.float64(np.asarray(mean).reshape(1, -1))
    stdinv = 1 / np.float64(np.asarray(std).reshape(1, -1))
    if to_rgb:
        cv2.cvtColor(img, cv2.COLOR_BGR2RGB, img)
    cv2.subtract(img, mean, img)
    cv2.multiply(img, stdinv, img)
    return img


def imdenormalize(img: np.ndarray, mean, std, to_bgr: bool = True) -> np.ndarray:
    """Invert :func:`imnormalize`: img * std + mean, then RGB→BGR if ``to_bgr``."""
    if img.dtype == np.uint8:
        raise TypeError('imdenormalize needs a float image, got uint8')
    mean = np.asarray(mean).reshape(1, -1).astype(np.float64)
    std = np.asarray(std).reshape(1, -1).astype(np.float64)
    img = cv2.multiply(img, std)
    cv2.add(img, mean, img)
    if to_bgr:
        cv2.cvtColor(img, cv2.COLOR_RGB2BGR, img)
    return img


def iminvert(img: np.ndarray) -> np.ndarray:
    """255 - img."""
    return np.full_like(img, 255) - img


def solarize(img: np.ndarray, thr: int = 128) -> np.ndarray:
    """Invert the pixel values at or above ``thr``."""
    return np.where(img < thr, img, 255 - img)


def posterize(img: np.ndarray, bits: int) -> np.ndarray:
    """Keep the ``bits`` most significant bits of each value."""
    shift = 8 - bits
    return np.left_shift(np.right_shift(img, shift), shift)


def _blend(img, other, factor):
    out = cv2.addWeighted(img.astype(np.float32), factor, other.astype(np.float32), 1 - factor, 0)
    return np.clip(out, 0, 255).astype(img.dtype)


def adjust_color(img: np.ndarray, alpha: float = 1, beta=None, gamma: float = 0) -> np.ndarray:
    """img * alpha + gray(img) * beta + gamma (beta defaults to 1 - alpha), clipped to [0, 255]."""
    if beta is None:
        beta = 1 - alpha
    gray = gray2bgr(bgr2gray(img))
    out = cv2.addWeighted(img.astype(np.float32), alpha, gray.astype(np.float32), beta, gamma)
    if img.dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return out.astype(img.dtype)


def adjust_brightness(img: np.ndarray, factor: float = 1.) -> np.ndarray:
    """Blend with a black image: 0 gives black, 1 the original."""
    return _blend(img, np.zeros_like(img), factor)


def adjust_contrast(img: np.ndarray, factor: float = 1.) -> np.ndarray:
    """Blend with a solid image of the mean gray level: 0 gives that solid gray, 1 the original."""
    gray = bgr2gray(img)
    hist = np.histogram(gray, 256, (0, 255))[0]
    mean = round(float(np.sum(gray)) / float(np.sum(hist)))
    degenerated = gray2bgr((np.ones_like(img[..., 0]) * mean).astype(img.dtype))
    return _blend(img, degenerated, factor)


def tensor2imgs(tensor, mean=None, std=None, to_rgb: bool = True):
    """(N, C, H, W) normalised tensor to a list of uint8 HWC images (denormalised, back to BGR if ``to_rgb``)."""
    if tensor.ndim != 4:
        raise ValueError(f'tensor2imgs expects (N, C, H, W), got shape {tuple(tensor.shape)}')
    channels = tensor.size(1)
    if channels not in (1, 3):
        raise ValueError(f'tensor2imgs handles 1 or 3 channels, got {channels}')
    if channels == 1 and to_rgb:
        raise ValueError('to_rgb must be False for 1-channel tensors')
    mean = (0,) * channels if mean is None else mean
    std = (1,) * channels if std is None else std
    imgs = []
    for i in range(tensor.size(0)):
        img = tensor[i, ...].detach().cpu().numpy().transpose(1, 2, 0).astype(np.float32)
        img = imdenormalize(img, mean, std, to_bgr=to_rgb)
        if img.ndim == 2:
            img = img[..., None]
        imgs.append(np.ascontiguousarray(img).astype(np.uint8))
    return imgs
