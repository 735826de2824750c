"""Plot curves or the training time from log.json files: python tools/analysis_tools/analyze_logs.py
plot_curve|cal_train_time LOG.json ...

A thin wrapper with MMDetection 2.x's path and argument names: it runs `workbench analyze-logs ...` (see `workbench
analyze-logs --help` and docs/cli.md)."""
import os.path as osp
import sys

# this checkout's workbench first, as mmdet's tools put their repository on the path
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from workbench.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(['analyze-logs'] + sys.argv[1:]))
