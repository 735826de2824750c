import numpy as np
import pytest

from workbench.analysis.anchor_optimization import (differential_evolution_anchors, kmeans_anchors,
                                                    mean_best_iou, optimize_anchors, shape_iou)
from workbench.analysis.dataset_stats import anchor_coverage, dataset_statistics, plot_dataset_statistics


class TinyDataset:
    CLASSES = ('a', 'b', 'c')

    def __init__(self):
        self.data_infos = [dict(width=100, height=50), dict(width=200, height=100)]
        self._anns = [
            dict(bboxes=np.array([[0, 0, 10, 20], [5, 5, 45, 25]], np.float32), labels=np.array([0, 0])),
            dict(bboxes=np.array([[0, 0, 30, 30]], np.float32), labels=np.array([1]),
                 bboxes_ignore=np.array([[50, 50, 60, 60]], np.float32)),
        ]

    def __len__(self):
        return 2

    def get_ann_info(self, i):
        return self._anns[i]


def test_statistics_tables():
    stats = dataset_statistics(TinyDataset())
    pc = stats['per_class'].set_index('class_name')
    assert pc.loc['a', 'instances'] == 2 and pc.loc['a', 'images'] == 1
    assert pc.loc['b', 'instances'] == 1 and pc.loc['c', 'instances'] == 0
    assert list(stats['boxes_per_image'].boxes) == [2, 1]
    assert list(stats['boxes_per_image'].ignored) == [0, 1]
    boxes = stats['boxes']
    assert list(boxes.aspect_ratio) == pytest.approx([2.0, 0.5, 1.0])
    assert list(boxes.img_width) == [100, 100, 200]
    import matplotlib
    matplotlib.use('Agg')
    fig = plot_dataset_statistics(stats)
    assert len(fig.axes) == 3


class FixedAnchors:
    """A minimal prior generator: one 10x20 anchor centred on each stride-16 grid point."""
    strides = [(16, 16)]

    def grid_priors(self, featmap_sizes, device='cpu'):
        import torch
        h, w = featmap_sizes[0]
        ys, xs = torch.meshgrid(torch.arange(h) * 16.0, torch.arange(w) * 16.0, indexing='ij')
        ctr = torch.stack([xs.flatten(), ys.flatten()], 1)
        return [torch.cat([ctr - torch.tensor([5.0, 10.0]), ctr + torch.tensor([5.0, 10.0])], 1)]


def test_anchor_coverage_flags_uncovered_boxes():
    table = anchor_coverage(TinyDataset(), FixedAnchors())
    # box [0,0,10,20]: the best anchor is centred at (0, 16), [-5, 6, 5, 26]: inter 5*14 = 70, union 330
    assert table.best_anchor_iou.iloc[0] == pytest.approx(70 / 330)
    assert not table.covered.any()
    # with img_scale the boxes are rescaled first (keep ratio: 100x50 -> scale 0.5 for (50, 25))
    scaled = anchor_coverage(TinyDataset(), FixedAnchors(), img_scale=(50, 25))
    assert len(scaled) == 3


def test_shape_iou_and_kmeans_recovers_clusters():
    rng = np.random.RandomState(0)
    true = np.array([[10, 10], [40, 20], [100, 120]], dtype=np.float64)
    whs = np.concatenate([t * (1 + 0.02 * rng.randn(50, 2)) for t in true])
    assert shape_iou(np.array([[10, 10]]), np.array([[10, 10], [20, 5]])).tolist() == [[1.0, 50 / 150]]
    res = kmeans_anchors(whs, num_anchors=3)
    np.testing.assert_allclose(res.anchors, true, rtol=0.03)
    assert res.mean_iou > 0.95
    de = differential_evolution_anchors(whs, num_anchors=3, iters=60)
    assert de.mean_iou > 0.9
    assert len(res.as_yolo_base_sizes(3)) == 3


def test_optimize_anchors_on_dataset():
    ds = TinyDataset()
    res = optimize_anchors(ds, num_anchors=2, input_size=(100, 100))
    assert res.anchors.shape == (2, 2)
    assert mean_best_iou(ds, res.anchors, input_size=(100, 100)) == pytest.approx(res.mean_iou)
    with pytest.raises(ValueError, match='cannot give 9 anchors'):
        optimize_anchors(ds)
    with pytest.raises(ValueError, match="method must be"):
        optimize_anchors(ds, num_anchors=1, method='x')
