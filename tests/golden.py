"""Locating and loading the golden fixtures of MMDetection 2.28.2 (see ../shared/golden/README.md)."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = Path(os.environ.get('WORKBENCH_GOLDEN', REPO_ROOT.parent / 'shared' / 'golden'))


def require_golden(*parts) -> Path:
    """The path of a golden fixture; skips (or, under WORKBENCH_REQUIRE_GOLDEN=1 as in CI, fails) if absent."""
    path = GOLDEN_DIR.joinpath(*parts)
    if not path.exists():
        msg = (f'golden fixture {path} not found: set WORKBENCH_GOLDEN to the folder of the MMDetection 2.28.2 '
               'golden fixtures (default ../shared/golden from the repository root)')
        if os.environ.get('WORKBENCH_REQUIRE_GOLDEN') == '1':
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def load_golden(*parts):
    import torch
    return torch.load(require_golden(*parts), weights_only=True)
