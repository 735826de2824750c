"""``workbench dist-train CONFIG N [train args]``: ``workbench train`` on N processes via torch.distributed.run
(mmdet's ``tools/dist_train.sh``). gloo on CPU, nccl on GPU (one process per GPU)."""
from __future__ import annotations

import argparse


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'dist-train', parents=list(parents), help='distributed training on N processes (tools/dist_train.sh)',
        description='Run `workbench train CONFIG --launcher pytorch [train args]` on N processes with '
                    'torch.distributed.run. Environment: PORT (default 29500), NNODES, NODE_RANK, MASTER_ADDR.')
    parser.add_argument('config', metavar='CONFIG', help='config file')
    parser.add_argument('gpus', metavar='N', type=int, help='number of processes (GPUs) per node')
    parser.add_argument('--port', type=int, default=None, help='master port (default: $PORT or 29500)')
    parser.add_argument('--dry-run', action='store_true', help='print the command without running it')
    parser.add_argument('extra_args', nargs=argparse.REMAINDER, metavar='...',
                        help='further `workbench train` arguments')
    return parser


def run(args) -> int:
    from ._launch import launch, split_launcher_options, torchrun_command
    extra = split_launcher_options(args)
    cmd = torchrun_command('train', [args.config], args.gpus, extra, args.port)
    return launch(cmd, args.dry_run)
