"""``workbench publish-model IN OUT``: strip the optimizer state and name the file with its sha256 prefix
(mmdet's tools/model_converters/publish_model.py): ``OUT.pth`` becomes ``OUT-<8 hex>.pth``."""
from __future__ import annotations


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'publish-model', parents=list(parents), help='strip a checkpoint for release and add its sha256 suffix',
        description='Remove the optimizer state (and resumption state) from a training checkpoint, save it and '
                    'rename it to OUT-<first 8 hex digits of its sha256>.pth, as MMDetection publishes models.')
    parser.add_argument('in_file', help='input checkpoint (e.g. work_dirs/x/latest.pth)')
    parser.add_argument('out_file', help='output name (e.g. retinanet_r50_fpn_1x.pth)')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='allow checkpoints that pickle arbitrary Python objects (only for files you trust)')
    return parser


def run(args) -> int:
    from workbench.engine.checkpoint import publish_checkpoint

    final = publish_checkpoint(args.in_file, args.out_file, weights_only=not args.unsafe_load)
    print(final)
    return 0
