"""``workbench get-flops CONFIG [--shape H W]`` (mmdet's ``tools/analysis_tools/get_flops.py``): operation and
parameter counts of a detector for one input image, per module and in total.

Units: **FLOPs** here count 2 per multiply-add (torch's FlopCounterMode); **MACs** (multiply-adds) = FLOPs / 2 are
what mmdet's get_flops prints under the name "Flops". Both are printed. Normalisation, activations, pooling and
element-wise ops are not counted; ``forward_dummy`` is run (no NMS), so the count of two-stage detectors assumes
their fixed number of dummy proposals.
"""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'get-flops', parents=list(parents), help='FLOPs / MACs and parameters of a model (table + totals)',
        description=__doc__.split('\n\n', 1)[1])
    add_config_arg(parser)
    parser.add_argument('--shape', type=int, nargs='+', default=[1280, 800], help='input image size: H W or S')
    parser.add_argument('--size-divisor', type=int, default=32,
                        help='pad the input shape to a multiple of this (as the test pipeline does); 0: no pad')
    parser.add_argument('--max-depth', type=int, default=2, help='module nesting depth shown in the printed table')
    parser.add_argument('--out-dir', default=None, help='write complexity.csv (every module) and complexity.json '
                                                       '(totals) here')
    add_cfg_options(parser)
    return parser


def run(args) -> int:
    import pandas as pd

    from workbench.analysis.complexity import input_shape_from, model_complexity
    from workbench.cnn.complexity import _format, params_to_string

    from ._common import load_config, write_json, write_table

    if len(args.shape) not in (1, 2):
        raise ValueError(f'--shape takes H W or one size S, got {args.shape}')
    cfg = load_config(args.config, args.cfg_options)
    shape = input_shape_from(args.shape)
    padded = input_shape_from(args.shape, args.size_divisor or None)
    table, totals = model_complexity(cfg, padded)
    shown = table[table.depth <= args.max_depth]
    with pd.option_context('display.max_rows', None, 'display.width', 160):
        print(shown.to_string(index=False, formatters={'flops_%': '{:.2f}'.format, 'params_%': '{:.2f}'.format}))
    line = '=' * 30
    print(line)
    if padded != shape:
        print(f'Input shape: {shape} padded to {padded} (--size-divisor {args.size_divisor})')
    else:
        print(f'Input shape: {padded}')
    print(f'Flops: {_format(totals["flops"], "FLOPs")}  (2 per multiply-add)')
    print(f'MACs: {_format(totals["macs"], "MACs")}  (multiply-adds; what mmdet get_flops reports as "Flops")')
    print(f'Params: {params_to_string(totals["params"])}')
    print(line)
    print('Counted with torch FlopCounterMode on forward_dummy: convolutions and matrix products only; use the '
          'result for comparisons, and check it before quoting it.')
    if args.out_dir:
        write_table(table, osp.join(args.out_dir, 'complexity.csv'))
        write_json(dict(totals, input_shape_requested=list(shape), config=args.config),
                   osp.join(args.out_dir, 'complexity.json'))
        print(f'written to {args.out_dir}: complexity.csv, complexity.json')
    return 0
