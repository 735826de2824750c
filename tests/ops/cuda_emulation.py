"""Run the kernels of cuda/*.cu on the CPU, so their logic is tested where no GPU is available.

Each `.cu` file is compiled by the host C++ compiler after a small prelude that maps the CUDA built-ins used by
workbench's kernels onto the host: every CUDA thread of a block is an OS thread, `__syncthreads()` is a
std::barrier, `__shared__` variables are function statics (blocks run one after another), atomicAdd takes a lock.
`EmulatedLauncher` has the interface of `workbench.ops._cuda.KernelLauncher`; patched in, it lets the ops' real
CUDA-path Python code (argument order, buffer sizes, dtypes) drive the real kernel source with CPU tensors.

This checks semantics, not performance or GPU-specific behaviour (warp scheduling, memory model details).
"""
from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

from workbench.ops import _cuda

PRELUDE = r'''
#include <algorithm>
#include <barrier>
#include <cmath>
#include <math.h>
#include <mutex>
#include <thread>
#include <vector>
struct emu_dim3 { unsigned x, y, z; };
static thread_local emu_dim3 threadIdx, blockIdx;
static emu_dim3 blockDim, gridDim;
static std::barrier<>* emu_barrier = nullptr;
static std::mutex emu_atomic_mutex;
#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__
#define __shared__ static
inline void __syncthreads() { emu_barrier->arrive_and_wait(); }
template <typename T> inline T atomicAdd(T* p, T v) {
  std::lock_guard<std::mutex> lock(emu_atomic_mutex);
  T old = *p; *p = old + v; return old;
}
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
using std::min; using std::max; using std::floor; using std::ceil; using std::round; using std::exp; using std::pow;
using std::log1p; using std::fabs;
template <typename... A>
static void emu_launch(void (*kernel)(A...), unsigned gx, unsigned gy, unsigned bx, A... args) {
  gridDim = {gx, gy, 1};
  blockDim = {bx, 1, 1};
  for (unsigned by_ = 0; by_ < gy; ++by_) {
    for (unsigned bx_ = 0; bx_ < gx; ++bx_) {
      std::barrier<> bar((std::ptrdiff_t)bx);
      emu_barrier = &bar;
      std::vector<std::thread> threads;
      for (unsigned t = 0; t < bx; ++t)
        threads.emplace_back([=]() { threadIdx = {t, 0, 0}; blockIdx = {bx_, by_, 0}; kernel(args...); });
      for (auto& th : threads) th.join();
    }
  }
}
'''

_SIG = re.compile(r'extern\s+"C"\s+void\s+(\w+)\s*\(([^)]*)\)\s*\{')


def compiler_available() -> bool:
    return shutil.which('g++') is not None


class EmulatedModule:
    """One `.cu` file compiled for the host; kernels are launched with `launch(name, grid, block, args)`."""

    def __init__(self, name: str, build_dir: Path):
        src = _cuda.kernel_source(name)
        base = build_dir / name.replace('.', '_')
        pre = subprocess.run(['g++', '-std=c++20', '-E', '-P', '-x', 'c++', '-'], input=PRELUDE + src,
                             capture_output=True, text=True, check=True).stdout
        self.signatures = {}
        wrappers = []
        for kname, arglist in _SIG.findall(pre):
            args = [a.strip() for a in arglist.split(',') if a.strip()]
            names = [re.findall(r'(\w+)\s*$', a)[0] for a in args]
            self.signatures[kname] = args
            wrappers.append(f'extern "C" void emu_{kname}(unsigned gx, unsigned gy, unsigned bx, '
                            f'{", ".join(args)}) {{ emu_launch({kname}, gx, gy, bx, {", ".join(names)}); }}')
        cpp = base.with_suffix('.cpp')
        cpp.write_text(PRELUDE + src + '\n' + '\n'.join(wrappers) + '\n')
        so = base.with_suffix('.so')
        subprocess.run(['g++', '-std=c++20', '-O1', '-shared', '-fPIC', '-pthread', '-w', str(cpp), '-o', str(so)],
                       check=True, capture_output=True, text=True)
        self.lib = ctypes.CDLL(str(so))

    def launch(self, kernel: str, grid, block, args):
        if kernel not in self.signatures:
            raise AttributeError(f'kernel {kernel!r} not exported (extern "C") by its .cu file')
        types = self.signatures[kernel]
        if len(types) != len(args):
            raise TypeError(f'{kernel}: the kernel takes {len(types)} arguments, the caller passed {len(args)}')
        grid = tuple(grid) + (1,) * (2 - len(grid))
        threads = grid[0] * grid[1] * block[0]
        if threads > 200_000:
            raise ValueError(f'{kernel}: {threads} emulated threads is too many; use smaller test inputs')
        cargs = []
        for decl, a in zip(types, args):
            if '*' in decl:
                if not isinstance(a, torch.Tensor) or a.is_cuda:
                    raise TypeError(f'{kernel}: argument {decl!r} needs a CPU tensor, got {type(a).__name__}')
                if not a.is_contiguous():
                    raise ValueError(f'{kernel}: argument {decl!r} is not contiguous')
                cargs.append(ctypes.c_void_p(a.data_ptr()))
            elif 'double' in decl:
                if not isinstance(a, np.float64):
                    raise TypeError(f'{kernel}: {decl!r} needs np.float64, got {type(a).__name__}')
                cargs.append(ctypes.c_double(float(a)))
            elif 'float' in decl:
                if not isinstance(a, np.float32):
                    raise TypeError(f'{kernel}: {decl!r} needs np.float32, got {type(a).__name__}')
                cargs.append(ctypes.c_float(float(a)))
            elif 'int' in decl:
                if not isinstance(a, np.int32):
                    raise TypeError(f'{kernel}: {decl!r} needs np.int32, got {type(a).__name__}')
                cargs.append(ctypes.c_int(int(a)))
            else:
                raise TypeError(f'{kernel}: unsupported parameter type {decl!r}')
        fn = getattr(self.lib, f'emu_{kernel}')
        fn(ctypes.c_uint(grid[0]), ctypes.c_uint(grid[1]), ctypes.c_uint(block[0]), *cargs)


class Emulator:
    """Compiles each `.cu` file once and hands out launchers with KernelLauncher's interface."""

    def __init__(self, build_dir: Path | None = None):
        self.build_dir = Path(build_dir or tempfile.mkdtemp(prefix='workbench_cuda_emu_'))
        self.modules: dict[str, EmulatedModule] = {}

    def module(self, name: str) -> EmulatedModule:
        if name not in self.modules:
            self.modules[name] = EmulatedModule(name, self.build_dir)
        return self.modules[name]

    def launcher_class(self):
        emulator = self

        class EmulatedLauncher:
            def __init__(self, name, like):
                self.module = emulator.module(name)

            def __call__(self, kernel, grid, block, args, shared_mem=0):
                self.module.launch(kernel, grid, block, args)
        return EmulatedLauncher
