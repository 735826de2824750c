"""The result of assigning gt boxes to priors (mmdet 2.x ``AssignResult``)."""
from __future__ import annotations

import torch


class AssignResult:
    """Which gt box (if any) each prior is assigned to.

    Attributes:
        num_gts (int): the number of gt boxes considered.
        gt_inds (LongTensor): per prior, 0 = negative (background), -1 = ignored, i + 1 = assigned to gt i.
        max_overlaps (Tensor | None): per prior, the IoU with its assigned gt (or the best IoU).
        labels (LongTensor | None): per prior, the class of its assigned gt, -1 where not positive.
    """

    def __init__(self, num_gts, gt_inds, max_overlaps, labels=None):
        self.num_gts = num_gts
        self.gt_inds = gt_inds
        self.max_overlaps = max_overlaps
        self.labels = labels
        self._extra_properties = {}

    @property
    def num_preds(self) -> int:
        """The number of priors that were assigned."""
        return len(self.gt_inds)

    def set_extra_property(self, key, value):
        """Attach extra information (e.g. a head-specific mask) to the result."""
        if key in self.info:
            raise KeyError(f'AssignResult already has a property {key!r}')
        self._extra_properties[key] = value

    def get_extra_property(self, key):
        return self._extra_properties.get(key, None)

    @property
    def info(self) -> dict:
        basic = {'num_gts': self.num_gts, 'num_preds': self.num_preds, 'gt_inds': self.gt_inds,
                 'max_overlaps': self.max_overlaps, 'labels': self.labels}
        basic.update(self._extra_properties)
        return basic

    def add_gt_(self, gt_labels):
        """Prepend the gt boxes themselves as priors, each assigned to itself with overlap 1 (in place)."""
        self_inds = torch.arange(1, len(gt_labels) + 1, dtype=torch.long, device=gt_labels.device)
        self.gt_inds = torch.cat([self_inds, self.gt_inds])
        self.max_overlaps = torch.cat([self.max_overlaps.new_ones(len(gt_labels)), self.max_overlaps])
        if self.labels is not None:
            self.labels = torch.cat([gt_labels, self.labels])

    def __nice__(self) -> str:
        parts = [f'num_gts={self.num_gts!r}']
        for name in ('gt_inds', 'max_overlaps', 'labels'):
            value = getattr(self, name)
            if value is None:
                parts.append(f'{name}=None')
            else:
                parts.append(f'{name}.shape={tuple(value.shape)!r}')
        return ', '.join(parts)

    def __repr__(self) -> str:
        return f'<{self.__class__.__name__}({self.__nice__()})>'

    @classmethod
    def random(cls, num_preds=None, num_gts=None, p_ignore=0.3, p_assigned=0.7, p_use_label=0.5, num_classes=3,
               rng=None):
        """A random result for tests (not used by the detectors)."""
        gen = torch.Generator().manual_seed(rng if isinstance(rng, int) else 0)
        num_gts = int(torch.randint(0, 8, (1, ), generator=gen)) if num_gts is None else num_gts
        num_preds = int(torch.randint(0, 16, (1, ), generator=gen)) if num_preds is None else num_preds
        max_overlaps = torch.rand(num_preds, generator=gen)
        if num_gts == 0:
            gt_inds = torch.zeros(num_preds, dtype=torch.long)
            labels = torch.full((num_preds, ), -1, dtype=torch.long)
        else:
            r = torch.rand(num_preds, generator=gen)
            gt_inds = torch.randint(1, num_gts + 1, (num_preds, ), generator=gen)
            gt_inds[r >= p_assigned] = 0
            gt_inds[(r >= p_assigned) & (torch.rand(num_preds, generator=gen) < p_ignore)] = -1
            gt_labels = torch.randint(0, num_classes, (num_gts, ), generator=gen)
            labels = torch.full((num_preds, ), -1, dtype=torch.long)
            pos = gt_inds > 0
            labels[pos] = gt_labels[gt_inds[pos] - 1]
        if torch.rand(1, generator=gen).item() > p_use_label:
            labels = None
        return cls(num_gts, gt_inds, max_overlaps, labels)
