"""Per-image mAP and the best/worst images: python tools/analysis_tools/analyze_results.py CONFIG RESULT.pkl SHOW_DIR
[--topk 20]

A thin wrapper with MMDetection 2.x's path and argument names: it runs `workbench analyze-results ...` (see
`workbench analyze-results --help` and docs/cli.md)."""
import os.path as osp
import sys

# this checkout's workbench first, as mmdet's tools put their repository on the path
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from workbench.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(['analyze-results'] + sys.argv[1:]))
