"""Shared test fixtures: the golden fixtures and device markers."""
import pytest

from tests.golden import GOLDEN_DIR, require_golden  # noqa: F401


@pytest.fixture(scope='session')
def golden_dir():
    return require_golden()


def _cuda_available() -> bool:
    try:
        import torch
        if not torch.cuda.is_available():
            return False
        import cupy  # noqa: F401
        return True
    except Exception:  # noqa: BLE001
        return False


def pytest_collection_modifyitems(config, items):
    if _cuda_available():
        return
    skip_gpu = pytest.mark.skip(reason='needs an NVIDIA GPU with CuPy (pip install workbench[cuda])')
    for item in items:
        if 'gpu' in item.keywords:
            item.add_marker(skip_gpu)
