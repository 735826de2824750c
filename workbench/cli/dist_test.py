"""``workbench dist-test CONFIG CHECKPOINT N [test args]``: ``workbench test`` on N processes via
torch.distributed.run (mmdet's ``tools/dist_test.sh``); rank 0 gathers the results in dataset order."""
from __future__ import annotations

import argparse


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'dist-test', parents=list(parents), help='distributed testing on N processes (tools/dist_test.sh)',
        description='Run `workbench test CONFIG CHECKPOINT --launcher pytorch [test args]` on N processes with '
                    'torch.distributed.run. Environment: PORT (default 29500), NNODES, NODE_RANK, MASTER_ADDR.')
    parser.add_argument('config', metavar='CONFIG', help='config file')
    parser.add_argument('checkpoint', metavar='CHECKPOINT', help='checkpoint file')
    parser.add_argument('gpus', metavar='N', type=int, help='number of processes (GPUs) per node')
    parser.add_argument('--port', type=int, default=None, help='master port (default: $PORT or 29500)')
    parser.add_argument('--dry-run', action='store_true', help='print the command without running it')
    parser.add_argument('extra_args', nargs=argparse.REMAINDER, metavar='...',
                        help='further `workbench test` arguments')
    return parser


def run(args) -> int:
    from ._launch import launch, split_launcher_options, torchrun_command
    extra = split_launcher_options(args)
    cmd = torchrun_command('test', [args.config, args.checkpoint], args.gpus, extra, args.port)
    return launch(cmd, args.dry_run)
