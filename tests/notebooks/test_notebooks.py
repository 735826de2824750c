"""Run every tutorial notebook under nbval (``--nbval-lax``: every cell must run without error; cells marked
``# NBVAL_CHECK_OUTPUT`` must reproduce their stored output after the sanitize rules).

The notebooks run in a pytest subprocess rather than as items of this session: nbval's items are the cells of a
notebook, which must run in order in one kernel, and pytest-xdist would spread them over workers. In the subprocess
``CI=1`` selects the notebooks' small settings (each notebook says so in a markdown cell) and one thread per kernel
keeps the run predictable on a 2-core machine shared with the other xdist worker.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / 'notebooks'
SANITIZE = NOTEBOOKS / 'nbval_sanitize.cfg'
TIME_LIMIT_S = 30 * 60  # the CI budget is 15 minutes; past twice that something hangs


def notebook_env() -> dict:
    env = dict(os.environ)
    env.update(CI='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', MPLBACKEND='Agg', PYTHONHASHSEED='0')
    for key in [k for k in env if k.startswith('PYTEST_')]:
        env.pop(key)  # do not let the inner pytest think it is an xdist worker
    return env


def nbval_command(*paths: str) -> list:
    return [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-p', 'no:xdist', '-q', '--durations=0',
            '--nbval-lax', '--nbval-current-env', '--nbval-sanitize-with', str(SANITIZE), *paths]


def test_notebooks_are_clean():
    """Committed notebooks carry outputs only where nbval compares them (cells marked NBVAL_CHECK_OUTPUT)."""
    nbformat = pytest.importorskip('nbformat')
    notebooks = sorted(NOTEBOOKS.glob('[0-9][0-9]_*.ipynb'))
    assert len(notebooks) == 10, [n.name for n in notebooks]
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code' or '# NBVAL_CHECK_OUTPUT' in cell.source:
                continue
            assert not cell.outputs and cell.execution_count is None, f'{path.name} cell {i} has stored outputs'


@pytest.mark.slow
def test_notebooks_run_under_nbval():
    pytest.importorskip('nbval', reason='nbval is part of the dev extra: pip install -e ".[dev]"')
    t0 = time.time()
    proc = subprocess.run(nbval_command(str(NOTEBOOKS)), cwd=REPO, env=notebook_env(), capture_output=True,
                          text=True, timeout=TIME_LIMIT_S)
    elapsed = time.time() - t0
    tail = (proc.stdout + proc.stderr)[-12000:]
    print(f'nbval over {NOTEBOOKS} took {elapsed:.0f} s\n{proc.stdout[-8000:]}')  # per-cell durations, with -rA
    assert proc.returncode == 0, f'nbval failed (exit {proc.returncode}) after {elapsed:.0f} s:\n{tail}'
    assert ' passed' in proc.stdout, tail
