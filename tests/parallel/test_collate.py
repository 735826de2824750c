import numpy as np
import pytest
import torch

from workbench.parallel import DataContainer, collate


def sample(h, w, n_boxes, name):
    return dict(img=DataContainer(torch.ones(3, h, w), stack=True, padding_value=0),
                gt_bboxes=DataContainer(torch.zeros(n_boxes, 4)),
                img_metas=DataContainer(dict(filename=name, img_shape=(h, w, 3)), cpu_only=True))


def test_pads_to_the_largest_and_stacks_per_gpu_chunk():
    batch = [sample(4, 6, 1, 'a'), sample(5, 3, 2, 'b'), sample(2, 2, 0, 'c')]
    out = collate(batch, samples_per_gpu=2)
    imgs = out['img']
    assert isinstance(imgs, DataContainer) and imgs.stack and len(imgs.data) == 2
    assert tuple(imgs.data[0].shape) == (2, 3, 5, 6)  # padded to max h and max w of the chunk
    assert tuple(imgs.data[1].shape) == (1, 3, 2, 2)
    first = imgs.data[0][0]
    assert first[:, :4, :6].eq(1).all() and first[:, 4:, :].eq(0).all()  # padding at the bottom / right
    second = imgs.data[0][1]
    assert second[:, :5, :3].eq(1).all() and second[:, :, 3:].eq(0).all()
    metas = out['img_metas']
    assert metas.cpu_only and metas.data == [[dict(filename='a', img_shape=(4, 6, 3)),
                                              dict(filename='b', img_shape=(5, 3, 3))],
                                             [dict(filename='c', img_shape=(2, 2, 3))]]
    boxes = out['gt_bboxes']
    assert not boxes.stack and [[t.shape[0] for t in c] for c in boxes.data] == [[1, 2], [0]]


def test_padding_value_pad_dims_and_plain_values():
    a = DataContainer(torch.zeros(2, 3), stack=True, padding_value=255, pad_dims=1)
    b = DataContainer(torch.zeros(2, 5), stack=True, padding_value=255, pad_dims=1)
    out = collate([a, b], samples_per_gpu=2)
    assert out.data[0].shape == (2, 2, 5) and out.data[0][0, :, 3:].eq(255).all()
    same = collate([DataContainer(torch.ones(2, 2), stack=True, pad_dims=None)] * 2, samples_per_gpu=2)
    assert same.data[0].shape == (2, 2, 2)
    with pytest.raises(ValueError, match='non-padded dimension'):
        collate([DataContainer(torch.zeros(1, 2, 2), stack=True), DataContainer(torch.zeros(3, 2, 2), stack=True)], 2)
    with pytest.raises(RuntimeError):  # shapes differ and no padding requested
        collate([DataContainer(torch.zeros(2), stack=True, pad_dims=None),
                 DataContainer(torch.zeros(3), stack=True, pad_dims=None)], 2)
    # non-DataContainer content goes through torch's default_collate, nested containers recursively
    out = collate([dict(x=1, y=[np.float32(1), 'a']), dict(x=2, y=[np.float32(2), 'b'])])
    assert out['x'].tolist() == [1, 2] and out['y'][0].tolist() == [1, 2] and out['y'][1] == ['a', 'b']
    with pytest.raises(TypeError, match='sequence'):
        collate(torch.zeros(2))


def test_stack_without_padding_matches_torch_stack_and_keeps_values():
    samples = [DataContainer(torch.randn(3, 4, 5), stack=True, padding_value=7) for _ in range(3)]
    out = collate(samples, samples_per_gpu=3).data[0]
    assert torch.equal(out, torch.stack([s.data for s in samples]))
    mixed = collate([DataContainer(torch.ones(2, 2, dtype=torch.uint8), stack=True, pad_dims=1),
                     DataContainer(torch.full((2, 3), 0.5), stack=True, pad_dims=1)], samples_per_gpu=2).data[0]
    assert mixed.dtype == torch.float32  # promoted as torch.stack does
    assert mixed.tolist() == [[[1, 1, 0], [1, 1, 0]], [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]]


def test_per_sample_padding_value_and_shared_memory_in_loader_workers(monkeypatch):
    import importlib
    collate_module = importlib.import_module('workbench.parallel.collate')  # the package re-exports the function
    a = DataContainer(torch.ones(1, 2, 2), stack=True, padding_value=-1)
    b = DataContainer(torch.ones(1, 3, 1), stack=True, padding_value=9)
    out = collate([a, b], samples_per_gpu=2).data[0]
    assert out[0].tolist() == [[[1, 1], [1, 1], [-1, -1]]]
    assert out[1].tolist() == [[[1, 9], [1, 9], [1, 9]]]
    assert not out.is_shared()
    monkeypatch.setattr(collate_module, 'get_worker_info', lambda: object())  # as inside a DataLoader worker
    shared = collate([a, b], samples_per_gpu=2).data[0]
    assert shared.is_shared() and torch.equal(shared, out)
