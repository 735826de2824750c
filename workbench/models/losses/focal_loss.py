"""Sigmoid focal loss (RetinaNet). Labels are class indices with ``num_classes`` meaning background."""
import functools

import torch
import torch.nn.functional as F
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weight_reduce_loss


def _broadcast_weight(weight, loss):
    """Per-sample (N,) weights apply to every class column; other shapes must hold one weight per element."""
    if weight is None:
        return None
    if weight.shape != loss.shape:
        if weight.size(0) == loss.size(0):
            weight = weight.view(-1, 1)
        else:
            if weight.numel() != loss.numel():
                raise ValueError(f'focal loss weight of shape {tuple(weight.shape)} does not fit the loss of shape '
                                 f'{tuple(loss.shape)}')
            weight = weight.view(loss.size(0), -1)
    return weight


def _py_focal_elementwise(pred, target, gamma, alpha):
    """mmdet's CPU formulation, element by element; ``target`` is one-hot of pred's dtype."""
    pred_sigmoid = pred.sigmoid()
    # pt here is 1 - p_t: the probability mass on the wrong side
    pt = (1 - pred_sigmoid) * target + pred_sigmoid * (1 - target)
    focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    return F.binary_cross_entropy_with_logits(pred, target, reduction='none') * focal_weight


class _PySigmoidFocalLoss(torch.autograd.Function):
    """The same forward arithmetic as mmdet's formulation, with an analytic backward: autograd through the formula
    keeps about eight (anchors x classes) temporaries alive until backward (~250 MB for RetinaNet at 512x512 batch
    2); this keeps the logits and a boolean target."""

    @staticmethod
    def forward(ctx, pred, target, gamma, alpha):
        ctx.save_for_backward(pred, target.bool())
        ctx.gamma, ctx.alpha = gamma, alpha
        return _py_focal_elementwise(pred, target.type_as(pred), gamma, alpha)

    @staticmethod
    def backward(ctx, grad_out):
        pred, positive = ctx.saved_tensors
        gamma, alpha = ctx.gamma, ctx.alpha
        p = pred.sigmoid()
        target = positive.type_as(pred)
        # 1 - p_t and its derivative d(1 - p_t)/dx = p (1 - p) (1 - 2 t)
        one_minus_pt = torch.where(positive, 1 - p, p)
        dpt = p * (1 - p) * (1 - 2 * target)
        alpha_t = alpha * target + (1 - alpha) * (1 - target)
        bce = F.binary_cross_entropy_with_logits(pred, target, reduction='none')
        # d/dx [bce * alpha_t * pt^g] = alpha_t * ((p - t) pt^g + bce * g pt^(g-1) dpt)
        grad = (p - target) * one_minus_pt.pow(gamma)
        if gamma != 0:
            grad += bce * gamma * one_minus_pt.pow(gamma - 1) * dpt
        return grad * alpha_t * grad_out, None, None, None


def py_sigmoid_focal_loss(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss from logits ``pred`` (N, C) and a one-hot ``target`` (N, C) — mmdet's CPU formulation."""
    if pred.requires_grad and torch.is_grad_enabled() and not target.is_floating_point():
        loss = _PySigmoidFocalLoss.apply(pred, target, gamma, alpha)
    else:  # soft (float) targets need their own gradient formula: let autograd do it
        loss = _py_focal_elementwise(pred, target.type_as(pred), gamma, alpha)
    return weight_reduce_loss(loss, _broadcast_weight(weight, loss), reduction, avg_factor)


def py_focal_loss_with_prob(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss on probabilities (``activated=True``); ``target`` are class indices, background = C."""
    num_classes = pred.size(1)
    target = F.one_hot(target, num_classes=num_classes + 1)[:, :num_classes].type_as(pred)
    pt = (1 - pred) * target + pred * (1 - target)
    focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    loss = F.binary_cross_entropy(pred, target, reduction='none') * focal_weight
    return weight_reduce_loss(loss, _broadcast_weight(weight, loss), reduction, avg_factor)


def sigmoid_focal_loss(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss through the fused ``workbench.ops.sigmoid_focal_loss`` kernel (integer targets)."""
    from workbench.ops import sigmoid_focal_loss as _op  # lazy: the ops package builds kernels on first use
    loss = _op(pred.contiguous(), target.contiguous(), gamma, alpha, None, 'none')
    return weight_reduce_loss(loss, _broadcast_weight(weight, loss), reduction, avg_factor)


@functools.lru_cache(maxsize=1)
def _fused_op_available() -> bool:
    """The fused kernel needs workbench.ops and CuPy; without them CUDA tensors take the (equivalent) torch path."""
    try:
        from workbench.ops import _cuda, sigmoid_focal_loss  # noqa: F401
        _cuda.require_cupy()
    except (ImportError, RuntimeError):
        return False
    return True


@LOSSES.register_module()
class FocalLoss(nn.Module):
    """Focal loss; only the sigmoid form exists (as in mmdet)."""

    def __init__(self, use_sigmoid=True, gamma=2.0, alpha=0.25, reduction='mean', loss_weight=1.0, activated=False):
        super().__init__()
        if not use_sigmoid:
            raise ValueError('FocalLoss: only use_sigmoid=True is supported')
        self.use_sigmoid = use_sigmoid
        self.gamma = gamma
        self.alpha = alpha
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight
        self.activated = activated

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        if self.activated:
            fn = py_focal_loss_with_prob
        elif pred.is_cuda and _fused_op_available():
            fn = sigmoid_focal_loss
        else:
            num_classes = pred.size(1)
            target = F.one_hot(target, num_classes=num_classes + 1)[:, :num_classes]
            fn = py_sigmoid_focal_loss
        return self.loss_weight * fn(pred, target, weight, gamma=self.gamma, alpha=self.alpha, reduction=reduction,
                                     avg_factor=avg_factor)
