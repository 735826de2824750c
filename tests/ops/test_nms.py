"""workbench.ops.nms: nms, soft_nms, batched_nms, nms_match (see tests/ops/tester.py for the shared tests)."""
import importlib

import numpy as np
import pytest
import torch

from tests.ops import reference
from tests.ops.tester import OpTester, golden_ops
from workbench.ops import batched_nms, bbox_overlaps, nms, nms_match, soft_nms


def random_boxes(n, seed, dtype=torch.float32, device='cpu', extent=100.0):
    """Clustered boxes so that NMS has real work: around n // 8 centres."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(max(1, n // 8), 2, generator=g) * extent
    c = centres[torch.randint(len(centres), (n,), generator=g)] + torch.randn(n, 2, generator=g) * 3
    wh = torch.rand(n, 2, generator=g) * 20 + 2
    boxes = torch.cat([c - wh / 2, c + wh / 2], 1)
    scores = torch.rand(n, generator=g)
    return boxes.to(device=device, dtype=dtype), scores.to(device=device, dtype=dtype)


def assert_dets_keep(out, exp, dtype=torch.float32):
    dets, keep = out
    edets, ekeep = exp
    assert torch.equal(keep.cpu(), ekeep.cpu()), f'keep differs: {keep.tolist()[:20]} vs {ekeep.tolist()[:20]}'
    torch.testing.assert_close(dets.cpu(), edets.cpu().to(dets.dtype), atol=1e-5, rtol=1e-5)


class TestNMS(OpTester):
    golden_cases = ('nms_0.3', 'nms_0.5', 'nms_0.7', 'nms_0.5_offset1', 'nms_0.5_score0.3_max50')

    def make_inputs(self, device, dtype, seed=0, small=False):
        boxes, scores = random_boxes(200, seed, dtype, device)
        kw = [dict(iou_threshold=0.5), dict(iou_threshold=0.4, offset=1, score_threshold=0.3, max_num=20),
              dict(iou_threshold=0.6)][seed % 3]
        return dict(boxes=boxes, scores=scores, **kw)

    def empty_inputs(self, device, dtype):
        return dict(boxes=torch.zeros(0, 4, dtype=dtype, device=device),
                    scores=torch.zeros(0, dtype=dtype, device=device), iou_threshold=0.5)

    def fast(self, **kw):
        return nms(**kw)

    def expected(self, **kw):
        return reference.nms(**kw)

    def assert_matches(self, out, exp, dtype):
        assert_dets_keep(out, exp, dtype)

    def check_golden(self, name, ops, device):
        case = ops['cases'][name]
        parts = name.split('_')
        kw = dict(iou_threshold=float(parts[1]))
        for p in parts[2:]:
            if p.startswith('offset'):
                kw['offset'] = int(p[6:])
            elif p.startswith('score'):
                kw['score_threshold'] = float(p[5:])
            elif p.startswith('max'):
                kw['max_num'] = int(p[3:])
        dets, keep = nms(ops['boxes'].to(device), ops['scores'].to(device), **kw)
        assert dets.device.type == device
        assert torch.equal(keep.cpu(), case['keep'])
        torch.testing.assert_close(dets.cpu(), case['dets'], atol=1e-5, rtol=1e-5)

    def test_numpy_in_numpy_out(self):
        boxes, scores = random_boxes(50, 0)
        dets, keep = nms(boxes.numpy(), scores.numpy(), 0.5)
        assert isinstance(dets, np.ndarray) and isinstance(keep, np.ndarray)
        tdets, tkeep = nms(boxes, scores, 0.5)
        np.testing.assert_array_equal(keep, tkeep.numpy())
        np.testing.assert_array_equal(dets, tdets.numpy())

    def test_doc_example(self):
        boxes = np.array([[49.1, 32.4, 51.0, 35.9], [49.3, 32.9, 51.0, 35.3], [49.2, 31.8, 51.0, 35.4],
                          [35.1, 11.5, 39.1, 15.7], [35.6, 11.8, 39.3, 14.2], [35.3, 11.5, 39.9, 14.5],
                          [35.2, 11.7, 39.7, 15.7]], dtype=np.float32)
        scores = np.array([0.9, 0.9, 0.5, 0.5, 0.5, 0.4, 0.3], dtype=np.float32)
        dets, inds = nms(boxes, scores, 0.6)
        assert len(inds) == len(dets) == 3

    def test_float16(self, device):
        boxes, scores = random_boxes(200, 4, device=device)
        dets, keep = nms(boxes.half(), scores.half(), 0.5)
        assert dets.dtype == torch.float16
        _, keep32 = nms(boxes.half().float(), scores.half().float(), 0.5)
        assert torch.equal(keep.cpu(), keep32.cpu())

    def test_large_20k(self, device):
        """20k proposal-like boxes (heavily overlapping): the greedy invariants hold."""
        g = torch.Generator().manual_seed(7)
        centres = torch.rand(150, 2, generator=g) * 1000
        c = centres[torch.randint(150, (20000,), generator=g)] + torch.randn(20000, 2, generator=g) * 4
        wh = torch.rand(20000, 2, generator=g) * 60 + 40
        boxes = torch.cat([c - wh / 2, c + wh / 2], 1).to(device)
        scores = torch.rand(20000, generator=g).to(device)
        dets, keep = nms(boxes, scores, 0.5)
        boxes, scores, keep = boxes.cpu(), scores.cpu(), keep.cpu()
        assert 0 < len(keep) < 5000
        assert torch.all(scores[keep][:-1] >= scores[keep][1:])
        kb = boxes[keep]
        iou = bbox_overlaps(kb, kb)  # kept boxes never overlap each other above the threshold
        iou.fill_diagonal_(0)
        assert iou.max() <= 0.5
        kept = torch.zeros(len(boxes), dtype=torch.bool)
        kept[keep] = True
        others = torch.nonzero(~kept).squeeze(1)[::7]  # a sample of the dropped boxes:
        iou = bbox_overlaps(boxes[others], kb)            # each overlaps a kept box of higher or equal score
        higher = scores[keep][None, :] >= scores[others][:, None]
        assert torch.all(((iou > 0.5) & higher).any(1))

    def test_deprecated_iou_thr(self):
        boxes, scores = random_boxes(50, 0)
        with pytest.warns(DeprecationWarning, match='iou_thr'):
            _, keep = nms(boxes, scores, iou_thr=0.5)
        assert torch.equal(keep, nms(boxes, scores, 0.5)[1])
        with pytest.warns(DeprecationWarning, match='iou_thr'):
            _, keep = batched_nms(boxes, scores, torch.zeros(50, dtype=torch.long), dict(type='nms', iou_thr=0.5))
        assert torch.equal(keep, nms(boxes, scores, 0.5)[1])

    def test_bad_input(self):
        with pytest.raises(TypeError, match='iou_threshold'):
            nms(torch.zeros(2, 4), torch.zeros(2))
        with pytest.raises(ValueError, match='offset'):
            nms(torch.zeros(2, 4), torch.zeros(2), 0.5, offset=2)
        with pytest.raises(ValueError, match='scores'):
            nms(torch.zeros(2, 4), torch.zeros(3), 0.5)
        with pytest.raises(TypeError, match='boxes'):
            nms([[0, 0, 1, 1]], torch.zeros(1), 0.5)


class TestSoftNMS(OpTester):
    golden_cases = ('soft_nms_linear', 'soft_nms_gaussian', 'soft_nms_naive')

    def make_inputs(self, device, dtype, seed=0, small=False):
        boxes, scores = random_boxes(60, seed + 10, dtype, device)
        kw = [dict(method='linear', iou_threshold=0.3), dict(method='gaussian', sigma=0.5, offset=1),
              dict(method='naive', iou_threshold=0.5, min_score=0.05)]
        return dict(boxes=boxes, scores=scores, **kw[seed % 3])

    def empty_inputs(self, device, dtype):
        return dict(boxes=torch.zeros(0, 4, dtype=dtype, device=device),
                    scores=torch.zeros(0, dtype=dtype, device=device))

    def fast(self, **kw):
        return soft_nms(**kw)

    def expected(self, **kw):
        return reference.soft_nms(**kw)

    def assert_matches(self, out, exp, dtype):
        assert_dets_keep(out, exp, dtype)

    def test_all_methods_vs_reference(self):
        for seed in range(3):
            kw = self.make_inputs('cpu', torch.float32, seed)
            assert_dets_keep(soft_nms(**kw), reference.soft_nms(**kw))

    def check_golden(self, name, ops, device):
        case = ops['cases'][name]
        dets, keep = soft_nms(ops['boxes'].to(device), ops['scores'].to(device), 0.3, 0.5, 1e-3,
                              name.split('_')[-1])
        assert dets.device.type == device
        assert torch.equal(keep.cpu(), case['keep'])
        torch.testing.assert_close(dets.cpu(), case['dets'], atol=1e-5, rtol=1e-5)

    def test_doc_example(self):
        boxes = np.array([[4., 3., 5., 3.], [4., 3., 5., 4.], [3., 1., 3., 1.], [3., 1., 3., 1.], [3., 1., 3., 1.],
                          [3., 1., 3., 1.]], dtype=np.float32)
        scores = np.array([0.9, 0.9, 0.5, 0.5, 0.4, 0.0], dtype=np.float32)
        dets, inds = soft_nms(boxes, scores, 0.6, sigma=0.5)
        assert isinstance(dets, np.ndarray)
        assert len(inds) == len(dets) == 5

    def test_ties_follow_mmcv_order(self):
        """Equal scores and many drops exercise mmcv's swap-with-last compaction."""
        boxes, _ = random_boxes(80, 3)
        scores = torch.tensor([0.5, 0.9, 0.7] * 26 + [0.9, 0.5])
        for method in ('linear', 'naive', 'gaussian'):
            kw = dict(boxes=boxes, scores=scores, iou_threshold=0.2, min_score=0.3, method=method)
            assert_dets_keep(soft_nms(**kw), reference.soft_nms(**kw))


class TestBatchedNMS(OpTester):
    golden_cases = ('batched', 'batched_agnostic', 'batched_split', 'batched_soft')

    def make_inputs(self, device, dtype, seed=0, small=False):
        boxes, scores = random_boxes(300, seed + 20, dtype, device)
        idxs = torch.randint(0, 5, (300,), generator=torch.Generator().manual_seed(seed)).to(device)
        cfg = [dict(type='nms', iou_threshold=0.5), dict(type='nms', iou_threshold=0.5, split_thr=50)][seed % 2]
        return dict(boxes=boxes, scores=scores, idxs=idxs, nms_cfg=cfg)

    def empty_inputs(self, device, dtype):
        return dict(boxes=torch.zeros(0, 4, dtype=dtype, device=device),
                    scores=torch.zeros(0, dtype=dtype, device=device),
                    idxs=torch.zeros(0, dtype=torch.long, device=device), nms_cfg=dict(type='nms', iou_threshold=0.5))

    def fast(self, **kw):
        return batched_nms(**kw)

    def expected(self, boxes, scores, idxs, nms_cfg):
        return reference.batched_nms(boxes, scores, idxs, nms_cfg['iou_threshold'])

    def assert_matches(self, out, exp, dtype):
        assert_dets_keep(out, exp, dtype)

    def check_golden(self, name, ops, device):
        case = ops['cases'][name]
        dets, keep = batched_nms(ops['boxes'].to(device), ops['scores'].to(device), ops['idxs'].to(device),
                                 case['cfg'])
        assert dets.device.type == device
        assert torch.equal(keep.cpu(), case['keep'])
        torch.testing.assert_close(dets.cpu(), case['dets'], atol=1e-5, rtol=1e-5)

    @pytest.mark.parametrize('offset', [0, 1])
    def test_cpu_per_class_path_matches_single_call(self, monkeypatch, offset):
        """The CPU per-class shortcut (many boxes) returns exactly what one NMS over the shifted boxes returns."""
        nms_module = importlib.import_module('workbench.ops.nms')  # the attribute 'nms' shadows the module
        boxes, scores = random_boxes(1500, 9)
        scores = (scores * 20).round() / 20  # many equal scores: the merge must keep the single call's tie order
        idxs = torch.randint(0, 30, (1500,), generator=torch.Generator().manual_seed(9))
        cfg = dict(type='nms', iou_threshold=0.5, offset=offset)
        fast = batched_nms(boxes, scores, idxs, cfg)
        monkeypatch.setattr(nms_module, '_CPU_PER_CLASS_MIN', 10 ** 9)
        single = batched_nms(boxes, scores, idxs, cfg)
        assert torch.equal(fast[1], single[1])
        assert torch.equal(fast[0], single[0])

    @pytest.mark.parametrize('extra', [dict(), dict(offset=1), dict(max_num=40), dict(class_agnostic=True)])
    def test_cpu_split_path_matches_category_loop(self, extra):
        """Above split_thr the CPU groups categories with one sort; it returns what mmcv's loop over categories
        (still taken here when the config has other op arguments, e.g. score_threshold) returns."""
        boxes, scores = random_boxes(600, 11)  # distinct scores: mmcv's loop sorts unstably, so ties have no order
        assert scores.unique().numel() == 600
        idxs = torch.randint(0, 7, (600,), generator=torch.Generator().manual_seed(11))
        cfg = dict(type='nms', iou_threshold=0.5, split_thr=100, **extra)
        grouped = batched_nms(boxes, scores, idxs, cfg)
        looped = batched_nms(boxes, scores, idxs, dict(cfg, score_threshold=0.0))
        assert 0 < grouped[1].numel() < 600
        if 'max_num' in extra:
            assert grouped[1].numel() == 40
        assert torch.equal(grouped[1], looped[1])
        assert torch.equal(grouped[0], looped[0])

    def test_cpu_split_path_breaks_ties_by_index(self):
        boxes = torch.tensor([[0., 0, 10, 10], [50, 50, 60, 60], [0, 0, 10, 10], [100, 100, 110, 110]] * 30)
        scores = torch.full((120,), 0.5)
        idxs = torch.arange(120) // 4  # 30 categories of 4 boxes; the third box of each is a duplicate
        dets, keep = batched_nms(boxes, scores, idxs, dict(type='nms', iou_threshold=0.5, split_thr=10))
        expected = torch.arange(120).view(30, 4)[:, [0, 1, 3]].reshape(-1)
        assert torch.equal(keep, expected)
        assert torch.equal(dets[:, :4], boxes[expected])

    def test_none_cfg_sorts(self):
        boxes, scores = random_boxes(20, 1)
        dets, keep = batched_nms(boxes, scores, torch.zeros(20, dtype=torch.long), None)
        assert torch.equal(keep, scores.argsort(descending=True))
        assert torch.equal(dets[:, 4], scores[keep])

    def test_agnostic_equals_nms(self):
        boxes, scores = random_boxes(100, 2)
        idxs = torch.arange(100) % 3
        _, keep = batched_nms(boxes, scores, idxs, dict(iou_threshold=0.5), class_agnostic=True)
        assert torch.equal(keep, nms(boxes, scores, 0.5)[1])

    def test_unknown_type(self):
        boxes, scores = random_boxes(4, 2)
        with pytest.raises(ValueError, match='nms_rotated'):
            batched_nms(boxes, scores, torch.zeros(4, dtype=torch.long), dict(type='nms_rotated', iou_threshold=.5))


class TestNMSMatch(OpTester):
    golden_cases = ('nms_match',)

    def make_inputs(self, device, dtype, seed=0, small=False):
        boxes, scores = random_boxes(150, seed + 30, dtype, device)
        return dict(dets=torch.cat([boxes, scores[:, None]], 1), iou_threshold=[0.5, 0.3][seed % 2])

    def empty_inputs(self, device, dtype):
        return dict(dets=torch.zeros(0, 5, dtype=dtype, device=device), iou_threshold=0.5)

    def fast(self, **kw):
        return nms_match(**kw)

    def expected(self, **kw):
        return reference.nms_match(**kw)

    def assert_matches(self, out, exp, dtype):
        assert len(out) == len(exp)
        for a, b in zip(out, exp):
            assert torch.equal(a.cpu(), b)

    def check_golden(self, name, ops, device):
        dets = torch.cat([ops['boxes'], ops['scores'][:, None]], 1).to(device)
        self.assert_matches(nms_match(dets, 0.5), ops['cases'][name]['matched'], torch.float32)

    def test_numpy(self):
        kw = self.make_inputs('cpu', torch.float32)
        out = nms_match(kw['dets'].numpy(), kw['iou_threshold'])
        assert all(isinstance(g, np.ndarray) for g in out)
        self.assert_matches([torch.from_numpy(g) for g in out], reference.nms_match(**kw), torch.float32)

    def test_kept_matches_nms(self):
        kw = self.make_inputs('cpu', torch.float32, 1)
        groups = nms_match(**kw)
        assert sorted(int(g[0]) for g in groups) == sorted(nms(kw['dets'][:, :4], kw['dets'][:, 4],
                                                               float(np.nextafter(np.float32(0.3),
                                                                                  np.float32(0))))[1].tolist())


def test_golden_inputs_present():
    ops = golden_ops()
    assert ops['boxes'].shape == (500, 4)
