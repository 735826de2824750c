"""Error analysis: python tools/analysis_tools/coco_error_analysis.py RESULT.bbox.json OUT_DIR --ann ANN.json (or
CONFIG RESULT.pkl OUT_DIR)

A thin wrapper with MMDetection 2.x's path and argument names: it runs `workbench error-analysis ...` (see
`workbench error-analysis --help` and docs/cli.md)."""
import os.path as osp
import sys

# this checkout's workbench first, as mmdet's tools put their repository on the path
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from workbench.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(['error-analysis'] + sys.argv[1:]))
