"""Finding the CUDA kernel sources (``cuda/*.cu`` in the repository, ``workbench/_cuda/`` in an installed wheel)."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import List

import workbench

_SUFFIXES = ('.cu', '.cuh')


def kernel_source_dir() -> Path:
    """The folder that holds the ``.cu`` kernel sources, for a regular (wheel) install as well as an editable one.

    Order: ``workbench/_cuda`` next to the installed package (a wheel install; setup.py maps ``cuda/`` there), the
    ``workbench._cuda`` package if some other installer made it importable, the repository's ``cuda/`` (an editable
    install or a plain checkout).
    """
    pkg_dir = Path(workbench.__file__).resolve().parent
    installed = pkg_dir / '_cuda'
    if installed.is_dir():
        return installed
    try:
        spec = importlib.util.find_spec('workbench._cuda')
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    repo = pkg_dir.parent / 'cuda'
    if repo.is_dir():
        return repo
    raise FileNotFoundError(f'CUDA kernel sources not found: looked in {installed}, the workbench._cuda package and '
                            f'{repo}; reinstall workbench (pip install -e . from the repository, or the wheel)')


def list_kernel_sources() -> List[str]:
    """File names of the available kernel sources (sorted)."""
    return sorted(p.name for p in kernel_source_dir().iterdir() if p.suffix in _SUFFIXES)


def kernel_source(name: str) -> str:
    """The text of kernel source ``name`` (e.g. 'nms.cu'; the '.cu' may be left out)."""
    folder = kernel_source_dir()
    path = folder / name
    if not path.suffix:
        path = path.with_suffix('.cu')
    if not path.is_file():
        available = ', '.join(list_kernel_sources()) or '(none)'
        raise FileNotFoundError(f'kernel source {name!r} not found in {folder}; available: {available}')
    return path.read_text(encoding='utf-8')


__all__ = ['kernel_source_dir', 'kernel_source', 'list_kernel_sources']
