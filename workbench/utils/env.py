"""collect_env: the versions and devices that matter when reporting a problem (like mmcv's collect_env)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import OrderedDict
from typing import Optional


def _run(cmd) -> Optional[str]:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip()
    return text if out.returncode == 0 and text else None


def _cuda_home() -> Optional[str]:
    home = os.environ.get('CUDA_HOME') or os.environ.get('CUDA_PATH')
    if home is None:
        nvcc = shutil.which('nvcc')
        if nvcc:
            home = os.path.dirname(os.path.dirname(nvcc))
        elif os.path.isdir('/usr/local/cuda'):
            home = '/usr/local/cuda'
    return home


def collect_env() -> 'OrderedDict[str, str]':
    """An ordered dict of: sys.platform, Python, CUDA available, GPU devices (per name), CUDA_HOME, NVCC, GCC,
    PyTorch, PyTorch compiling details, TorchVision, OpenCV, CuPy, workbench. Missing packages show 'not installed'."""
    env: 'OrderedDict[str, str]' = OrderedDict()
    env['sys.platform'] = sys.platform
    env['Python'] = sys.version.replace('\n', '')

    try:
        import torch
    except ImportError:
        torch = None
    cuda_available = bool(torch is not None and torch.cuda.is_available())
    env['CUDA available'] = str(cuda_available)
    if cuda_available:
        devices = {}
        for k in range(torch.cuda.device_count()):
            devices.setdefault(torch.cuda.get_device_name(k), []).append(str(k))
        for name, ids in devices.items():
            env['GPU ' + ','.join(ids)] = name
    cuda_home = _cuda_home()
    env['CUDA_HOME'] = str(cuda_home)
    if cuda_home and os.path.isfile(os.path.join(cuda_home, 'bin', 'nvcc')):
        nvcc = _run([os.path.join(cuda_home, 'bin', 'nvcc'), '-V'])
        env['NVCC'] = nvcc.splitlines()[-1] if nvcc else 'not available'
    else:
        env['NVCC'] = 'not available'
    gcc = _run(['gcc', '--version'])
    env['GCC'] = gcc.splitlines()[0] if gcc else 'n/a'

    if torch is not None:
        env['PyTorch'] = torch.__version__
        env['PyTorch CUDA'] = str(torch.version.cuda)
        env['PyTorch compiling details'] = torch.__config__.show()
    else:
        env['PyTorch'] = 'not installed'
    try:
        import torchvision
        env['TorchVision'] = torchvision.__version__
    except ImportError:
        env['TorchVision'] = 'not installed'
    try:
        import cv2
        env['OpenCV'] = cv2.__version__
    except ImportError:
        env['OpenCV'] = 'not installed'
    try:
        import cupy
        env['CuPy'] = cupy.__version__
    except Exception as e:  # noqa: BLE001 - a broken CuPy (no driver) raises more than ImportError
        env['CuPy'] = 'not installed' if isinstance(e, ImportError) else f'unusable ({type(e).__name__}: {e})'
    import workbench
    env['workbench'] = workbench.__version__
    return env


__all__ = ['collect_env']
