"""Top-k classification accuracy in percent (mmdet ``accuracy`` / ``Accuracy``)."""
import torch
from torch import nn


def accuracy(pred: torch.Tensor, target: torch.Tensor, topk=1, thresh=None):
    """Percentage of rows of ``pred`` (N, C) whose target is among the top-k scores (and above ``thresh``).

    ``topk`` int returns a tensor; a tuple returns a list, one per k.
    """
    if not isinstance(topk, (int, tuple)):
        raise TypeError(f'topk must be an int or a tuple of ints, but got {type(topk).__name__}')
    return_single = isinstance(topk, int)
    topks = (topk, ) if return_single else topk
    maxk = max(topks)
    if pred.size(0) == 0:
        accs = [pred.new_tensor(0.) for _ in topks]
        return accs[0] if return_single else accs
    if pred.ndim != 2 or target.ndim != 1 or pred.size(0) != target.size(0):
        raise ValueError(f'accuracy expects pred (N, C) and target (N,), got {tuple(pred.shape)} and '
                         f'{tuple(target.shape)}')
    if maxk > pred.size(1):
        raise ValueError(f'maxk {maxk} exceeds the number of classes {pred.size(1)}')
    pred_value, pred_label = pred.topk(maxk, dim=1)
    pred_label = pred_label.t()
    correct = pred_label.eq(target.view(1, -1).expand_as(pred_label))
    if thresh is not None:
        correct = correct & (pred_value > thresh).t()
    res = []
    for k in topks:
        correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
        res.append(correct_k.mul_(100.0 / pred.size(0)))
    return res[0] if return_single else res


class Accuracy(nn.Module):

    def __init__(self, topk=(1, ), thresh=None):
        super().__init__()
        self.topk = topk
        self.thresh = thresh

    def forward(self, pred, target):
        return accuracy(pred, target, self.topk, self.thresh)
