"""Launching a subcommand on N processes with ``torch.distributed.run`` (torchrun), as mmdet's dist_train.sh /
dist_test.sh do. Environment as in those scripts: PORT (29500), NNODES (1), NODE_RANK (0), MASTER_ADDR
(127.0.0.1)."""
from __future__ import annotations

import os
import sys
from typing import List, Optional


def split_launcher_options(args) -> List[str]:
    """Take ``--port P`` / ``--dry-run`` out of the forwarded arguments (argparse leaves them there when they come
    after the positionals) and set them on ``args``; returns the rest."""
    rest, extra = [], list(args.extra_args)
    while extra:
        item = extra.pop(0)
        if item == '--dry-run':
            args.dry_run = True
        elif item == '--port' and extra:
            args.port = int(extra.pop(0))
        elif item.startswith('--port='):
            args.port = int(item.split('=', 1)[1])
        else:
            rest.append(item)
    return rest


def torchrun_command(subcommand: str, positional: List[str], nproc: int, extra: List[str],
                     port: Optional[int] = None) -> List[str]:
    """The argv that runs ``workbench <subcommand> <positional> --launcher pytorch <extra>`` on ``nproc`` processes
    per node."""
    if nproc < 1:
        raise ValueError(f'the number of processes must be >= 1, got {nproc}')
    if '--launcher' in extra:
        raise ValueError('--launcher is set by dist-train/dist-test (pytorch); do not pass it')
    port = int(port if port is not None else os.environ.get('PORT', 29500))
    return [sys.executable, '-m', 'torch.distributed.run',
            f'--nnodes={os.environ.get("NNODES", 1)}', f'--node_rank={os.environ.get("NODE_RANK", 0)}',
            f'--master_addr={os.environ.get("MASTER_ADDR", "127.0.0.1")}', f'--nproc_per_node={nproc}',
            f'--master_port={port}', '-m', 'workbench.cli', subcommand, *positional, '--launcher', 'pytorch', *extra]


def launch(cmd: List[str], dry_run: bool = False) -> int:
    import shlex
    import subprocess
    print(' '.join(shlex.quote(c) for c in cmd), flush=True)
    if dry_run:
        return 0
    # the children must import this checkout's workbench, as dist_train.sh prepends the repository to PYTHONPATH
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env['PYTHONPATH'] = root + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    return subprocess.call(cmd, env=env)
