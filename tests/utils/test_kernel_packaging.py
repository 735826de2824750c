"""The .cu kernel sources and the packaged configs ship inside the wheel and are found from a regular install.

Builds a wheel from a copy of the sources (pip wheel, no network), installs it with ``pip install --target`` and
asks a fresh interpreter with only that target on PYTHONPATH (ahead of the editable install) where they are.
"""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = 'extern "C" __global__ void wb_probe(float* x) { x[0] = 1.0f; }\n'


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    pytest.importorskip('setuptools')
    root = tmp_path_factory.mktemp('wheel')
    src = root / 'src'
    src.mkdir()
    for name in ['pyproject.toml', 'setup.py', 'README.md']:
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
    shutil.copytree(REPO / 'workbench', src / 'workbench', ignore=ignore)
    shutil.copytree(REPO / 'cuda', src / 'cuda', ignore=ignore)
    kernels = sorted(p.name for p in (src / 'cuda').glob('*.cu'))
    if not kernels:  # no real kernels yet: a tiny one, only in this temporary copy
        (src / 'cuda' / 'wb_probe.cu').write_text(PROBE)
        kernels = ['wb_probe.cu']
    dist = root / 'dist'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(dist),
                    str(src)], check=True, capture_output=True, text=True, cwd=root)
    wheel = next(dist.glob('workbench-*.whl'))
    target = root / 'target'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target', str(target), str(wheel)],
                   check=True, capture_output=True, text=True, cwd=root)
    return dict(wheel=wheel, target=target, kernels=kernels, root=root)


def test_wheel_contains_kernels_and_configs(installed):
    names = zipfile.ZipFile(installed['wheel']).namelist()
    for kernel in installed['kernels']:
        assert f'workbench/_cuda/{kernel}' in names
    assert 'workbench/configs/_base_/default_runtime.py' in names
    assert 'workbench/configs/_base_/schedules/schedule_1x.py' in names
    assert not [n for n in names if '__pycache__' in n]


def test_regular_install_finds_kernels_and_configs(installed):
    code = ('import workbench, workbench.utils as u; from workbench.config import Config; '
            'print(workbench.__file__); print(u.kernel_source_dir()); print(",".join(u.list_kernel_sources())); '
            "print(Config.fromfile('workbench::_base_/schedules/schedule_1x.py').filename)")
    env = {**os.environ, 'PYTHONPATH': str(installed['target'])}
    out = subprocess.run([sys.executable, '-c', code], cwd=installed['root'], env=env, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    target = installed['target']
    assert Path(out[0]).parent == target / 'workbench'  # the installed copy, not the editable checkout
    assert Path(out[1]) == target / 'workbench' / '_cuda'
    assert out[2].split(',') == installed['kernels']
    assert Path(out[3]) == target / 'workbench' / 'configs' / '_base_' / 'schedules' / 'schedule_1x.py'
