"""YOLO anchor optimisation: python tools/analysis_tools/optimize_anchors.py CONFIG --algorithm
k-means|differential_evolution --input-shape W H --output-dir DIR

A thin wrapper with MMDetection 2.x's path and argument names: it runs `workbench optimize-anchors ...` (see
`workbench optimize-anchors --help` and docs/cli.md)."""
import os.path as osp
import sys

# this checkout's workbench first, as mmdet's tools put their repository on the path
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from workbench.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(['optimize-anchors'] + sys.argv[1:]))
