"""Reading, decoding and writing images (mmcv 1.x ``mmcv.image.io`` semantics, cv2 backend).

Images are HWC numpy arrays, BGR by default. ``imread`` accepts a path, encoded bytes or an already decoded array
(returned as is); missing or undecodable files raise errors that name the file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import cv2
import numpy as np

_IMREAD_FLAGS = {
    'color': cv2.IMREAD_COLOR,
    'grayscale': cv2.IMREAD_GRAYSCALE,
    'unchanged': cv2.IMREAD_UNCHANGED,
    'color_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_COLOR,
    'grayscale_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_GRAYSCALE,
}
_SUPPORTED_BACKENDS = ('cv2', 'pillow')
_default_backend = 'cv2'


def use_backend(backend: str) -> None:
    """Select the global decoding/resizing backend ('cv2' or 'pillow')."""
    global _default_backend
    if backend not in _SUPPORTED_BACKENDS:
        raise ValueError(f'backend {backend!r} is not supported; choose one of {_SUPPORTED_BACKENDS}')
    if backend == 'pillow':
        try:
            import PIL  # noqa: F401
        except ImportError as e:
            raise ImportError('the pillow backend needs Pillow installed (pip install pillow)') from e
    _default_backend = backend


def _resolve_flag(flag):
    if isinstance(flag, str):
        if flag not in _IMREAD_FLAGS:
            raise ValueError(f'unknown imread flag {flag!r}; expected one of {sorted(_IMREAD_FLAGS)}')
        return _IMREAD_FLAGS[flag]
    return flag


def _check_channel_order(channel_order: str) -> str:
    order = channel_order.lower()
    if order not in ('bgr', 'rgb'):
        raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
    return order


def imfrombytes(content: bytes, flag: str = 'color', channel_order: str = 'bgr', backend: Optional[str] = None,
                filename: Optional[str] = None) -> np.ndarray:
    """Decode image bytes. ``filename`` only serves error messages (which file the bytes came from)."""
    backend = backend or _default_backend
    if backend not in _SUPPORTED_BACKENDS:
        raise ValueError(f'backend {backend!r} is not supported; choose one of {_SUPPORTED_BACKENDS}')
    order = _check_channel_order(channel_order)
    where = f' {filename!r}' if filename else ''
    if backend == 'pillow':
        return _pillow_decode(content, flag, order, where)
    buf = np.frombuffer(content, dtype=np.uint8)
    img = cv2.imdecode(buf, _resolve_flag(flag)) if buf.size else None
    if img is None:
        raise ValueError(f'cannot decode image{where}: the file is empty, truncated or not an image '
                         f'({len(content)} bytes)')
    # only a 3-channel colour decode has a BGR order to swap
    if _resolve_flag(flag) & ~cv2.IMREAD_IGNORE_ORIENTATION == cv2.IMREAD_COLOR and order == 'rgb':
        cv2.cvtColor(img, cv2.COLOR_BGR2RGB, img)
    return img


def _pillow_decode(content, flag, order, where):
    import io as _io

    from PIL import Image, ImageOps
    try:
        pil = Image.open(_io.BytesIO(content))
        pil.load()
    except Exception as e:  # noqa: BLE001 - re-raised with the file named
        raise ValueError(f'cannot decode image{where}: {e}') from e
    if flag in ('color', 'grayscale'):
        pil = ImageOps.exif_transpose(pil)
    if flag in ('color', 'color_ignore_orientation'):
        arr = np.asarray(pil.convert('RGB'))
        return np.ascontiguousarray(arr[..., ::-1]) if order == 'bgr' else arr.copy()
    if flag in ('grayscale', 'grayscale_ignore_orientation'):
        return np.asarray(pil.convert('L')).copy()
    if flag == 'unchanged':
        return np.asarray(pil).copy()
    raise ValueError(f'unknown imread flag {flag!r}')


def imread(img_or_path: Union[np.ndarray, str, Path, bytes], flag: str = 'color', channel_order: str = 'bgr',
           backend: Optional[str] = None, file_client_args: Optional[dict] = None) -> np.ndarray:
    """Read an image from a path, from encoded bytes, or return a decoded array unchanged.

    ``file_client_args`` is accepted for mmcv compatibility; only local files are read here.
    """
    if isinstance(img_or_path, np.ndarray):
        return img_or_path
    if isinstance(img_or_path, (bytes, bytearray, memoryview)):
        return imfrombytes(bytes(img_or_path), flag, channel_order, backend)
    if isinstance(img_or_path, Path):
        img_or_path = str(img_or_path)
    if not isinstance(img_or_path, str):
        raise TypeError('"img_or_path" must be a numpy array, bytes, a str or a pathlib.Path, '
                        f'got {type(img_or_path).__name__}')
    _check_file_client_args(file_client_args, img_or_path)
    if not os.path.isfile(img_or_path):
        raise FileNotFoundError(f'image file does not exist: {img_or_path!r}')
    with open(img_or_path, 'rb') as f:
        content = f.read()
    return imfrombytes(content, flag, channel_order, backend, filename=img_or_path)


def _check_file_client_args(file_client_args, path):
    if file_client_args is None:
        return
    backend = file_client_args.get('backend', 'disk')
    if backend not in ('disk', None):
        raise NotImplementedError(f'file client backend {backend!r} is not available offline (reading {path!r}); '
                                  "only 'disk' is supported")


def imwrite(img: np.ndarray, file_path: Union[str, Path], params=None, auto_mkdir: Optional[bool] = None,
            file_client_args: Optional[dict] = None) -> bool:
    """Encode ``img`` by the file extension and write it; parent folders are created. Returns success."""
    file_path = str(file_path)
    _check_file_client_args(file_client_args, file_path)
    ext = os.path.splitext(file_path)[1]
    if not ext:
        raise ValueError(f'cannot infer the image format of {file_path!r}: it has no extension')
    ok, buf = cv2.imencode(ext, img, params if params is not None else [])
    if not ok:
        return False
    if auto_mkdir is not False:
        parent = os.path.dirname(os.path.abspath(file_path))
        os.makedirs(parent, exist_ok=True)
    with open(file_path, 'wb') as f:
        f.write(buf.tobytes())
    return True
