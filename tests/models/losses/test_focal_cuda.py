"""FocalLoss on CUDA (fused workbench.ops kernel) equals the CPU formulation, values and gradients."""
import pytest
import torch

from workbench.models.losses import FocalLoss


@pytest.mark.gpu
@pytest.mark.parametrize('reduction,avg_factor', [('mean', None), ('mean', 7.0), ('sum', None), ('none', None)])
def test_focal_cuda_matches_cpu(reduction, avg_factor):
    torch.manual_seed(0)
    pred = torch.randn(50, 6)
    target = torch.randint(0, 7, (50, ))  # 6 == background
    weight = torch.rand(50)
    loss = FocalLoss(reduction=reduction)
    p_cpu = pred.clone().requires_grad_()
    p_gpu = pred.cuda().requires_grad_()
    out_cpu = loss(p_cpu, target, weight, avg_factor=avg_factor)
    out_gpu = loss(p_gpu, target.cuda(), weight.cuda(), avg_factor=avg_factor)
    torch.testing.assert_close(out_gpu.cpu(), out_cpu, atol=1e-5, rtol=1e-5)
    out_cpu.sum().backward()
    out_gpu.sum().backward()
    torch.testing.assert_close(p_gpu.grad.cpu(), p_cpu.grad, atol=1e-5, rtol=1e-5)
