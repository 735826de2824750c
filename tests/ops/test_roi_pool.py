"""workbench.ops.roi_pool / RoIPool (shared tests in tests/ops/tester.py)."""
import pytest
import torch

from tests.ops import reference
from tests.ops.test_roi_align import make_rois
from tests.ops.tester import DifferentiableOpTester
from workbench.ops import RoIPool, roi_pool


class TestRoIPool(DifferentiableOpTester):
    dtypes = (torch.float16, torch.float32, torch.float64)
    golden_cases = ('roi_pool',)

    def make_inputs(self, device, dtype, seed=0, small=False):
        g = torch.Generator().manual_seed(seed)
        n, c, h, w = (1, 2, 6, 7) if small else (2, 3, 12, 14)
        x = torch.randn(n, c, h, w, generator=g).to(device=device, dtype=dtype)
        return dict(input=x, rois=make_rois(3 if small else 6, n, h, w, seed, dtype, device, 0.5),
                    output_size=(3, 2) if small else (4, 3), spatial_scale=0.5)

    def empty_inputs(self, device, dtype):
        kw = self.make_inputs(device, dtype)
        kw['rois'] = kw['rois'][:0]
        return kw

    def fast(self, **kw):
        return roi_pool(**kw)

    def expected(self, **kw):
        return reference.roi_pool(**kw)[0]

    def expected_grad(self, inputs, grad_out):
        return reference.roi_pool(**inputs)[1](grad_out)

    def check_golden(self, name, ops, device):
        case = ops['cases'][name]
        x = ops['feat'].to(device).requires_grad_()
        out = roi_pool(x, ops['rois'].to(device), case['output_size'], case['spatial_scale'])
        out.backward(case['grad_out'].to(device))
        torch.testing.assert_close(out.detach().cpu(), case['out'], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(x.grad.cpu(), case['grad_input'], atol=1e-5, rtol=1e-5)

    def test_module(self, device):
        kw = self.make_inputs(device, torch.float32)
        mod = RoIPool(kw['output_size'], kw['spatial_scale'])
        torch.testing.assert_close(mod(kw['input'], kw['rois']), roi_pool(**kw))


def test_bad_input():
    with pytest.raises(ValueError, match='rois'):
        roi_pool(torch.zeros(1, 1, 4, 4), torch.zeros(3), 2)
