"""model_complexity: per-module FLOPs of a detector-like model (run through forward_dummy) add up to the total."""
import pytest
import torch.nn as nn

from workbench.analysis.complexity import input_shape_from, model_complexity


class TinyDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2,
                                                                                            padding=1))
        self.bbox_head = nn.Conv2d(8, 4, 1)

    def forward(self, *args, **kwargs):  # the training/test forward of a detector, not what is counted
        raise AssertionError('model_complexity must run forward_dummy')

    def forward_dummy(self, img):
        return self.bbox_head(self.backbone(img))


def test_per_module_flops_and_totals():
    model = TinyDetector()
    table, totals = model_complexity(model, (16, 16))
    rows = table.set_index('module')
    conv1 = 2 * 3 * 9 * 8 * 16 * 16  # 2 FLOPs per multiply-add, 3x3 kernel, 16x16 output
    conv2 = 2 * 8 * 9 * 8 * 8 * 8
    head = 2 * 8 * 4 * 8 * 8
    assert rows.loc['backbone.0', 'flops'] == conv1
    assert rows.loc['backbone', 'flops'] == conv1 + conv2
    assert rows.loc['bbox_head', 'flops'] == head
    assert totals['flops'] == conv1 + conv2 + head == rows.loc['', 'flops']
    assert totals['macs'] == totals['flops'] // 2
    assert totals['params'] == sum(p.numel() for p in TinyDetector().parameters())
    assert totals['input_shape'] == [3, 16, 16]
    assert 'forward' not in vars(model)  # the forward_dummy routing is undone afterwards
    with pytest.raises(AssertionError, match='forward_dummy'):
        model()


def test_model_complexity_from_config_path():
    table, totals = model_complexity('workbench::shapes/retinanet_r18_fpn_shapes.py', (64, 64), max_depth=1)
    by_module = table.set_index('module')['flops']
    assert set(by_module.index) == {'', 'backbone', 'neck', 'bbox_head'}
    assert by_module[['backbone', 'neck', 'bbox_head']].sum() == totals['flops'] > 0


def test_input_shape_from():
    assert input_shape_from((800,)) == (3, 800, 800)
    assert input_shape_from((70, 100), size_divisor=32) == (3, 96, 128)
    assert input_shape_from((1, 32, 32)) == (1, 32, 32)
    with pytest.raises(ValueError, match='input shape'):
        input_shape_from((1, 2, 3, 4))
