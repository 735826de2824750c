"""mask_target (workbench.core.mask.mask_target) on BitmapMasks and PolygonMasks."""
import numpy as np
import torch

from workbench.core.mask.mask_target import mask_target
from workbench.core.mask.structures import BitmapMasks, PolygonMasks


def _left_half_masks():
    m = np.zeros((2, 16, 32), dtype=np.uint8)
    m[0, :, :16] = 1   # left half
    m[1, :, :12] = 1   # left 12 columns
    return BitmapMasks(m, 16, 32)


def test_bitmap_targets_geometry():
    masks = _left_half_masks()
    props = torch.tensor([[0., 0., 32., 16.], [0., 0., 16., 16.]])
    t = mask_target([props], [torch.tensor([0, 0])], [masks], dict(mask_size=4))
    assert t.shape == (2, 4, 4) and t.dtype == torch.float32
    assert t[0].tolist() == [[1., 1., 0., 0.]] * 4
    assert t[1].tolist() == [[1., 1., 1., 1.]] * 4


def test_soft_targets_and_binarize_threshold():
    masks = _left_half_masks()
    props = torch.tensor([[0., 0., 32., 16.]])
    soft = mask_target([props], [torch.tensor([1])], [masks], dict(mask_size=4, soft_mask_target=True))
    # bin 1 covers columns 8..15, of which 8..11 are set: a soft value of exactly one half
    torch.testing.assert_close(soft[0, :, 1], torch.full((4, ), 0.5))
    hard = mask_target([props], [torch.tensor([1])], [masks], dict(mask_size=4))
    assert hard[0, 0].tolist() == [1., 1., 0., 0.]


def test_proposals_are_clipped_and_images_concatenated():
    masks = _left_half_masks()
    inside = torch.tensor([[0., 0., 32., 16.]])
    outside = torch.tensor([[-10., -5., 50., 30.]])
    t = mask_target([inside, outside], [torch.tensor([0]), torch.tensor([0])], [masks, masks],
                    dict(mask_size=(4, 8)))
    assert t.shape == (2, 4, 8)
    torch.testing.assert_close(t[0], t[1])


def test_polygon_masks():
    poly = PolygonMasks([[np.array([0., 0., 16., 0., 16., 16., 0., 16.])]], 16, 32)
    t = mask_target([torch.tensor([[0., 0., 32., 16.]])], [torch.tensor([0])], [poly], dict(mask_size=4))
    assert t.shape == (1, 4, 4)
    assert t[0].sum(0).tolist() == [4., 4., 0., 0.]


def test_empty_cases():
    masks = _left_half_masks()
    t = mask_target([torch.zeros(0, 4)], [torch.zeros(0, dtype=torch.long)], [masks], dict(mask_size=28))
    assert t.shape == (0, 28, 28)
    t = mask_target([torch.zeros(0, 4), torch.tensor([[0., 0., 32., 16.]])],
                    [torch.zeros(0, dtype=torch.long), torch.tensor([0])], [masks, masks], dict(mask_size=4))
    assert t.shape == (1, 4, 4)
    assert mask_target([], [], [], dict(mask_size=28)) == []
