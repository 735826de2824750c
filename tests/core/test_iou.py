"""bbox_overlaps / BboxOverlaps2D against MMDetection 2.28.2 (components.pth)."""
import pytest
import torch

from tests.core._golden import components
from workbench.core import BboxOverlaps2D, bbox_overlaps, build_iou_calculator


@pytest.mark.parametrize('mode', ['iou', 'iof', 'giou'])
def test_bbox_overlaps_match_golden(mode):
    case = components('iou')
    b1, b2 = case['bboxes1'], case['bboxes2']
    torch.testing.assert_close(bbox_overlaps(b1, b2, mode), case[mode], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(bbox_overlaps(b1[:20], b2, mode, is_aligned=True), case[f'{mode}_aligned'],
                               atol=1e-5, rtol=1e-5)
    calc = build_iou_calculator(dict(type='BboxOverlaps2D'))
    torch.testing.assert_close(calc(b1, b2, mode), case[mode], atol=1e-5, rtol=1e-5)


def test_calculator_ignores_score_column_and_batches():
    case = components('iou')
    b1, b2 = case['bboxes1'], case['bboxes2']
    scored = torch.cat([b1, torch.rand(len(b1), 1)], 1)
    torch.testing.assert_close(BboxOverlaps2D()(scored, b2), case['iou'])
    batched = bbox_overlaps(torch.stack([b1, b1.flip(0)]), torch.stack([b2, b2]))
    assert batched.shape == (2, 30, 20)
    torch.testing.assert_close(batched[0], case['iou'])
    torch.testing.assert_close(batched[1], case['iou'].flip(0))


def test_fp16_calculator_close_to_fp32():
    case = components('iou')
    calc = BboxOverlaps2D(scale=4., dtype='fp16')
    out = calc(case['bboxes1'], case['bboxes2'])
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, case['iou'], atol=5e-3, rtol=5e-3)


def test_empty_inputs():
    assert bbox_overlaps(torch.zeros(0, 4), torch.rand(3, 4)).shape == (0, 3)
    assert bbox_overlaps(torch.rand(3, 4), torch.zeros(0, 4)).shape == (3, 0)
    assert bbox_overlaps(torch.zeros(0, 4), torch.zeros(0, 4), is_aligned=True).shape == (0, )
    assert bbox_overlaps(torch.zeros(2, 0, 4), torch.zeros(2, 5, 4), mode='giou').shape == (2, 0, 5)


def test_known_values_and_errors():
    a = torch.tensor([[0., 0., 10., 10.]])
    b = torch.tensor([[5., 0., 15., 10.], [20., 20., 30., 30.]])
    torch.testing.assert_close(bbox_overlaps(a, b), torch.tensor([[50 / 150, 0.]]))
    torch.testing.assert_close(bbox_overlaps(a, b, 'iof'), torch.tensor([[0.5, 0.]]))
    # giou of disjoint boxes: 0 - (900 - 200) / 900
    torch.testing.assert_close(bbox_overlaps(a, b, 'giou')[0, 1], torch.tensor(-700 / 900))
    with pytest.raises(ValueError, match='mode'):
        bbox_overlaps(a, b, mode='diou')
    with pytest.raises(ValueError, match='is_aligned'):
        bbox_overlaps(a, b, is_aligned=True)
    with pytest.raises(ValueError, match='columns'):
        BboxOverlaps2D()(torch.zeros(2, 3), b)
