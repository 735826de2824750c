"""The positives/negatives picked by a sampler (mmdet 2.x ``SamplingResult``)."""
from __future__ import annotations

import torch


class SamplingResult:
    """Sampled positive and negative priors with their targets.

    Attributes:
        pos_inds, neg_inds (LongTensor): indices into ``bboxes`` (which include prepended gts if the sampler added
            them).
        pos_bboxes, neg_bboxes (Tensor): the sampled boxes.
        pos_is_gt (uint8 Tensor): 1 where a positive is a gt box added as a proposal.
        num_gts (int): number of gt boxes.
        pos_assigned_gt_inds (LongTensor): for each positive, the index of its gt (0-based).
        pos_gt_bboxes (Tensor): for each positive, its gt box.
        pos_gt_labels (LongTensor | None): for each positive, its label.
    """

    def __init__(self, pos_inds, neg_inds, bboxes, gt_bboxes, assign_result, gt_flags):
        self.pos_inds = pos_inds
        self.neg_inds = neg_inds
        self.pos_bboxes = bboxes[pos_inds]
        self.neg_bboxes = bboxes[neg_inds]
        self.pos_is_gt = gt_flags[pos_inds]

        self.num_gts = gt_bboxes.shape[0]
        self.pos_assigned_gt_inds = assign_result.gt_inds[pos_inds] - 1

        if gt_bboxes.numel() == 0:
            # no gts means no positives; keep a (0, 4) tensor of the right type
            if self.pos_assigned_gt_inds.numel() != 0:
                raise ValueError('positives were sampled although there are no gt boxes')
            self.pos_gt_bboxes = torch.empty_like(gt_bboxes).view(-1, 4)
        else:
            if len(gt_bboxes.shape) < 2:
                gt_bboxes = gt_bboxes.view(-1, 4)
            self.pos_gt_bboxes = gt_bboxes[self.pos_assigned_gt_inds.long(), :]

        self.pos_gt_labels = assign_result.labels[pos_inds] if assign_result.labels is not None else None

    @property
    def bboxes(self) -> torch.Tensor:
        """Positive then negative boxes, concatenated."""
        return torch.cat([self.pos_bboxes, self.neg_bboxes])

    def to(self, device):
        """Move every tensor attribute to ``device`` (in place); returns self."""
        for key, value in self.__dict__.items():
            if isinstance(value, torch.Tensor):
                self.__dict__[key] = value.to(device)
        return self

    @property
    def info(self) -> dict:
        return {'pos_inds': self.pos_inds, 'neg_inds': self.neg_inds, 'pos_bboxes': self.pos_bboxes,
                'neg_bboxes': self.neg_bboxes, 'pos_is_gt': self.pos_is_gt, 'num_gts': self.num_gts,
                'pos_assigned_gt_inds': self.pos_assigned_gt_inds}

    def __repr__(self) -> str:
        parts = []
        for k, v in self.info.items():
            parts.append(f"'{k}': {tuple(v.shape) if isinstance(v, torch.Tensor) else v!r}")
        return f'<{self.__class__.__name__}({{' + ', '.join(parts) + '})>'
