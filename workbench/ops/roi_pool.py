"""RoIPool (`roi_pool`, `RoIPool`): max pooling over quantised roi bins (Fast R-CNN), forward and backward.

Semantics are torchvision's (which the golden fixtures use, mmcv has no CPU roi_pool): roi corners are rounded to the
nearest feature cell after scaling, the roi spans at least one cell, bin edges are floor/ceil of the fractional bin
boundaries clipped to the map, and an empty bin outputs 0. CPU: torchvision's compiled roi_pool kernels, one slice of
channels per thread (`_RoIPoolCPU`, bitwise equal to a single call). CUDA:
`cuda/roi_pool.cu` (backward scatters with atomicAdd: not bitwise deterministic when rois overlap).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.autograd import Function
from torch.autograd.function import once_differentiable
from torch.nn.modules.utils import _pair

from workbench.ops import _cpu_parallel, _cuda
from workbench.ops.roi_align import _channel_slices


def _check(input, rois):
    if not isinstance(input, torch.Tensor) or input.dim() != 4:
        raise ValueError(f'roi_pool: input must be an (N, C, H, W) tensor, got '
                         f'{tuple(input.shape) if isinstance(input, torch.Tensor) else type(input).__name__}')
    if not isinstance(rois, torch.Tensor) or rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError(f'roi_pool: rois must be a (K, 5) tensor of (batch_index, x1, y1, x2, y2), got '
                         f'{tuple(rois.shape) if isinstance(rois, torch.Tensor) else type(rois).__name__}')
    if rois.device != input.device:
        raise ValueError(f'roi_pool: input is on {input.device} but rois on {rois.device}')


class _RoIPoolCPU(Function):
    """torchvision's CPU roi_pool kernels per slice of channels, on parallel threads (see `_cpu_parallel`)."""

    @staticmethod
    def forward(ctx, input, rois, output_size, spatial_scale):
        ph, pw = output_size
        rois = rois.to(input.dtype).contiguous()
        slices = _channel_slices(rois.size(0), input.size(1), ph * pw)
        ops = _cpu_parallel.torchvision_ops()

        def run(c0, c1):
            return ops.roi_pool(input[:, c0:c1], rois, spatial_scale, ph, pw)
        outs, argmaxes = zip(*_cpu_parallel.run_pieces(run, slices))
        out, argmax = (outs[0], argmaxes[0]) if len(outs) == 1 else (torch.cat(outs, 1), torch.cat(argmaxes, 1))
        ctx.save_for_backward(rois, argmax)
        ctx.cfg = (tuple(input.shape), output_size, spatial_scale)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        rois, argmax = ctx.saved_tensors
        (n, c, h, w), (ph, pw), spatial_scale = ctx.cfg
        slices = _channel_slices(rois.size(0), c, ph * pw)
        ops = _cpu_parallel.torchvision_ops()

        def run(c0, c1):
            return ops._roi_pool_backward(grad_out[:, c0:c1], rois, argmax[:, c0:c1], spatial_scale, ph, pw, n,
                                          c1 - c0, h, w)
        grads = _cpu_parallel.run_pieces(run, slices)
        return (grads[0] if len(grads) == 1 else torch.cat(grads, dim=1)), None, None, None


class _RoIPoolCUDA(Function):
    @staticmethod
    def forward(ctx, input, rois, output_size, spatial_scale):
        ph, pw = output_size
        dtype = input.dtype
        cdtype = torch.float32 if dtype == torch.float16 else dtype
        x = input.to(cdtype).contiguous()
        r = rois.to(cdtype).contiguous()
        n, c, h, w = x.shape
        out = x.new_zeros((r.size(0), c, ph, pw))
        argmax = torch.full(out.shape, -1, dtype=torch.int32, device=x.device)
        if out.numel():
            launch = _cuda.KernelLauncher('roi_pool.cu', x)
            launch(f'roi_pool_forward_{_cuda.dtype_suffix(cdtype)}', (_cuda.blocks_for(out.numel()),), (256,),
                   (x, r, out, argmax, _cuda.i32(out.numel()), _cuda.i32(c), _cuda.i32(h), _cuda.i32(w),
                    _cuda.i32(ph), _cuda.i32(pw), _cuda.scalar_for(cdtype, spatial_scale)))
        ctx.save_for_backward(r, argmax)
        ctx.cfg = (tuple(input.shape), dtype, cdtype)
        return out.to(dtype)

    @staticmethod
    def backward(ctx, grad_out):
        r, argmax = ctx.saved_tensors
        shape, dtype, cdtype = ctx.cfg
        n, c, h, w = shape
        g = grad_out.to(cdtype).contiguous()
        grad_input = g.new_zeros(shape)
        if g.numel():
            launch = _cuda.KernelLauncher('roi_pool.cu', g)
            launch(f'roi_pool_backward_{_cuda.dtype_suffix(cdtype)}', (_cuda.blocks_for(g.numel()),), (256,),
                   (g, r, argmax, grad_input, _cuda.i32(g.numel()), _cuda.i32(c), _cuda.i32(h), _cuda.i32(w),
                    _cuda.i32(g.size(2)), _cuda.i32(g.size(3))))
        return grad_input.to(dtype), None, None, None


def roi_pool(input: torch.Tensor, rois: torch.Tensor, output_size, spatial_scale: float = 1.0) -> torch.Tensor:
    """Max-pool each roi (K, 5) = (batch_index, x1, y1, x2, y2) of `input` (N, C, H, W) into (K, C, out_h, out_w)."""
    _check(input, rois)
    output_size = _pair(output_size)
    if input.is_cuda:
        return _RoIPoolCUDA.apply(input, rois, output_size, float(spatial_scale))
    if rois.size(0) == 0:
        return input.new_zeros((0, input.size(1)) + output_size) + 0 * input.sum()
    if input.dtype == torch.bfloat16:  # torchvision's CPU kernel has no bfloat16 (CPU autocast's type): max in float32
        return _RoIPoolCPU.apply(input.float(), rois, output_size, float(spatial_scale)).to(torch.bfloat16)
    return _RoIPoolCPU.apply(input, rois, output_size, float(spatial_scale))


class RoIPool(nn.Module):
    """nn.Module form of `roi_pool` (mmcv's `RoIPool`)."""

    def __init__(self, output_size, spatial_scale: float = 1.0):
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def extra_repr(self) -> str:
        return f'output_size={self.output_size}, spatial_scale={self.spatial_scale}'
