"""collect_env fields and the kernel-source lookup from the editable install."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import workbench
from workbench.utils import collect_env, kernel_source, kernel_source_dir, list_kernel_sources

REPO = Path(__file__).resolve().parents[2]


def test_collect_env_fields():
    env = collect_env()
    for key in ['sys.platform', 'Python', 'CUDA available', 'CUDA_HOME', 'NVCC', 'GCC', 'PyTorch',
                'PyTorch compiling details', 'TorchVision', 'OpenCV', 'CuPy', 'workbench']:
        assert key in env, key
    import cv2
    import torch
    import torchvision
    assert env['PyTorch'] == torch.__version__ and env['TorchVision'] == torchvision.__version__
    assert env['OpenCV'] == cv2.__version__ and env['workbench'] == workbench.__version__
    assert env['CUDA available'] == str(torch.cuda.is_available())
    assert env['Python'].startswith(sys.version.split()[0])


def test_kernel_sources_found_from_the_editable_install(tmp_path):
    """In a fresh interpreter, run from elsewhere, the repository's cuda/ is where the sources are."""
    code = 'import workbench.utils as u; print(u.kernel_source_dir()); print(",".join(u.list_kernel_sources()))'
    out = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={**os.environ, 'PYTHONPATH': ''})
    lines = out.stdout.splitlines()
    assert Path(lines[0]) == REPO / 'cuda'
    assert lines[1] == ','.join(sorted(p.name for p in (REPO / 'cuda').glob('*.cu*')))


def test_cuda_folder_does_not_shadow_nvidia_cuda_package():
    # with the repository root on sys.path (pytest, notebooks in the repo) a cuda/__init__.py would make cuda/ a
    # regular package that hides NVIDIA's `cuda` namespace package (cuda.bindings, used by CuPy)
    assert not (REPO / 'cuda' / '__init__.py').exists()


def test_kernel_source_reads_files_and_names_missing_ones():
    assert kernel_source_dir() == REPO / 'cuda'
    names = list_kernel_sources()
    assert names == sorted(p.name for p in (REPO / 'cuda').glob('*.cu*'))
    for name in names:
        assert kernel_source(name) == (REPO / 'cuda' / name).read_text()
    with pytest.raises(FileNotFoundError, match="kernel source 'no_such_kernel' not found in .*cuda; available:"):
        kernel_source('no_such_kernel')
