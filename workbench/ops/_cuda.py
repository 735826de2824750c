"""Run-time compiled CUDA kernels: locating the `.cu` sources, compiling them once per process and device with
CuPy (NVRTC), and launching them on torch's current stream with zero-copy tensor views.

Everything CUDA-specific in `workbench.ops` goes through this module, so the source lookup (repo `cuda/` folder or the
installed `workbench._cuda` package data) lives in exactly one place.
"""
from __future__ import annotations

import importlib.resources
import sys
import threading
from pathlib import Path

import numpy as np
import torch

CUDA_EXTRA_HINT = 'pip install workbench[cuda]'
# The kernels use native double atomicAdd (sm_60+) and are compiled for the device at hand by CuPy; the NVRTC test
# compiles them for this architecture so that CPU CI catches syntax/type errors.
TEST_ARCH = 'compute_90'
# --fmad=false: no fused multiply-add contraction, so IoUs and sample weights round exactly as on the CPU paths (NMS
# keep decisions at the threshold then agree bit for bit); these kernels are memory/latency bound, FMA saves nothing.
NVRTC_OPTIONS = ('--std=c++17', '--fmad=false')

_REPO_CUDA_DIR = Path(__file__).resolve().parents[2] / 'cuda'
_module_cache: dict[tuple[str, int], object] = {}
_cache_lock = threading.Lock()


def kernel_source(name: str) -> str:
    """The text of the kernel source file `name` (e.g. 'nms.cu').

    Prefers `workbench.utils.kernel_source` (the packaging helper) when it exists; otherwise looks in the installed
    package data `workbench._cuda`, then in the repository's `cuda/` folder.
    """
    try:  # the packaging helper, when present, is the single source of truth
        from workbench.utils import kernel_source as _pkg_kernel_source  # type: ignore[attr-defined]
    except ImportError:
        _pkg_kernel_source = None
    if _pkg_kernel_source is not None:
        src = _pkg_kernel_source(name)
        return src if isinstance(src, str) else Path(src).read_text()
    try:
        res = importlib.resources.files('workbench._cuda').joinpath(name)
        if res.is_file():
            return res.read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    path = _REPO_CUDA_DIR / name
    if path.is_file():
        return path.read_text()
    raise FileNotFoundError(f'CUDA kernel source {name!r} not found in package workbench._cuda nor in {_REPO_CUDA_DIR}')


def kernel_names() -> list[str]:
    """All `.cu` files shipped with workbench (used by the NVRTC compile test)."""
    try:
        from workbench.utils import list_kernel_sources  # type: ignore[attr-defined]
        return [n for n in list_kernel_sources() if n.endswith('.cu')]
    except ImportError:
        pass
    try:
        files = [p.name for p in importlib.resources.files('workbench._cuda').iterdir() if p.name.endswith('.cu')]
        if files:
            return sorted(files)
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return sorted(p.name for p in _REPO_CUDA_DIR.glob('*.cu'))


def _unshadow_cuda_namespace() -> None:
    """Let `cuda.pathfinder` / `cuda.bindings` (NVIDIA's namespace package, which CuPy uses to find NVRTC) import
    even when the repository's kernel folder `cuda/` is importable as a regular package `cuda` (repo root on
    sys.path, as under pytest): extend its search path with the site-packages `cuda` folders."""
    mod = sys.modules.get('cuda')
    if mod is None:
        try:
            import cuda as mod  # noqa: F811
        except ImportError:
            return
    origin = getattr(mod, '__file__', None)
    if not origin or Path(origin).resolve().parent != _REPO_CUDA_DIR:
        return
    for entry in sys.path:
        cand = Path(entry or '.').resolve() / 'cuda'
        if cand.is_dir() and cand != _REPO_CUDA_DIR and str(cand) not in mod.__path__:
            mod.__path__.append(str(cand))


def require_cupy():
    """Import CuPy or raise an error that names the extra to install."""
    _unshadow_cuda_namespace()
    try:
        import cupy
    except ImportError as exc:
        raise RuntimeError('workbench.ops got a CUDA tensor but CuPy is not installed; the GPU kernels need it: '
                           f'`{CUDA_EXTRA_HINT}`') from exc
    return cupy


def get_module(name: str, device: torch.device):
    """The compiled `cupy.RawModule` for kernel file `name` on `device`; compiled on first use, then cached."""
    cupy = require_cupy()
    index = device.index if device.index is not None else torch.cuda.current_device()
    key = (name, index)
    mod = _module_cache.get(key)
    if mod is not None:
        return mod
    with _cache_lock:
        mod = _module_cache.get(key)
        if mod is None:
            with cupy.cuda.Device(index):
                mod = cupy.RawModule(code=kernel_source(name), options=NVRTC_OPTIONS)
                mod.compile()  # compile now (not lazily at first get_function) so the cost is paid once, here
            _module_cache[key] = mod
    return mod


def as_cupy(t: torch.Tensor):
    """A CuPy view of a CUDA tensor (no copy)."""
    cupy = require_cupy()
    return cupy.from_dlpack(t.detach())


class KernelLauncher:
    """Launches kernels of one `.cu` file on the device and current torch stream of `like`."""

    def __init__(self, name: str, like: torch.Tensor):
        self.cupy = require_cupy()
        self.device = like.device
        self.module = get_module(name, like.device)
        self.stream = self.cupy.cuda.ExternalStream(torch.cuda.current_stream(like.device).cuda_stream,
                                                    like.device.index)

    def __call__(self, kernel: str, grid, block, args, shared_mem: int = 0):
        fn = self.module.get_function(kernel)
        with self.cupy.cuda.Device(self.device.index), self.stream:
            # converted inside the stream context: DLPack then sees torch's stream as the consumer, so no extra
            # cross-stream synchronisation is inserted
            conv = tuple(as_cupy(a) if isinstance(a, torch.Tensor) else a for a in args)
            fn(tuple(grid), tuple(block), conv, shared_mem=shared_mem)


def i32(v) -> np.int32:
    return np.int32(v)


def scalar_for(dtype: torch.dtype, v):
    """A kernel scalar argument of the same floating type as the tensors (float or double)."""
    return np.float64(v) if dtype == torch.float64 else np.float32(v)


def dtype_suffix(dtype: torch.dtype) -> str:
    if dtype == torch.float64:
        return 'f64'
    if dtype == torch.float32:
        return 'f32'
    raise TypeError(f'CUDA kernels take float32/float64 tensors (half is computed in float32 by the caller), '
                    f'got {dtype}')


def blocks_for(n: int, threads: int = 256, max_blocks: int = 65535 * 8) -> int:
    return max(1, min((n + threads - 1) // threads, max_blocks))


def compile_ptx(name: str, arch: str = TEST_ARCH) -> str:
    """Compile kernel file `name` to PTX with NVRTC without needing a GPU (used by the CPU CI test)."""
    _unshadow_cuda_namespace()
    from cupy_backends.cuda.libs import nvrtc
    prog = nvrtc.createProgram(kernel_source(name), name, [], [])
    try:
        nvrtc.compileProgram(prog, [f'--gpu-architecture={arch}', *NVRTC_OPTIONS])
    except Exception as exc:  # noqa: BLE001 - re-raised with the compiler log, which names the faulty line
        log = nvrtc.getProgramLog(prog)
        raise RuntimeError(f'NVRTC failed to compile cuda/{name} for {arch}:\n{log}') from exc
    ptx = nvrtc.getPTX(prog)
    nvrtc.destroyProgram(prog)
    return ptx.decode() if isinstance(ptx, bytes) else ptx
