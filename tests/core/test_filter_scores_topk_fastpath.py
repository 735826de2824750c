"""filter_scores_and_topk selects with topk and flat indices (a speed change, benchmarks/inference.py): it must
return what the sort-everything formulation of mmdet 2.x returns."""
import pytest
import torch

from workbench.core import filter_scores_and_topk


def _reference(scores, score_thr, topk):
    # mmdet 2.x: boolean gather, full descending sort, slice (nms_pre=-1 slices off the last entry)
    valid_mask = scores > score_thr
    kept = scores[valid_mask]
    valid_idxs = torch.nonzero(valid_mask)
    num_topk = min(topk, valid_idxs.size(0))
    kept, idxs = kept.sort(descending=True)
    kept = kept[:num_topk]
    keep_idxs, labels = valid_idxs[idxs[:num_topk]].unbind(dim=1)
    return kept, labels, keep_idxs


@pytest.mark.parametrize('n,c,thr,topk', [(500, 80, 0.0, 100), (500, 80, 0.5, 1000), (300, 1, 0.2, 50),
                                          (200, 7, 0.9, -1), (200, 7, 0.3, 10_000), (0, 5, 0.1, 10)])
def test_matches_sort_formulation(n, c, thr, topk):
    g = torch.Generator().manual_seed(n * 7 + c)
    # float64: no ties, so the order is unique (among exactly equal scores neither the unstable sort of the
    # reference nor topk promises an order)
    scores = torch.rand(n, c, generator=g, dtype=torch.float64)
    boxes = torch.rand(n, 4, generator=g)
    s, labels, keep, res = filter_scores_and_topk(scores, thr, topk, dict(b=boxes))
    rs, rlabels, rkeep = _reference(scores, thr, topk)
    assert torch.equal(s, rs) and torch.equal(labels, rlabels) and torch.equal(keep, rkeep)
    assert labels.dtype == torch.long and keep.dtype == torch.long
    assert torch.equal(res['b'], boxes[rkeep])
