"""Version helpers: comparable version tuples and the git hash of the working tree."""
from __future__ import annotations

import os
import re
import subprocess
from typing import Optional, Tuple

_PRE = {'a': -3, 'alpha': -3, 'b': -2, 'beta': -2, 'rc': -1, 'c': -1}


def digit_version(version_str: str, length: int = 4) -> Tuple[int, ...]:
    """A tuple that orders versions: '1.7.0' < '1.7.1rc1' < '1.7.1' (pre-releases: alpha < beta < rc < release).
    The release part is padded to ``length`` numbers, followed by (pre-release rank, number)."""
    m = re.match(r'^\s*v?(\d+(?:\.\d+)*)(?:[.-]?(a|alpha|b|beta|rc|c)(\d*))?', version_str)
    if m is None:
        raise ValueError(f'failed to parse version {version_str!r}')
    release = [int(x) for x in m.group(1).split('.')]
    if len(release) > length:
        raise ValueError(f'version {version_str!r} has more than {length} release numbers')
    release += [0] * (length - len(release))
    if m.group(2):
        release += [_PRE[m.group(2)], int(m.group(3) or 0)]
    else:
        release += [0, 0]
    return tuple(release)


def get_git_hash(fallback: str = 'unknown', digits: Optional[int] = None) -> str:
    """The commit hash of the git work tree the current directory is in (``fallback`` if there is none)."""
    if digits is not None and not isinstance(digits, int):
        raise TypeError('digits must be None or an integer')
    try:
        out = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=10,
                             env={**os.environ, 'LANGUAGE': 'C', 'LANG': 'C', 'LC_ALL': 'C'})
    except (OSError, subprocess.TimeoutExpired):
        return fallback
    sha = out.stdout.strip()
    if out.returncode != 0 or not sha:
        return fallback
    return sha[:digits] if digits is not None else sha


__all__ = ['digit_version', 'get_git_hash']
