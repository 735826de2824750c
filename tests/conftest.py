"""Shared test fixtures: the golden fixtures and device markers; torch threads under pytest-xdist."""
import os

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


def pytest_configure(config):
    # third-party noise: pycocotools' compiled mask classes predate numpy 2's __array__(copy=) protocol
    config.addinivalue_line('filterwarnings', "ignore:__array__ implementation doesn't accept a copy keyword"
                                              ':DeprecationWarning:pycocotools.*')
    # Under `pytest -n N` each worker would start one torch thread per core: N x cores threads on the machine's
    # cores oversubscribe it and make every CPU-bound test slower. Give each worker its share of the cores instead.
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if os.environ.get('PYTEST_XDIST_WORKER') and workers:
        import torch
        cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, cores // int(workers)))


def pytest_collection_modifyitems(config, items):
    if _cuda_available():
        return
    skip_gpu = pytest.mark.skip(reason='needs an NVIDIA GPU with CuPy (pip install workbench[cuda])')
    for item in items:
        if 'gpu' in item.keywords:
            item.add_marker(skip_gpu)
