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
