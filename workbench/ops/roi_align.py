"""RoIAlign (`roi_align`, `RoIAlign`) with mmcv 1.x semantics: avg or max pooling per bin, `aligned` half-pixel
shift, adaptive (`sampling_ratio=0`) or fixed sample grid; forward and backward.

CPU: avg mode is torchvision's compiled `roi_align` kernels (identical arithmetic: same half-pixel shift, same
`ceil(roi_size / output_size)` adaptive grid, same bilinear border rules), run on all of torch's threads one slice
of channels each (`_RoIAlignCPU`; the kernels themselves use one core), bitwise equal to a single call; max mode,
which torchvision lacks, is a max-pool over that roi_align evaluated at every sample point (`_roi_align_max_cpu`),
differentiated by autograd. CUDA: `cuda/roi_align.cu`; its backward accumulates with atomicAdd, so float sums land
in a run-dependent order (not bitwise deterministic).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import Function
from torch.autograd.function import once_differentiable
from torch.nn.modules.utils import _pair

from workbench.ops import _cpu_parallel, _cuda

_POOL_MODES = {'max': 0, 'avg': 1}
# Elements of the dense sample grid kept at once by the CPU max mode; bounds memory for 1000s of large rois.
_CHUNK_ELEMS = 1 << 24
# Output elements (rois x channels x bins) below which a slice is not worth a thread: ~1-5 ms of kernel time.
_MIN_OUTPUTS_PER_THREAD = 1 << 17


def _check(input, rois, pool_mode, fn='roi_align'):
    if not isinstance(input, torch.Tensor) or input.dim() != 4:
        raise ValueError(f'{fn}: input must be an (N, C, H, W) tensor, got '
                         f'{tuple(input.shape) if isinstance(input, torch.Tensor) else type(input).__name__}')
    if not isinstance(rois, torch.Tensor) or rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError(f'{fn}: rois must be a (K, 5) tensor of (batch_index, x1, y1, x2, y2), got '
                         f'{tuple(rois.shape) if isinstance(rois, torch.Tensor) else type(rois).__name__}')
    if rois.device != input.device:
        raise ValueError(f'{fn}: input is on {input.device} but rois on {rois.device}')
    if pool_mode not in _POOL_MODES:
        raise ValueError(f'{fn}: pool_mode must be "avg" or "max", got {pool_mode!r}')


def _grid_size(rois, output_size, spatial_scale, sampling_ratio, aligned):
    """Sample points per bin along (h, w) for every roi, as mmcv counts them (adaptive: ceil(roi size / bins))."""
    k = rois.size(0)
    if sampling_ratio > 0:
        g = torch.full((k,), sampling_ratio, dtype=torch.long)
        return g, g
    off = 0.5 if aligned else 0.0
    r = rois.detach().cpu()
    rw = (r[:, 3] * spatial_scale - off) - (r[:, 1] * spatial_scale - off)
    rh = (r[:, 4] * spatial_scale - off) - (r[:, 2] * spatial_scale - off)
    if not aligned:  # legacy mode forces at least 1x1 rois
        rw, rh = rw.clamp(min=1.0), rh.clamp(min=1.0)
    return (torch.ceil(rh / output_size[0]).clamp(min=0).long(),
            torch.ceil(rw / output_size[1]).clamp(min=0).long())


def _roi_align_max_cpu(input, rois, output_size, spatial_scale, sampling_ratio, aligned):
    """Max-mode RoIAlign from torchvision's compiled (avg) roi_align.

    A bin's gh x gw sample points are exactly the centres of the cells of an (out_h * gh) x (out_w * gw) grid over
    the roi, so torchvision's RoIAlign with that output size and one sample per cell evaluates every sample point
    (same bilinear rules, 0 outside the map), and a (gh, gw) max-pool takes the max per bin. Rois are grouped by
    their grid size (adaptive sampling gives each roi its own). Autograd routes the gradient through the max to the
    winning sample's four bilinear neighbours, as mmcv's backward does. The sample coordinates are computed in a
    different order than mmcv's kernel, so results agree to float rounding of the coordinates, not bitwise.
    """
    ph, pw = output_size
    k, c = rois.size(0), input.size(1)
    rois = rois.to(input.dtype)
    gh, gw = _grid_size(rois, output_size, spatial_scale, sampling_ratio, aligned)
    key = gh * (int(gw.max()) + 1 if k else 1) + gw
    pieces, order = [], []
    for u in torch.unique(key).tolist():  # a loop over distinct grid sizes, not rois
        sel = torch.nonzero(key == u).squeeze(1)
        a, b = int(gh[sel[0]]), int(gw[sel[0]])
        sel_dev = sel.to(rois.device)
        if a == 0 or b == 0:  # no sample points (zero-size aligned roi): 0, where mmcv leaves a -FLT_MAX sentinel
            pieces.append(input.new_zeros((sel.numel(), c, ph, pw)) + 0 * input.sum())
            order.append(sel)
            continue
        step = max(1, _CHUNK_ELEMS // (c * ph * a * pw * b))  # bound the (rois, C, ph*a, pw*b) temporary
        for s in range(0, sel.numel(), step):
            dense = _RoIAlignCPU.apply(input, rois[sel_dev[s:s + step]], (ph * a, pw * b), spatial_scale, 1,
                                       aligned)
            pieces.append(F.max_pool2d(dense, (a, b), (a, b)))
            order.append(sel[s:s + step])
    out = torch.cat(pieces)
    inverse = torch.empty(k, dtype=torch.long)
    inverse[torch.cat(order)] = torch.arange(k)
    return out.index_select(0, inverse.to(out.device))


def _channel_slices(k: int, c: int, bins: int) -> list[tuple[int, int]]:
    return _cpu_parallel.even_slices(c, _cpu_parallel.split_count(k * c * bins, _MIN_OUTPUTS_PER_THREAD))


class _RoIAlignCPU(Function):
    """Avg-mode RoIAlign on CPU: torchvision's kernels per slice of channels, on parallel threads. Channels are
    independent in RoIAlign, so the concatenated slices equal one call bit for bit, forward and backward."""

    @staticmethod
    def forward(ctx, input, rois, output_size, spatial_scale, sampling_ratio, aligned):
        ph, pw = output_size
        rois = rois.to(input.dtype).contiguous()
        slices = _channel_slices(rois.size(0), input.size(1), ph * pw)
        ops = _cpu_parallel.torchvision_ops()

        def run(c0, c1):
            return ops.roi_align(input[:, c0:c1], rois, spatial_scale, ph, pw, sampling_ratio, aligned)
        out = _cpu_parallel.run_pieces(run, slices)
        ctx.save_for_backward(rois)
        ctx.cfg = (tuple(input.shape), output_size, spatial_scale, sampling_ratio, aligned)
        return out[0] if len(out) == 1 else torch.cat(out, dim=1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        (rois,) = ctx.saved_tensors
        (n, c, h, w), (ph, pw), spatial_scale, sampling_ratio, aligned = ctx.cfg
        slices = _channel_slices(rois.size(0), c, ph * pw)
        ops = _cpu_parallel.torchvision_ops()

        def run(c0, c1):
            return ops._roi_align_backward(grad_out[:, c0:c1], rois, spatial_scale, ph, pw, n, c1 - c0, h, w,
                                           sampling_ratio, aligned)
        grads = _cpu_parallel.run_pieces(run, slices)
        return (grads[0] if len(grads) == 1 else torch.cat(grads, dim=1)), None, None, None, None, None


class _RoIAlignCUDA(Function):
    @staticmethod
    def forward(ctx, input, rois, output_size, spatial_scale, sampling_ratio, pool_mode, aligned):
        ph, pw = output_size
        dtype = input.dtype
        cdtype = torch.float32 if dtype == torch.float16 else dtype
        x = input.to(cdtype).contiguous()
        r = rois.to(cdtype).contiguous()
        n, c, h, w = x.shape
        k = r.size(0)
        out = x.new_zeros((k, c, ph, pw))
        mode = _POOL_MODES[pool_mode]
        if mode == 0:
            argmax_y = x.new_zeros((k, c, ph, pw))
            argmax_x = x.new_zeros((k, c, ph, pw))
        else:
            argmax_y = argmax_x = x.new_zeros((1,))
        if out.numel():
            launch = _cuda.KernelLauncher('roi_align.cu', x)
            launch(f'roi_align_forward_{_cuda.dtype_suffix(cdtype)}', (_cuda.blocks_for(out.numel()),), (256,),
                   (x, r, out, argmax_y, argmax_x, _cuda.i32(out.numel()), _cuda.i32(c), _cuda.i32(h), _cuda.i32(w),
                    _cuda.i32(ph), _cuda.i32(pw), _cuda.scalar_for(cdtype, spatial_scale), _cuda.i32(sampling_ratio),
                    _cuda.i32(mode), _cuda.i32(int(aligned))))
        ctx.save_for_backward(r, argmax_y, argmax_x)
        ctx.cfg = (tuple(input.shape), dtype, cdtype, output_size, spatial_scale, sampling_ratio, mode, aligned)
        return out.to(dtype)

    @staticmethod
    def backward(ctx, grad_out):
        r, argmax_y, argmax_x = ctx.saved_tensors
        shape, dtype, cdtype, (ph, pw), spatial_scale, sampling_ratio, mode, aligned = ctx.cfg
        n, c, h, w = shape
        g = grad_out.to(cdtype).contiguous()
        grad_input = g.new_zeros(shape)
        if g.numel():
            launch = _cuda.KernelLauncher('roi_align.cu', g)
            launch(f'roi_align_backward_{_cuda.dtype_suffix(cdtype)}', (_cuda.blocks_for(g.numel()),), (256,),
                   (g, r, argmax_y, argmax_x, grad_input, _cuda.i32(g.numel()), _cuda.i32(c), _cuda.i32(h),
                    _cuda.i32(w), _cuda.i32(ph), _cuda.i32(pw), _cuda.scalar_for(cdtype, spatial_scale),
                    _cuda.i32(sampling_ratio), _cuda.i32(mode), _cuda.i32(int(aligned))))
        return grad_input.to(dtype), None, None, None, None, None, None


def roi_align(input: torch.Tensor, rois: torch.Tensor, output_size, spatial_scale: float = 1.0,
              sampling_ratio: int = 0, pool_mode: str = 'avg', aligned: bool = True) -> torch.Tensor:
    """RoIAlign of `rois` (K, 5) = (batch_index, x1, y1, x2, y2) in input-image coordinates over `input`
    (N, C, H, W) scaled by `spatial_scale`; returns (K, C, out_h, out_w). Differentiable w.r.t. `input`."""
    _check(input, rois, pool_mode)
    output_size = _pair(output_size)
    if input.is_cuda:
        return _RoIAlignCUDA.apply(input, rois, output_size, float(spatial_scale), int(sampling_ratio), pool_mode,
                                   bool(aligned))
    if rois.size(0) == 0:
        return input.new_zeros((0, input.size(1)) + output_size) + 0 * input.sum()
    if input.dtype == torch.bfloat16:  # CPU autocast's type: torchvision's CPU backward kernel has no bfloat16
        return roi_align(input.float(), rois, output_size, spatial_scale, sampling_ratio, pool_mode,
                         aligned).to(torch.bfloat16)
    if pool_mode == 'avg':
        return _RoIAlignCPU.apply(input, rois, output_size, float(spatial_scale), int(sampling_ratio), bool(aligned))
    return _roi_align_max_cpu(input, rois, output_size, float(spatial_scale), int(sampling_ratio), bool(aligned))


class RoIAlign(nn.Module):
    """nn.Module form of `roi_align` (mmcv's `RoIAlign`). `use_torchvision=True` calls torchvision's roi_align
    directly (avg mode only), as in mmcv."""

    def __init__(self, output_size, spatial_scale: float = 1.0, sampling_ratio: int = 0, pool_mode: str = 'avg',
                 aligned: bool = True, use_torchvision: bool = False):
        super().__init__()
        if pool_mode not in _POOL_MODES:
            raise ValueError(f'RoIAlign: pool_mode must be "avg" or "max", got {pool_mode!r}')
        if use_torchvision and pool_mode != 'avg':
            raise ValueError('RoIAlign: use_torchvision=True supports pool_mode="avg" only')
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.pool_mode = pool_mode
        self.aligned = aligned
        self.use_torchvision = use_torchvision

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        if self.use_torchvision:
            import torchvision
            return torchvision.ops.roi_align(input, rois.to(input.dtype), self.output_size, self.spatial_scale,
                                             self.sampling_ratio, self.aligned)
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.pool_mode,
                         self.aligned)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio}, pool_mode={self.pool_mode}, aligned={self.aligned}, '
                f'use_torchvision={self.use_torchvision}')
