"""Packaging details pyproject.toml cannot express: the repository's ``cuda/`` folder ships in the wheel as the
package-data folder ``workbench/_cuda``. ``workbench.utils.kernel_source_dir()`` finds it there, or finds the
repository's ``cuda/`` from an editable install. cuda/ has no __init__.py on purpose: as a regular package it would
hide NVIDIA's ``cuda`` namespace package (used by CuPy) whenever the repository root is on sys.path."""
from setuptools import find_namespace_packages, setup

setup(
    # namespace search: a sub-folder without __init__.py still ships
    packages=find_namespace_packages(include=['workbench', 'workbench.*'], exclude=['*__pycache__*'])
    + ['workbench._cuda'],
    package_dir={'workbench._cuda': 'cuda'},
    package_data={
        'workbench': ['configs/**/*.py', 'configs/**/*.json', 'configs/**/*.yaml', 'configs/**/*.yml',
                      'model_zoo/*.json'],
        'workbench._cuda': ['*.cu', '*.cuh', '*.h'],
    },
    include_package_data=False,
)
