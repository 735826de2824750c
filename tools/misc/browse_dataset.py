"""Save what the training pipeline produces: python tools/misc/browse_dataset.py CONFIG [--output-dir DIR] [--skip-type
...]

A thin wrapper with MMDetection 2.x's path and argument names: it runs `workbench browse-dataset ...` (see
`workbench browse-dataset --help` and docs/cli.md)."""
import os.path as osp
import sys

# this checkout's workbench first, as mmdet's tools put their repository on the path
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from workbench.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(['browse-dataset'] + sys.argv[1:]))
