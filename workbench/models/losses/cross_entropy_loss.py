"""Cross-entropy losses: softmax, sigmoid (binary, one-hot expanded) and per-class mask BCE."""
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from workbench.registry import LOSSES

from .utils import check_reduction, weight_reduce_loss

# torch's own "no ignore" value; used when neither the loss nor the call names an ignore_index
_DEFAULT_IGNORE = -100


def cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None, class_weight=None,
                  ignore_index=_DEFAULT_IGNORE, avg_non_ignore=False):
    """Softmax cross entropy of ``pred`` (N, C) against integer ``label`` (N,).

    ``class_weight`` scales each element by its label's weight but the mean is still over elements (mmdet), and
    ``avg_non_ignore`` averages over the labels that are not ``ignore_index`` instead of all of them.
    """
    ignore_index = _DEFAULT_IGNORE if ignore_index is None else ignore_index
    loss = F.cross_entropy(pred, label, weight=class_weight, reduction='none', ignore_index=ignore_index)
    if avg_factor is None and avg_non_ignore and reduction == 'mean':
        avg_factor = label.numel() - (label == ignore_index).sum().item()
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight=weight, reduction=reduction, avg_factor=avg_factor)


def _expand_onehot_labels(labels, label_weights, label_channels, ignore_index):
    """One-hot (N, C) targets from labels (N,); labels >= C (background) become all-zero rows."""
    bin_labels = labels.new_zeros((labels.size(0), label_channels))
    valid_mask = (labels >= 0) & (labels != ignore_index)
    inds = torch.nonzero(valid_mask & (labels < label_channels), as_tuple=False).squeeze(1)
    if inds.numel() > 0:
        bin_labels[inds, labels[inds]] = 1
    valid_mask = valid_mask.view(-1, 1).expand(labels.size(0), label_channels).float()
    if label_weights is None:
        bin_label_weights = valid_mask
    else:
        bin_label_weights = label_weights.view(-1, 1).repeat(1, label_channels) * valid_mask
    return bin_labels, bin_label_weights, valid_mask


def binary_cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None, class_weight=None,
                         ignore_index=_DEFAULT_IGNORE, avg_non_ignore=False):
    """Sigmoid BCE; integer labels (N,) for a (N, C) ``pred`` are expanded to one-hot, background = C."""
    ignore_index = _DEFAULT_IGNORE if ignore_index is None else ignore_index
    if pred.dim() != label.dim():
        label, weight, valid_mask = _expand_onehot_labels(label, weight, pred.size(-1), ignore_index)
    else:
        valid_mask = ((label >= 0) & (label != ignore_index)).float()
        weight = valid_mask if weight is None else weight * valid_mask
    if avg_factor is None and avg_non_ignore and reduction == 'mean':
        avg_factor = valid_mask.sum().item()
    loss = F.binary_cross_entropy_with_logits(pred, label.float(), pos_weight=class_weight, reduction='none')
    return weight_reduce_loss(loss, weight.float(), reduction=reduction, avg_factor=avg_factor)


def mask_cross_entropy(pred, target, label, reduction='mean', avg_factor=None, class_weight=None,
                       ignore_index=None, **kwargs):
    """BCE of each RoI's mask logits for its own class: ``pred`` (R, C, h, w), ``target`` (R, h, w), ``label`` (R,).

    Always the mean over all pixels (mmdet ignores ``reduction``/``avg_factor`` here); returns shape (1,).
    """
    if ignore_index is not None:
        raise ValueError('mask_cross_entropy does not support ignore_index')
    num_rois = pred.size(0)
    inds = torch.arange(num_rois, dtype=torch.long, device=pred.device)
    pred_slice = pred[inds, label].squeeze(1)
    return F.binary_cross_entropy_with_logits(pred_slice, target, weight=class_weight, reduction='mean')[None]


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross-entropy loss (softmax by default, ``use_sigmoid`` for BCE, ``use_mask`` for mask heads)."""

    def __init__(self, use_sigmoid=False, use_mask=False, reduction='mean', class_weight=None, ignore_index=None,
                 loss_weight=1.0, avg_non_ignore=False):
        super().__init__()
        if use_sigmoid and use_mask:
            raise ValueError('CrossEntropyLoss: use_sigmoid and use_mask cannot both be True')
        self.use_sigmoid = use_sigmoid
        self.use_mask = use_mask
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight
        self.class_weight = class_weight
        self.ignore_index = ignore_index
        self.avg_non_ignore = avg_non_ignore
        if ignore_index is not None and not avg_non_ignore and reduction == 'mean':
            warnings.warn('CrossEntropyLoss: with ignore_index set and reduction="mean", the mean also counts the '
                          'ignored labels; set avg_non_ignore=True to average over the others only.')
        if use_sigmoid:
            self.cls_criterion = binary_cross_entropy
        elif use_mask:
            self.cls_criterion = mask_cross_entropy
        else:
            self.cls_criterion = cross_entropy

    def extra_repr(self):
        return f'avg_non_ignore={self.avg_non_ignore}'

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None, ignore_index=None,
                **kwargs):
        reduction = check_reduction(reduction_override, self.reduction)
        if ignore_index is None:
            ignore_index = self.ignore_index
        class_weight = None
        if self.class_weight is not None:
            class_weight = cls_score.new_tensor(self.class_weight)
        return self.loss_weight * self.cls_criterion(
            cls_score, label, weight, class_weight=class_weight, reduction=reduction, avg_factor=avg_factor,
            ignore_index=ignore_index, avg_non_ignore=self.avg_non_ignore, **kwargs)
