"""Base class of samplers (mmdet 2.x ``BaseSampler``)."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch

from .sampling_result import SamplingResult


class BaseSampler(metaclass=ABCMeta):
    """Pick positives and negatives from an assignment.

    Args:
        num (int): total number of samples wanted.
        pos_fraction (float): fraction of ``num`` that may be positive.
        neg_pos_ub (int): upper bound of negatives per positive (-1: none).
        add_gt_as_proposals (bool): prepend the gt boxes as (positive) proposals.
    """

    def __init__(self, num, pos_fraction, neg_pos_ub=-1, add_gt_as_proposals=True, **kwargs):
        self.num = num
        self.pos_fraction = pos_fraction
        self.neg_pos_ub = neg_pos_ub
        self.add_gt_as_proposals = add_gt_as_proposals
        self.pos_sampler = self
        self.neg_sampler = self

    @abstractmethod
    def _sample_pos(self, assign_result, num_expected, **kwargs):
        """Indices of sampled positives."""

    @abstractmethod
    def _sample_neg(self, assign_result, num_expected, **kwargs):
        """Indices of sampled negatives."""

    def sample(self, assign_result, bboxes, gt_bboxes, gt_labels=None, **kwargs) -> SamplingResult:
        """Sample from ``bboxes`` (n, 4+) given ``assign_result``; ``gt_labels`` are needed when gts are added.

        Note: with ``add_gt_as_proposals`` the ``assign_result`` is extended in place, as in mmdet.
        """
        if len(bboxes.shape) < 2:
            bboxes = bboxes[None, :]
        bboxes = bboxes[:, :4]

        gt_flags = bboxes.new_zeros((bboxes.shape[0], ), dtype=torch.uint8)
        if self.add_gt_as_proposals and len(gt_bboxes) > 0:
            if gt_labels is None:
                raise ValueError('gt_labels must be given when add_gt_as_proposals is True')
            bboxes = torch.cat([gt_bboxes, bboxes], dim=0)
            assign_result.add_gt_(gt_labels)
            gt_ones = bboxes.new_ones(gt_bboxes.shape[0], dtype=torch.uint8)
            gt_flags = torch.cat([gt_ones, gt_flags])

        num_expected_pos = int(self.num * self.pos_fraction)
        pos_inds = self.pos_sampler._sample_pos(assign_result, num_expected_pos, bboxes=bboxes, **kwargs)
        # duplicates can come from samplers that draw with replacement; count each prior once
        pos_inds = pos_inds.unique()
        num_sampled_pos = pos_inds.numel()
        num_expected_neg = self.num - num_sampled_pos
        if self.neg_pos_ub >= 0:
            neg_upper_bound = int(self.neg_pos_ub * max(1, num_sampled_pos))
            num_expected_neg = min(num_expected_neg, neg_upper_bound)
        neg_inds = self.neg_sampler._sample_neg(assign_result, num_expected_neg, bboxes=bboxes, **kwargs)
        neg_inds = neg_inds.unique()
        return SamplingResult(pos_inds, neg_inds, bboxes, gt_bboxes, assign_result, gt_flags)
