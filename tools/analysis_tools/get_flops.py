"""FLOPs/MACs and parameters: python tools/analysis_tools/get_flops.py CONFIG [--shape H W]

A thin wrapper with MMDetection 2.x's path and argument names: it runs `workbench get-flops ...` (see `workbench
get-flops --help` and docs/cli.md)."""
import os.path as osp
import sys

# this checkout's workbench first, as mmdet's tools put their repository on the path
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from workbench.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(['get-flops'] + sys.argv[1:]))
