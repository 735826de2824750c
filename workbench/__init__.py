"""workbench: a Jupyter-centric object-detection workbench with MMDetection 2.x semantics."""
__version__ = '0.1.0'
