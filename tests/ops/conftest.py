"""Parametrisation shared by the op testers: every test that takes `device` runs on CPU and (marked gpu) CUDA;
`dtype` comes from the tester class's `dtypes`; `golden_case` from its `golden_cases`."""
import pytest
import torch

DEVICES = ['cpu', pytest.param('cuda', marks=pytest.mark.gpu)]


def pytest_generate_tests(metafunc):
    if 'device' in metafunc.fixturenames:
        metafunc.parametrize('device', DEVICES)
    cls = metafunc.cls
    if cls is None:
        return
    if 'dtype' in metafunc.fixturenames:
        dtypes = getattr(cls, 'dtypes', (torch.float32,))
        metafunc.parametrize('dtype', dtypes, ids=[str(d).replace('torch.', '') for d in dtypes])
    if 'golden_case' in metafunc.fixturenames:
        metafunc.parametrize('golden_case', getattr(cls, 'golden_cases', ()))
