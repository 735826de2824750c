import torch


def labels_from_gt_inds(assigned_gt_inds: torch.Tensor, gt_labels):
    """Per prior, the label of its assigned gt (``gt_inds > 0``) and -1 elsewhere; None without ``gt_labels``."""
    if gt_labels is None:
        return None
    labels = assigned_gt_inds.new_full((assigned_gt_inds.numel(), ), -1)
    pos = assigned_gt_inds > 0
    labels[pos] = gt_labels[assigned_gt_inds[pos] - 1].to(labels.dtype)
    return labels


def empty_assignment(num_gts, num_bboxes, ref: torch.Tensor, gt_labels, default_ind: int):
    """The mmdet result when there are no gts or no priors: everything negative (no gts) or untouched."""
    from .assign_result import AssignResult
    gt_inds = ref.new_full((num_bboxes, ), 0 if num_gts == 0 else default_ind, dtype=torch.long)
    max_overlaps = ref.new_zeros((num_bboxes, ))
    labels = None if gt_labels is None else ref.new_full((num_bboxes, ), -1, dtype=torch.long)
    return AssignResult(num_gts, gt_inds, max_overlaps, labels=labels)
