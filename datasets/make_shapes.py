#!/usr/bin/env python
"""Write the synthetic COCO-format shapes dataset (see workbench/datasets/shapes.py).

    python datasets/make_shapes.py data/shapes --num-train 200 --num-val 50 --img-size 320 240 --seed 0

The same as ``workbench make-shapes ...``; from Python: ``from workbench.datasets import make_shapes``.
"""
import sys

from workbench.cli import main

if __name__ == '__main__':
    sys.exit(main(['make-shapes', *sys.argv[1:]]))
