"""``workbench env``: Python, PyTorch, TorchVision, CUDA, CuPy, OpenCV and workbench versions."""
from __future__ import annotations

SKIPPED_UNLESS_FULL = ('PyTorch compiling details',)


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser('env', parents=list(parents), help='show versions and devices (for bug reports)')
    parser.add_argument('--full', action='store_true', help="also show PyTorch's compiling details")
    return parser


def format_env(env, full: bool = False) -> str:
    lines = []
    for key, value in env.items():
        if key in SKIPPED_UNLESS_FULL and not full:
            continue
        lines.append(f'{key}: {value}')
    return '\n'.join(lines)


def run(args) -> int:
    from workbench.utils import collect_env
    print(format_env(collect_env(), full=args.full))
    return 0
