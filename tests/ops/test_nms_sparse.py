"""workbench.ops._nms_sparse: the large-input CPU NMS must return torchvision's keep list exactly, on every path
(pruning, overlap graph, rounds, the kernel finishing the undecided rest, the edge-count fallback)."""
import importlib

import pytest
import torch
import torchvision

from workbench.ops import _nms_sparse, nms

nms_module = importlib.import_module('workbench.ops.nms')  # the attribute 'nms' shadows the module


def proposals(n, seed, extent=400.0, size=(20, 60), objects_every=40):
    """Jittered boxes around n // objects_every objects, like RPN proposals."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(max(1, n // objects_every), 2, generator=g) * extent
    c = centres[torch.randint(len(centres), (n,), generator=g)] + torch.randn(n, 2, generator=g) * 4
    wh = torch.rand(n, 2, generator=g) * (size[1] - size[0]) + size[0]
    return torch.cat([c - wh / 2, c + wh / 2], 1), torch.rand(n, generator=g)


def uniform(n, seed, extent=400.0, size=(5, 80)):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * extent
    wh = torch.rand(n, 2, generator=g) * (size[1] - size[0]) + size[0]
    return torch.cat([xy, xy + wh], 1), torch.rand(n, generator=g)


def huge(n, seed):
    """Every box overlaps almost every other: one kept box suppresses nearly all (the pruning path)."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 20
    wh = torch.rand(n, 2, generator=g) * 20 + 200
    return torch.cat([xy, xy + wh], 1), torch.rand(n, generator=g)


def threshold_exact(n, seed):
    """Pairs whose float32 IoU is exactly float32(0.3) = 0.30000001: the kernel compares in double, so 0.3 < that
    IoU suppresses. A float32 comparison with the rounded threshold would keep them."""
    boxes, scores = uniform(n - 200, seed, extent=2000.0, size=(5, 10))
    base = torch.arange(100, dtype=torch.float32)[:, None] * 30 + 3000
    a = torch.cat([base, base, base + 10, base + 1], 1)   # area 10
    b = torch.cat([base, base, base + 3, base + 1], 1)    # area 3, inside a: IoU = 3 / 10
    g = torch.Generator().manual_seed(seed)
    return torch.cat([boxes, a, b]), torch.cat([scores, torch.rand(100, generator=g) + 1, torch.rand(100, generator=g)])


@pytest.fixture
def small_sizes(monkeypatch):
    """Small blocks and thresholds, so a few hundred boxes take every path quickly."""
    monkeypatch.setattr(_nms_sparse, 'MIN_BOXES', 64)
    monkeypatch.setattr(_nms_sparse, '_PRUNE', 16)
    monkeypatch.setattr(_nms_sparse, '_BLOCK', 32)
    monkeypatch.setattr(_nms_sparse, '_MAX_TEMP', 1000)


CASES = {
    'proposals': lambda seed: proposals(800, seed),
    'uniform': lambda seed: uniform(800, seed),
    'huge': lambda seed: huge(800, seed),
    'ties': lambda seed: (proposals(800, seed)[0], (proposals(800, seed)[1] * 8).floor()),
    'duplicates': lambda seed: (proposals(400, seed)[0].repeat(2, 1), proposals(400, seed)[1].repeat(2)),
    'threshold_exact': lambda seed: threshold_exact(800, seed),
}


@pytest.mark.parametrize('case', sorted(CASES))
@pytest.mark.parametrize('thr', [0.0, 0.3, 0.5, 0.7, 1.0])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_equals_torchvision(small_sizes, case, thr, dtype):
    boxes, scores = CASES[case](seed=int(thr * 10))
    boxes, scores = boxes.to(dtype), scores.to(dtype)
    assert _nms_sparse.applicable(boxes, thr)
    expected = torch.ops.torchvision.nms(boxes, scores, thr)
    assert torch.equal(_nms_sparse.nms_index(boxes, scores, thr), expected)


def test_threshold_exact_pairs_are_suppressed(small_sizes):
    boxes, scores = threshold_exact(800, 0)
    keep = set(_nms_sparse.nms_index(boxes, scores, 0.3).tolist())
    assert not keep & set(range(700, 800))  # every small box of the exact pairs is suppressed, as in torchvision
    assert set(range(600, 700)) <= keep


@pytest.mark.parametrize('knob, value', [('_ROUNDS', 1), ('_ROUNDS', 0), ('_MAX_EDGES', 10), ('_PRUNE_PAYS', 0.0),
                                         ('_PRUNE_PAYS', 1.0)])
def test_every_path_is_exact(small_sizes, monkeypatch, knob, value):
    """One round leaves boxes undecided (the kernel finishes them); a tiny edge budget falls back to the kernel;
    pruning stopped at once or run to the end changes nothing."""
    monkeypatch.setattr(_nms_sparse, knob, value)
    for make in (proposals, uniform):
        boxes, scores = make(1000, 3)
        for thr in (0.3, 0.7):
            assert torch.equal(_nms_sparse.nms_index(boxes, scores, thr),
                               torch.ops.torchvision.nms(boxes, scores, thr))


def test_rounds_leave_work_for_the_kernel(small_sizes, monkeypatch):
    """A chain where each box suppresses the next needs one round per link: with two rounds the kernel must finish
    the rest, and the answer is still the alternating keep list."""
    monkeypatch.setattr(_nms_sparse, '_ROUNDS', 2)
    monkeypatch.setattr(_nms_sparse, '_PRUNE', 1)
    monkeypatch.setattr(_nms_sparse, '_PRUNE_PAYS', 0.0)
    x = torch.arange(200, dtype=torch.float32) * 2
    boxes = torch.stack([x, torch.zeros(200), x + 10, torch.ones(200) * 10], 1)  # neighbours: IoU 8/12
    scores = torch.linspace(1, 0, 200)
    kernel_sizes = []
    kernel = _nms_sparse._kernel_in_rank_order

    def spy(ranked, thr):
        kernel_sizes.append(ranked.size(0))
        return kernel(ranked, thr)
    monkeypatch.setattr(_nms_sparse, '_kernel_in_rank_order', spy)
    keep = _nms_sparse.nms_index(boxes, scores, 0.5)
    assert torch.equal(keep, torch.ops.torchvision.nms(boxes, scores, 0.5))
    assert keep.tolist() == list(range(0, 200, 2))  # IoU(i, i+1) = 8/12 suppresses, IoU(i, i+2) = 6/14 does not
    assert max(kernel_sizes) > 150  # two rounds decided 4 boxes of the graph; the kernel decided the rest


def test_not_applicable():
    boxes, scores = proposals(_nms_sparse.MIN_BOXES, 0)
    assert _nms_sparse.applicable(boxes, 0.5)
    assert not _nms_sparse.applicable(boxes[:-1], 0.5)         # small: one kernel call is cheaper
    assert not _nms_sparse.applicable(boxes, -0.1)             # thr < 0: disjoint boxes suppress each other too
    bad = boxes.clone()
    bad[5, 2] = float('nan')
    assert not _nms_sparse.applicable(bad, 0.5)                # NaN breaks the x sweep's ordering


@pytest.mark.parametrize('offset', [0, 1])
def test_public_nms_large_input(offset):
    """Through `nms`, 6000 boxes take the sparse path and give the kernel's answer (offset 1: on shifted boxes)."""
    boxes, scores = proposals(6000, 5, extent=1000.0)
    dets, keep = nms(boxes, scores, 0.6, offset=offset)
    b = boxes.double() if offset else boxes
    b = torch.cat([b[:, :2], b[:, 2:] + offset], 1)
    expected = torch.ops.torchvision.nms(b, scores.to(b.dtype), 0.6)
    assert torch.equal(keep, expected)
    assert torch.equal(dets[:, :4], boxes[expected])
    assert torchvision.ops.nms(boxes, scores, 0.6).numel() > 1000


def test_large_single_category_in_batched_nms(monkeypatch):
    """A category with thousands of boxes (above split_thr) goes through the sparse path and matches one call."""
    boxes, scores = proposals(5000, 8, extent=1000.0)
    idxs = torch.zeros(5000, dtype=torch.long)
    idxs[:300] = 1
    cfg = dict(type='nms', iou_threshold=0.7, split_thr=1000)
    dets, keep = nms_module.batched_nms(boxes, scores, idxs, cfg)
    monkeypatch.setattr(_nms_sparse, 'MIN_BOXES', 10 ** 9)
    dets_ref, keep_ref = nms_module.batched_nms(boxes, scores, idxs, cfg)
    assert torch.equal(keep, keep_ref)
    assert torch.equal(dets, dets_ref)
