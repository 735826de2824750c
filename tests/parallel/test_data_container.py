"""DataContainer flags and accessors (mmcv 1.x semantics)."""
import numpy as np
import pytest
import torch

from workbench.parallel import DataContainer


def test_defaults_and_flags():
    dc = DataContainer(torch.zeros(3, 4, 5))
    assert (dc.stack, dc.padding_value, dc.cpu_only, dc.pad_dims) == (False, 0, False, 2)
    dc = DataContainer(torch.zeros(2), stack=True, padding_value=255, cpu_only=True, pad_dims=1)
    assert (dc.stack, dc.padding_value, dc.cpu_only, dc.pad_dims) == (True, 255, True, 1)
    assert DataContainer({}, pad_dims=None).pad_dims is None
    with pytest.raises(ValueError, match='pad_dims'):
        DataContainer(torch.zeros(2), pad_dims=4)


def test_tensor_accessors():
    t = torch.zeros(3, 4, 5)
    dc = DataContainer(t, stack=True)
    assert dc.data is t
    assert dc.size() == torch.Size([3, 4, 5]) and dc.size(1) == 4
    assert dc.dim() == 3
    assert dc.datatype == 'torch.FloatTensor'
    assert len(dc) == 3
    assert 'DataContainer' in repr(dc)


def test_non_tensor_data():
    meta = {'filename': 'a.png'}
    dc = DataContainer(meta, cpu_only=True)
    assert dc.data is meta and dc.datatype is dict
    with pytest.raises(AttributeError, match='tensor'):
        dc.size()
    arr = DataContainer(np.zeros((2, 2)))
    assert arr.datatype is np.ndarray
