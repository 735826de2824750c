"""workbench.ops.bbox_overlaps (shared tests in tests/ops/tester.py)."""
import pytest
import torch

from tests.ops import reference
from tests.ops.tester import OpTester, tol
from workbench.ops import bbox_overlaps


def random_boxes(n, seed, dtype, device):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 50
    wh = torch.rand(n, 2, generator=g) * 30 + 1
    return torch.cat([xy, xy + wh], 1).to(device=device, dtype=dtype)


class TestBBoxOverlaps(OpTester):
    dtypes = (torch.float16, torch.float32, torch.float64)
    golden_cases = ('op_iou', 'op_iof', 'op_iou_offset1', 'iou', 'iof', 'giou', 'iou_aligned', 'iof_aligned',
                    'giou_aligned')
    variants = [dict(mode='iou'), dict(mode='iof', offset=1), dict(mode='giou', aligned=True),
                dict(mode='iou', aligned=True, offset=1)]

    def make_inputs(self, device, dtype, seed=0, small=False):
        kw = self.variants[seed % len(self.variants)]
        n2 = 17 if not kw.get('aligned') else 23
        return dict(bboxes1=random_boxes(23, seed, dtype, device), bboxes2=random_boxes(n2, seed + 100, dtype, device),
                    **kw)

    def empty_inputs(self, device, dtype):
        return dict(bboxes1=torch.zeros(0, 4, dtype=dtype, device=device), bboxes2=random_boxes(3, 0, dtype, device))

    def fast(self, **kw):
        return bbox_overlaps(**kw)

    def expected(self, **kw):
        return reference.bbox_overlaps(**kw)

    def test_forward_vs_reference(self, device, dtype):
        for seed in range(len(self.variants)):
            inputs = self.make_inputs(device, dtype, seed)
            out = self.fast(**inputs)
            assert out.dtype == dtype and out.device.type == device
            torch.testing.assert_close(out.cpu(), self.expected(**inputs).to(dtype), **tol(dtype))

    def check_golden(self, name, g, device):
        from tests.golden import load_golden
        d = load_golden('components.pth')['iou']
        b1, b2 = d['bboxes1'].to(device), d['bboxes2'].to(device)
        mode = name.split('_')[-1] if name.startswith('op_') else name.split('_')[0]
        if name == 'op_iou_offset1':
            out = bbox_overlaps(b1, b2, 'iou', offset=1)
        elif name.endswith('_aligned'):
            out = bbox_overlaps(b1[:20], b2, mode, aligned=True)
        else:
            out = bbox_overlaps(b1, b2, mode)
        torch.testing.assert_close(out.cpu(), d[name], atol=1e-5, rtol=1e-5)

    def test_doc_examples(self, device):
        b1 = torch.tensor([[0, 0, 10, 10], [10, 10, 20, 20], [32, 32, 38, 42.]], device=device)
        b2 = torch.tensor([[0, 0, 10, 20], [0, 10, 10, 19], [10, 10, 20, 20.]], device=device)
        exp = torch.tensor([[0.5, 0, 0], [0, 0, 1.], [0, 0, 0]])
        torch.testing.assert_close(bbox_overlaps(b1, b2).cpu(), exp)
        empty = torch.zeros(0, 4, device=device)
        nonempty = torch.tensor([[0, 0, 10, 9.]], device=device)
        assert tuple(bbox_overlaps(empty, nonempty).shape) == (0, 1)
        assert tuple(bbox_overlaps(nonempty, empty).shape) == (1, 0)
        assert tuple(bbox_overlaps(empty, empty).shape) == (0, 0)
        assert tuple(bbox_overlaps(empty, empty, aligned=True).shape) == (0, 1)

    def test_bad_input(self):
        with pytest.raises(ValueError, match='mode'):
            bbox_overlaps(torch.zeros(1, 4), torch.zeros(1, 4), mode='diou')
        with pytest.raises(ValueError, match='aligned'):
            bbox_overlaps(torch.zeros(2, 4), torch.zeros(1, 4), aligned=True)
        with pytest.raises(ValueError, match=r'\(n, 4\)'):
            bbox_overlaps(torch.zeros(2, 5), torch.zeros(1, 4))
