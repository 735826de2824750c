"""FocalLoss on CPU: mmdet's formula in the forward, an analytic backward that keeps no (N, C) temporaries. The
values must be those of the formula bit for bit and the gradients those of autograd through it."""
import pytest
import torch
import torch.nn.functional as F

from workbench.models.losses import FocalLoss
from workbench.models.losses.focal_loss import _py_focal_elementwise, _PySigmoidFocalLoss


def _inputs(n=64, classes=6, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(n, classes, generator=g, dtype=dtype) * 3).requires_grad_()
    labels = torch.randint(0, classes + 1, (n,), generator=g)  # `classes` = background
    return logits, labels


@pytest.mark.parametrize('gamma,alpha', [(2.0, 0.25), (1.5, 0.3), (1.0, 0.5), (0.0, 0.25)])
def test_gradcheck(gamma, alpha):
    logits, labels = _inputs()
    onehot = F.one_hot(labels, 7)[:, :6]
    assert torch.autograd.gradcheck(lambda x: _PySigmoidFocalLoss.apply(x, onehot, gamma, alpha), (logits,))


@pytest.mark.parametrize('reduction,weighted,avg_factor', [('mean', False, None), ('sum', True, None),
                                                           ('mean', True, 37.0), ('none', False, None)])
def test_focal_loss_matches_autograd_through_the_formula(reduction, weighted, avg_factor):
    logits, labels = _inputs(n=500, classes=20, dtype=torch.float32, seed=1)
    weight = torch.rand(500, generator=torch.Generator().manual_seed(2)) if weighted else None
    loss = FocalLoss(reduction=reduction)(logits, labels, weight, avg_factor=avg_factor)
    grad = torch.autograd.grad(loss.sum(), logits)[0]

    ref_logits = logits.detach().clone().requires_grad_()
    onehot = F.one_hot(labels, 21)[:, :20].float()
    per = _py_focal_elementwise(ref_logits, onehot, 2.0, 0.25)
    if weight is not None:
        per = per * weight[:, None]
    ref = {'none': per, 'sum': per.sum(), 'mean': per.sum() / avg_factor if avg_factor else per.mean()}[reduction]
    ref_grad = torch.autograd.grad(ref.sum(), ref_logits)[0]
    assert torch.equal(loss.detach(), ref.detach())  # the forward is the formula itself
    torch.testing.assert_close(grad, ref_grad, rtol=1e-5, atol=1e-7)
    assert grad.abs().sum() > 0


def test_no_grad_and_soft_targets_take_the_formula():
    logits, labels = _inputs()
    with torch.no_grad():
        assert FocalLoss()(logits, labels).grad_fn is None
    from workbench.models.losses.focal_loss import py_sigmoid_focal_loss
    soft = torch.rand(64, 6, dtype=torch.float64)  # quality targets: autograd through the formula
    loss = py_sigmoid_focal_loss(logits, soft)
    assert torch.autograd.gradcheck(lambda x: py_sigmoid_focal_loss(x, soft), (logits,))
