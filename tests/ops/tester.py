"""The one tester base class for workbench.ops (in the spirit of torchvision's RoIOpTester).

A subclass describes an op once: how to build random inputs, how to run the fast op, how to run the loop-based
reference (tests/ops/reference.py), how to compare, and which golden cases (components.pth `ops`) it reproduces.
The base class then runs, on every backend (CPU always, CUDA when present, marked gpu): forward vs reference for each
supported dtype, the golden cases, empty inputs, non-contiguous inputs and, for differentiable ops, gradcheck in
float64 plus the gradient vs the reference.
"""
from __future__ import annotations

import torch

from tests.golden import load_golden


def golden_ops():
    return load_golden('components.pth')['ops']


def to(x, device, dtype=None):
    """Move tensors (also inside dicts/lists/tuples) to `device`, floating ones to `dtype` when given."""
    if isinstance(x, torch.Tensor):
        if dtype is not None and x.is_floating_point():
            return x.to(device=device, dtype=dtype)
        return x.to(device)
    if isinstance(x, dict):
        return {k: to(v, device, dtype) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to(v, device, dtype) for v in x)
    return x


def noncontiguous(t: torch.Tensor) -> torch.Tensor:
    """The same values as `t` in a non-contiguous view (every other element of a twice-as-large buffer)."""
    if t.dim() == 0 or t.numel() == 0:
        return t
    big = torch.zeros(t.shape[:-1] + (t.shape[-1] * 2,), dtype=t.dtype, device=t.device)
    big[..., ::2] = t
    view = big[..., ::2]
    assert not view.is_contiguous()
    return view


def tol(dtype):
    return {torch.float16: dict(atol=2e-2, rtol=2e-2), torch.float32: dict(atol=1e-5, rtol=1e-5),
            torch.float64: dict(atol=1e-10, rtol=1e-10)}[dtype]


class OpTester:
    dtypes = (torch.float32, torch.float64)
    golden_cases: tuple = ()

    # ---- what a subclass provides -----------------------------------------------------------------------------
    def make_inputs(self, device, dtype, seed=0, small=False) -> dict:
        raise NotImplementedError

    def empty_inputs(self, device, dtype) -> dict:
        raise NotImplementedError

    def fast(self, **inputs):
        raise NotImplementedError

    def expected(self, **inputs):
        raise NotImplementedError

    def assert_matches(self, out, exp, dtype):
        torch.testing.assert_close(out.cpu(), exp.cpu().to(out.dtype), **tol(dtype))

    def check_golden(self, name, case, device):
        raise NotImplementedError

    # ---- the tests, shared by every op ----------------------------------------------------------------------
    def test_forward_vs_reference(self, device, dtype):
        for seed in range(2):
            inputs = self.make_inputs(device, dtype, seed)
            out = self.fast(**inputs)
            exp = self.expected(**to(inputs, 'cpu'))
            self.assert_matches(out, exp, dtype)

    def test_golden(self, device, golden_case):
        ops = golden_ops()
        self.check_golden(golden_case, ops, device)

    def test_empty(self, device):
        dtype = self.dtypes[0]
        inputs = self.empty_inputs(device, dtype)
        out = self.fast(**inputs)
        exp = self.expected(**to(inputs, 'cpu'))
        self.assert_matches(out, exp, dtype)

    def test_noncontiguous(self, device):
        dtype = self.dtypes[0]
        inputs = self.make_inputs(device, dtype, seed=3)
        nc = {k: noncontiguous(v) if isinstance(v, torch.Tensor) and v.is_floating_point() else v
              for k, v in inputs.items()}
        assert any(isinstance(v, torch.Tensor) and not v.is_contiguous() for v in nc.values())
        self.assert_matches(self.fast(**nc), self.fast(**inputs), dtype)



class DifferentiableOpTester(OpTester):
    """OpTester plus gradients: vs the reference's closed-form/routed gradient, and gradcheck in float64."""
    grad_input = 'input'

    def expected_grad(self, inputs, grad_out):
        raise NotImplementedError

    def test_gradient_vs_reference(self, device):
        inputs = self.make_inputs(device, torch.float64, seed=1)
        name = self.grad_input
        x = inputs[name].clone().requires_grad_()
        out = self.fast(**{**inputs, name: x})
        g = torch.randn(out.shape, dtype=out.dtype, generator=torch.Generator().manual_seed(5)).to(device)
        out.backward(g)
        exp = self.expected_grad(to(inputs, 'cpu'), g.cpu())
        torch.testing.assert_close(x.grad.cpu(), exp, atol=1e-10, rtol=1e-10)

    def test_gradcheck(self, device):
        inputs = self.make_inputs(device, torch.float64, seed=2, small=True)
        name = self.grad_input
        x = inputs[name].clone().requires_grad_()

        def fn(t):
            return self.fast(**{**inputs, name: t})
        assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5, nondet_tol=1e-10)
