"""work_dir helpers: ``find_latest_checkpoint`` for ``auto_resume`` (mmdet 2.x semantics)."""
from __future__ import annotations

import glob
import os.path as osp
import re
import warnings
from typing import Optional


def find_latest_checkpoint(path: str, suffix: str = 'pth') -> Optional[str]:
    """``path/latest.pth`` if present, else the ``*_N.pth`` with the largest N (epoch_12.pth, iter_500.pth), else
    None. A missing folder gives None with a warning."""
    if not osp.exists(path):
        warnings.warn(f'The path of checkpoints does not exist: {path}')
        return None
    latest = osp.join(path, f'latest.{suffix}')
    if osp.exists(latest):
        return latest
    best, best_count = None, -1
    for checkpoint in glob.glob(osp.join(path, f'*.{suffix}')):
        match = re.search(r'_(\d+)\.' + re.escape(suffix) + '$', osp.basename(checkpoint))
        if match is None:
            continue
        count = int(match.group(1))
        if count > best_count:
            best, best_count = checkpoint, count
    return best
