"""workbench.ops.roi_align / RoIAlign (shared tests in tests/ops/tester.py)."""
import pytest
import torch

from tests.ops import reference
from tests.ops.tester import DifferentiableOpTester, tol
from workbench.ops import RoIAlign, roi_align


def make_rois(k, n, h, w, seed, dtype, device, scale):
    """Rois in image coordinates, some poking out of the map and some tiny, so border rules are exercised."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(k, 2, generator=g) * torch.tensor([w, h]) / scale - 4 / scale
    wh = torch.rand(k, 2, generator=g) * torch.tensor([w, h]) / scale * 0.6 + 0.5
    b = torch.randint(0, n, (k, 1), generator=g).float()
    return torch.cat([b, xy, xy + wh], 1).to(device=device, dtype=dtype)


class RoIAlignTester(DifferentiableOpTester):
    dtypes = (torch.float16, torch.float32, torch.float64)
    pool_mode = 'avg'
    variants = [dict(aligned=True, sampling_ratio=0), dict(aligned=False, sampling_ratio=2),
                dict(aligned=True, sampling_ratio=2), dict(aligned=False, sampling_ratio=0)]

    def make_inputs(self, device, dtype, seed=0, small=False):
        g = torch.Generator().manual_seed(seed)
        n, c, h, w = (2, 2, 6, 7) if small else (2, 3, 12, 14)
        x = torch.randn(n, c, h, w, generator=g).to(device=device, dtype=dtype)
        rois = make_rois(3 if small else 6, n, h, w, seed, dtype, device, 0.5)
        return dict(input=x, rois=rois, output_size=(3, 2) if small else (4, 3), spatial_scale=0.5,
                    pool_mode=self.pool_mode, **self.variants[seed % len(self.variants)])

    def empty_inputs(self, device, dtype):
        kw = self.make_inputs(device, dtype)
        kw['rois'] = kw['rois'][:0]
        return kw

    def fast(self, **kw):
        return roi_align(**kw)

    def expected(self, **kw):
        return reference.roi_align(**kw)[0]

    def expected_grad(self, inputs, grad_out):
        return reference.roi_align(**inputs)[1](grad_out)

    def assert_matches(self, out, exp, dtype):
        t = tol(dtype) if dtype != torch.float64 else dict(atol=1e-10, rtol=1e-10)
        torch.testing.assert_close(out.cpu(), exp.to(out.dtype), **t)

    def test_forward_vs_reference(self, device, dtype):
        for seed in range(len(self.variants)):
            kw = self.make_inputs(device, dtype, seed)
            exp = self.expected(**{k: (v.cpu().double() if isinstance(v, torch.Tensor) else v)
                                   for k, v in kw.items()})
            self.assert_matches(self.fast(**kw), exp, dtype)

    def test_module(self, device):
        kw = self.make_inputs(device, torch.float32)
        mod = RoIAlign(kw['output_size'], kw['spatial_scale'], kw['sampling_ratio'], self.pool_mode, kw['aligned'])
        torch.testing.assert_close(mod(kw['input'], kw['rois']), roi_align(**kw))
        assert 'pool_mode' in repr(mod)


class TestRoIAlignAvg(RoIAlignTester):
    golden_cases = ('roi_align_alignedTrue_sr0', 'roi_align_alignedTrue_sr2', 'roi_align_alignedFalse_sr0',
                    'roi_align_alignedFalse_sr2')

    def check_golden(self, name, ops, device):
        case = ops['cases'][name]
        x = ops['feat'].to(device).requires_grad_()
        out = roi_align(x, ops['rois'].to(device), case['output_size'], case['spatial_scale'],
                        case['sampling_ratio'], 'avg', case['aligned'])
        out.backward(case['grad_out'].to(device))
        torch.testing.assert_close(out.detach().cpu(), case['out'], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(x.grad.cpu(), case['grad_input'], atol=1e-5, rtol=1e-5)

    def test_torchvision_flag(self):
        kw = self.make_inputs('cpu', torch.float32)
        mod = RoIAlign(kw['output_size'], kw['spatial_scale'], kw['sampling_ratio'], 'avg', kw['aligned'],
                       use_torchvision=True)
        torch.testing.assert_close(mod(kw['input'], kw['rois']), roi_align(**kw))


class TestRoIAlignMax(RoIAlignTester):
    pool_mode = 'max'
    golden_cases = ('roi_align_max',)

    def check_golden(self, name, ops, device):
        # mmcv's RoIAlign(7, 0.25, sampling_ratio=2, pool_mode='max', aligned=True) produced this case
        out = roi_align(ops['feat'].to(device), ops['rois'].to(device), 7, 0.25, 2, 'max', True)
        torch.testing.assert_close(out.cpu(), ops['cases'][name]['out'], atol=1e-5, rtol=1e-5)


def test_bad_input():
    with pytest.raises(ValueError, match='pool_mode'):
        roi_align(torch.zeros(1, 1, 4, 4), torch.zeros(1, 5), 2, pool_mode='sum')
    with pytest.raises(ValueError, match='rois'):
        roi_align(torch.zeros(1, 1, 4, 4), torch.zeros(1, 4), 2)
