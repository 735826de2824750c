"""Uniform random sampling of positives and negatives (mmdet 2.x ``RandomSampler``)."""
from __future__ import annotations

import torch

from workbench.registry import BBOX_SAMPLERS
from .base_sampler import BaseSampler


@BBOX_SAMPLERS.register_module()
class RandomSampler(BaseSampler):
    """Sample uniformly without replacement.

    Random draws use ``torch.randperm`` on the CPU default generator (as mmdet does), so ``torch.manual_seed``
    makes sampling reproducible and the random stream matches mmdet's.
    """

    def __init__(self, num, pos_fraction, neg_pos_ub=-1, add_gt_as_proposals=True, **kwargs):
        super().__init__(num, pos_fraction, neg_pos_ub, add_gt_as_proposals)

    def random_choice(self, gallery, num):
        """``num`` random elements of ``gallery`` (a tensor or a list/array of indices)."""
        if len(gallery) < num:
            raise ValueError(f'cannot sample {num} elements from a gallery of {len(gallery)}')
        is_tensor = isinstance(gallery, torch.Tensor)
        if not is_tensor:
            device = torch.cuda.current_device() if torch.cuda.is_available() else 'cpu'
            gallery = torch.tensor(gallery, dtype=torch.long, device=device)
        perm = torch.randperm(gallery.numel())[:num].to(device=gallery.device)
        rand_inds = gallery[perm]
        if not is_tensor:
            rand_inds = rand_inds.cpu().numpy()
        return rand_inds

    def _sample_pos(self, assign_result, num_expected, **kwargs):
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False)
        if pos_inds.numel() != 0:
            pos_inds = pos_inds.squeeze(1)
        if pos_inds.numel() <= num_expected:
            return pos_inds
        return self.random_choice(pos_inds, num_expected)

    def _sample_neg(self, assign_result, num_expected, **kwargs):
        neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False)
        if neg_inds.numel() != 0:
            neg_inds = neg_inds.squeeze(1)
        if len(neg_inds) <= num_expected:
            return neg_inds
        return self.random_choice(neg_inds, num_expected)
