"""``workbench print-config CONFIG [--cfg-options k=v ...]``: the fully resolved config."""
from __future__ import annotations


def add_parser(subparsers, parents=()):
    from workbench.config import DictAction
    parser = subparsers.add_parser(
        'print-config', parents=list(parents), help='print a config after _base_ merging and --cfg-options',
        description='Print a config with its _base_ files merged. CONFIG is a path or workbench::<method>/<file>.py '
                    'for a config shipped with workbench. Note: .py configs are executed as Python.')
    parser.add_argument('config', metavar='CONFIG', help='config file (.py/.json/.yaml) or workbench::<name>')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, metavar='KEY=VALUE',
                        help='override settings, e.g. model.backbone.depth=101 data.train.pipeline.0.type=X '
                             'workflow="[(train,1),(val,1)]"')
    parser.add_argument('--format', choices=['py', 'json', 'yaml'], default='py', help='output format')
    parser.add_argument('--origins', action='store_true',
                        help='list every value with the file it comes from, and the _base_ chain')
    return parser


def run(args) -> int:
    from workbench.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    if args.origins:
        print('# _base_ chain (merge order):')
        for path in cfg.base_chain:
            print(f'#   {path}')
        width = max((len(k) for k in cfg.key_origins()), default=0)
        for key, origin in cfg.key_origins().items():
            print(f'{key:<{width}}  {origin}')
        return 0
    if args.format == 'py':
        print(cfg.pretty_text, end='')
    else:
        from workbench import fileio
        print(fileio.dump(cfg.to_dict(), file_format=args.format, **({'indent': 2} if args.format == 'json' else {})))
    return 0
