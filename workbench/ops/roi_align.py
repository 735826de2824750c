"""RoIAlign (`roi_align`, `RoIAlign`) with mmcv 1.x semantics: avg or max pooling per bin, `aligned` half-pixel
shift, adaptive (`sampling_ratio=0`) or fixed sample grid; forward and backward.

CPU: avg mode is torchvision's compiled `roi_align` (identical arithmetic: same half-pixel shift, same
`ceil(roi_size / output_size)` adaptive grid, same bilinear border rules); max mode, which torchvision lacks, is a
vectorised torch sampler (`_roi_align_torch`) differentiated by autograd. CUDA: `cuda/roi_align.cu`; its backward
accumulates with atomicAdd, so float sums land in a run-dependent order (not bitwise deterministic).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.autograd import Function
from torch.nn.modules.utils import _pair

from workbench.ops import _cuda

_POOL_MODES = {'max': 0, 'avg': 1}
# Sampled values kept in memory at once by the torch sampler (rows of C channels); bounds memory for 1000s of rois.
_CHUNK_ELEMS = 1 << 22


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


def _axis_samples(start, size, n_bins, grid, length, g_max):
    """Bilinear sampling along one axis for every roi, bin and grid step.

    Returns (low, high, w_low, w_high, valid) each of shape (K, n_bins, g_max); `valid` marks samples that exist
    (step < grid of that roi) and lie inside [-1, length] (outside, mmcv's sample value is 0)."""
    dtype = start.dtype
    bin_size = size / n_bins
    p = torch.arange(n_bins, dtype=dtype, device=start.device)
    i = torch.arange(g_max, dtype=dtype, device=start.device)
    g = grid.to(dtype).clamp(min=1)
    # mmcv's operation order: start + p * bin + (i + .5) * bin / grid
    c = (start[:, None, None] + p[None, :, None] * bin_size[:, None, None]
         + (i[None, None, :] + 0.5) * bin_size[:, None, None] / g[:, None, None])
    exists = i[None, None, :] < grid[:, None, None].to(dtype)
    inside = (c >= -1.0) & (c <= length)
    c = c.clamp(min=0)
    low = c.floor().long()
    at_edge = low >= length - 1
    low = torch.where(at_edge, torch.full_like(low, length - 1), low)
    high = torch.where(at_edge, low, low + 1)
    c = torch.where(at_edge, low.to(dtype), c)
    lw = c - low.to(dtype)
    hw = 1.0 - lw
    return low, high, hw, lw, exists & inside, exists


def _roi_align_torch(input, rois, output_size, spatial_scale, sampling_ratio, pool_mode, aligned):
    """Vectorised RoIAlign (avg or max) in plain torch; autograd gives the backward."""
    ph, pw = output_size
    n, c, h, w = input.shape
    k = rois.size(0)
    if k == 0:
        return input.new_zeros((0, c, ph, pw))
    dtype = input.dtype
    rois = rois.to(dtype)
    off = 0.5 if aligned else 0.0
    x1 = rois[:, 1] * spatial_scale - off
    y1 = rois[:, 2] * spatial_scale - off
    rw = rois[:, 3] * spatial_scale - off - x1
    rh = rois[:, 4] * spatial_scale - off - y1
    if not aligned:  # legacy mode forces at least 1x1 rois
        rw = rw.clamp(min=1.0)
        rh = rh.clamp(min=1.0)
    if sampling_ratio > 0:
        gh = torch.full((k,), sampling_ratio, dtype=torch.long, device=rois.device)
        gw = gh
    else:
        gh = torch.ceil(rh / ph).clamp(min=0).long()
        gw = torch.ceil(rw / pw).clamp(min=0).long()
    feat = input.permute(0, 2, 3, 1).reshape(n * h * w, c)  # rows of channels: one gather per sample corner
    batch = rois[:, 0].long()
    outs = []
    per_roi = ph * pw * max(1, int(gh.max())) * max(1, int(gw.max())) * c
    step = max(1, _CHUNK_ELEMS // max(1, per_roi))
    for s in range(0, k, step):  # chunks of rois bound memory; each chunk is fully vectorised
        sl = slice(s, s + step)
        gh_c, gw_c = gh[sl], gw[sl]
        gmy, gmx = max(1, int(gh_c.max())), max(1, int(gw_c.max()))
        ylo, yhi, hy, ly, vy, ey = _axis_samples(y1[sl], rh[sl], ph, gh_c, h, gmy)
        xlo, xhi, hx, lx, vx, ex = _axis_samples(x1[sl], rw[sl], pw, gw_c, w, gmx)
        kk = ylo.size(0)
        # broadcast to (kk, ph, gy, pw, gx)
        def yy(t):
            return t[:, :, :, None, None]

        def xx(t):
            return t[:, None, None, :, :]
        base = (batch[sl] * (h * w))[:, None, None, None, None]
        valid = yy(vy) & xx(vx)
        zero = torch.zeros((), dtype=dtype, device=input.device)
        w1 = torch.where(valid, yy(hy) * xx(hx), zero)
        w2 = torch.where(valid, yy(hy) * xx(lx), zero)
        w3 = torch.where(valid, yy(ly) * xx(hx), zero)
        w4 = torch.where(valid, yy(ly) * xx(lx), zero)
        i1 = (base + yy(ylo) * w + xx(xlo)).reshape(-1)
        i2 = (base + yy(ylo) * w + xx(xhi)).reshape(-1)
        i3 = (base + yy(yhi) * w + xx(xlo)).reshape(-1)
        i4 = (base + yy(yhi) * w + xx(xhi)).reshape(-1)
        val = (w1.reshape(-1, 1) * feat.index_select(0, i1) + w2.reshape(-1, 1) * feat.index_select(0, i2)
               + w3.reshape(-1, 1) * feat.index_select(0, i3) + w4.reshape(-1, 1) * feat.index_select(0, i4))
        val = val.reshape(kk, ph, gmy, pw, gmx, c).permute(0, 5, 1, 3, 2, 4).reshape(kk, c, ph, pw, gmy * gmx)
        exists = (yy(ey) & xx(ex)).expand(kk, ph, gmy, pw, gmx).permute(0, 1, 3, 2, 4).reshape(kk, 1, ph, pw, gmy * gmx)
        if pool_mode == 'avg':
            count = (gh_c * gw_c).clamp(min=1).to(dtype)[:, None, None, None]
            outs.append(val.sum(-1) / count)
        else:
            # a sample outside the map has value 0 and takes part in the max, as in mmcv; a bin without samples
            # (zero-size aligned roi) gives 0 rather than mmcv's -FLT_MAX / -10000 sentinel
            m = val.masked_fill(~exists, float('-inf')).max(dim=-1).values
            outs.append(torch.where(torch.isinf(m), torch.zeros_like(m), m))
    return torch.cat(outs, 0)


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
    if pool_mode == 'avg':
        import torchvision
        if rois.size(0) == 0:
            return input.new_zeros((0, input.size(1)) + output_size) + 0 * input.sum()
        return torchvision.ops.roi_align(input, rois.to(input.dtype), output_size, float(spatial_scale),
                                         int(sampling_ratio), bool(aligned))
    if input.dtype == torch.float16:  # CPU half: compute in float32
        return _roi_align_torch(input.float(), rois.float(), output_size, float(spatial_scale), int(sampling_ratio),
                                pool_mode, bool(aligned)).half()
    return _roi_align_torch(input, rois, output_size, float(spatial_scale), int(sampling_ratio), pool_mode,
                            bool(aligned))


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
