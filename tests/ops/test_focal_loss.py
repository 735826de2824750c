"""workbench.ops.sigmoid_focal_loss / SigmoidFocalLoss (shared tests in tests/ops/tester.py)."""
import pytest
import torch

from tests.ops import reference
from tests.ops.tester import DifferentiableOpTester
from workbench.ops import SigmoidFocalLoss, sigmoid_focal_loss


class TestSigmoidFocalLoss(DifferentiableOpTester):
    dtypes = (torch.float16, torch.float32, torch.float64)
    golden_cases = ('sigmoid_focal_loss',)
    grad_input = 'pred'

    def make_inputs(self, device, dtype, seed=0, small=False):
        g = torch.Generator().manual_seed(seed)
        n, c = (6, 3) if small else (30, 5)
        pred = (torch.randn(n, c, generator=g) * 3).to(device=device, dtype=dtype)
        target = torch.randint(0, c + 1, (n,), generator=g).to(device)  # c = background
        return dict(pred=pred, target=target, gamma=[2.0, 1.5][seed % 2], alpha=[0.25, 0.6][seed % 2],
                    reduction='none')

    def empty_inputs(self, device, dtype):
        return dict(pred=torch.zeros(0, 4, dtype=dtype, device=device),
                    target=torch.zeros(0, dtype=torch.long, device=device), reduction='none')

    def fast(self, **kw):
        return sigmoid_focal_loss(**kw)

    def expected(self, pred, target, gamma=2.0, alpha=0.25, reduction='none'):
        return reference.sigmoid_focal_loss(pred, target, gamma, alpha)[0]

    def expected_grad(self, inputs, grad_out):
        return reference.sigmoid_focal_loss(inputs['pred'], inputs['target'], inputs['gamma'],
                                            inputs['alpha'])[1] * grad_out

    def assert_matches(self, out, exp, dtype):
        t = {torch.float16: dict(atol=1e-2, rtol=1e-2), torch.float32: dict(atol=1e-5, rtol=1e-5),
             torch.float64: dict(atol=1e-10, rtol=1e-10)}[dtype]
        torch.testing.assert_close(out.cpu(), exp.to(out.dtype), **t)

    def test_forward_vs_reference(self, device, dtype):
        for seed in range(2):
            kw = self.make_inputs(device, dtype, seed)
            self.assert_matches(self.fast(**kw), self.expected(**{**kw, 'pred': kw['pred'].cpu().double(),
                                                                  'target': kw['target'].cpu()}), dtype)

    def check_golden(self, name, ops, device):
        case = ops['cases'][name]
        pred = case['pred'].to(device).requires_grad_()
        target, weight = case['target'].to(device), case['weight'].to(device)
        loss = sigmoid_focal_loss(pred, target, case['gamma'], case['alpha'], weight, 'none')
        loss.sum().backward()
        torch.testing.assert_close(loss.detach().cpu(), case['loss_none'], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(pred.grad.cpu(), case['grad_pred_of_sum'], atol=1e-5, rtol=1e-5)
        mean = sigmoid_focal_loss(case['pred'].to(device), target, case['gamma'], case['alpha'])
        torch.testing.assert_close(mean.cpu(), case['loss_mean_unweighted'], atol=1e-5, rtol=1e-5)

    def test_weight_and_reduction(self, device):
        kw = self.make_inputs(device, torch.float64)
        loss = sigmoid_focal_loss(**kw)
        w = torch.rand(loss.size(0), dtype=torch.float64, device=device)
        kw.pop('reduction')
        torch.testing.assert_close(sigmoid_focal_loss(**kw, weight=w, reduction='sum'), (loss * w[:, None]).sum())
        w2 = torch.rand(loss.shape, dtype=torch.float64, device=device)
        torch.testing.assert_close(sigmoid_focal_loss(**kw, weight=w2, reduction='mean'), (loss * w2).mean())
        mod = SigmoidFocalLoss(kw['gamma'], kw['alpha'], w, 'sum')
        torch.testing.assert_close(mod(kw['pred'], kw['target']), (loss * w[:, None]).sum())

    def test_bad_input(self):
        with pytest.raises(ValueError, match='target values'):
            sigmoid_focal_loss(torch.zeros(2, 3), torch.tensor([0, 4]))
        with pytest.raises(ValueError, match='reduction'):
            sigmoid_focal_loss(torch.zeros(2, 3), torch.tensor([0, 3]), reduction='avg')
        with pytest.raises(ValueError, match='weight'):
            sigmoid_focal_loss(torch.zeros(2, 3), torch.tensor([0, 3]), weight=torch.ones(3))


def test_saturated_logits_give_finite_gradients():
    """pt == 0 with gamma < 1 must not turn the gradient into nan (pow's derivative at 0)."""
    pred = torch.tensor([[-60., 60.], [60., -60.]], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([1, 2])
    for gamma in (0.0, 0.5, 2.0):
        pred.grad = None
        sigmoid_focal_loss(pred, target, gamma, 0.25, reduction='sum').backward()
        assert torch.isfinite(pred.grad).all(), (gamma, pred.grad)
