"""mmdet weight / reduction / avg_factor semantics and edge cases of the losses (no fixtures needed)."""
import pytest
import torch

from workbench.models.losses import (BalancedL1Loss, CrossEntropyLoss, DistributionFocalLoss, FocalLoss,
                                     GaussianFocalLoss, L1Loss, MSELoss, QualityFocalLoss, SmoothL1Loss, accuracy,
                                     weight_reduce_loss, weighted_loss)
from workbench.registry import LOSSES, MODELS


def test_weight_reduce_loss():
    loss = torch.tensor([1.0, 2.0, 3.0, 4.0])
    w = torch.tensor([1.0, 0.0, 1.0, 0.5])
    assert weight_reduce_loss(loss, w, 'sum') == 6.0
    assert weight_reduce_loss(loss, w, 'mean') == 1.5
    torch.testing.assert_close(weight_reduce_loss(loss, w, 'mean', avg_factor=3), torch.tensor(2.0))
    torch.testing.assert_close(weight_reduce_loss(loss, w, 'none', avg_factor=3), loss * w)
    with pytest.raises(ValueError, match='avg_factor'):
        weight_reduce_loss(loss, w, 'sum', avg_factor=3)
    with pytest.raises(ValueError, match='reduction'):
        weight_reduce_loss(loss, w, 'avg')
    # avg_factor 0 (no positives) gives 0, not NaN
    assert weight_reduce_loss(loss * 0, None, 'mean', avg_factor=0) == 0


def test_weighted_loss_decorator():

    @weighted_loss
    def sq(pred, target, scale=1.0):
        return scale * (pred - target)**2

    p, t = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 1.0])
    assert sq(p, t) == 2.5
    assert sq(p, t, reduction='sum', scale=2.0) == 10.0
    assert sq(p, t, torch.tensor([0.0, 1.0]), avg_factor=2) == 2.0


def test_reduction_override_and_loss_weight():
    p, t = torch.rand(6, 4), torch.rand(6, 4)
    loss = L1Loss(loss_weight=3.0)
    torch.testing.assert_close(loss(p, t, reduction_override='sum'), 3 * (p - t).abs().sum())
    assert loss(p, t, reduction_override='none').shape == (6, 4)
    with pytest.raises(ValueError):
        loss(p, t, reduction_override='avg')


def test_registered_under_mmdet_names():
    for name in ['CrossEntropyLoss', 'FocalLoss', 'SmoothL1Loss', 'L1Loss', 'IoULoss', 'GIoULoss', 'DIoULoss',
                 'CIoULoss', 'BoundedIoULoss', 'BalancedL1Loss', 'MSELoss', 'GaussianFocalLoss',
                 'QualityFocalLoss', 'DistributionFocalLoss']:
        assert LOSSES.get(name) is not None, name
    assert isinstance(MODELS.build(dict(type='FocalLoss', gamma=1.5)), FocalLoss)


def test_empty_inputs_keep_graph():
    p = torch.zeros(0, 4, requires_grad=True)
    for loss in [L1Loss(), SmoothL1Loss(), BalancedL1Loss()]:
        out = loss(p, torch.zeros(0, 4))
        assert out.item() == 0
        out.backward()
    logits = torch.zeros(0, 3, requires_grad=True)
    assert FocalLoss()(logits, torch.zeros(0, dtype=torch.long), avg_factor=0).item() == 0


def test_focal_background_and_weights():
    logits = torch.randn(5, 3)
    labels = torch.tensor([0, 3, 2, 3, 1])  # 3 == background
    per = FocalLoss(reduction='none')(logits, labels)
    assert per.shape == (5, 3)
    # background rows: all targets 0
    p = logits[1].sigmoid()
    expected = -(1 - p).log() * 0.75 * p**2
    torch.testing.assert_close(per[1], expected)
    w = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0])
    torch.testing.assert_close(FocalLoss(reduction='sum')(logits, labels, w), (per * w[:, None]).sum())


def test_sigmoid_ce_ignore_and_background():
    logits = torch.randn(4, 3)
    labels = torch.tensor([0, 3, -1, 2])
    loss = CrossEntropyLoss(use_sigmoid=True, reduction='none')(logits, labels, ignore_index=-1)
    assert loss[2].abs().sum() == 0  # the ignored row contributes nothing
    target = torch.zeros(4, 3)
    target[0, 0] = 1
    target[3, 2] = 1
    ref = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction='none')
    torch.testing.assert_close(loss[[0, 1, 3]], ref[[0, 1, 3]])


def test_ce_avg_non_ignore():
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 1, 255, 3, 255, 2])
    loss = CrossEntropyLoss(ignore_index=255, avg_non_ignore=True)(logits, labels)
    valid = labels != 255
    ref = torch.nn.functional.cross_entropy(logits[valid], labels[valid])
    torch.testing.assert_close(loss, ref)


def test_other_losses_definitions():
    p, t = torch.rand(5, 4), torch.rand(5, 4)
    torch.testing.assert_close(MSELoss()(p, t), ((p - t)**2).mean())
    heat = torch.rand(2, 3, 4, 4).clamp(0.01, 0.99)
    target = torch.zeros(2, 3, 4, 4)
    target[0, 0, 1, 1] = 1
    assert GaussianFocalLoss()(heat, target) > 0
    qfl = QualityFocalLoss()(torch.randn(4, 3), (torch.tensor([0, 3, 1, 3]), torch.rand(4)))
    assert torch.isfinite(qfl)
    dfl = DistributionFocalLoss()(torch.randn(4, 8), torch.tensor([0.5, 2.0, 6.9, 3.3]))
    assert torch.isfinite(dfl) and dfl > 0


def test_accuracy():
    pred = torch.tensor([[0.1, 0.9, 0.0], [0.8, 0.05, 0.15], [0.2, 0.3, 0.5]])
    target = torch.tensor([1, 2, 2])
    assert accuracy(pred, target).item() == pytest.approx(200 / 3)
    top1, top2 = accuracy(pred, target, topk=(1, 2))
    assert top2.item() == pytest.approx(100.0)
    assert accuracy(pred, target, thresh=0.6).item() == pytest.approx(100 / 3)
