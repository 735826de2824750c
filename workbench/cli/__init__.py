"""The ``workbench`` command line: ``workbench <subcommand> ...``.

To add a subcommand ``foo-bar``: write ``workbench/cli/foo_bar.py`` with ``add_parser(subparsers)`` (which calls
``subparsers.add_parser('foo-bar', help=..., parents=parents)`` with the ``parents`` it is given as a keyword
argument, and returns the parser) and ``run(args) -> int`` (the exit status), then add ``'foo-bar'`` to SUBCOMMANDS.
Modules import heavy dependencies inside ``run`` so ``workbench --help`` stays fast. An exception from ``run``
becomes one ``error:`` line plus a ``hint:`` line (exit status 1); ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import List, Optional

SUBCOMMANDS = ['env', 'print-config', 'demo', 'publish-model', 'make-shapes', 'train', 'test', 'dist-train',
               'dist-test', 'browse-dataset', 'image-demo', 'analyze-logs', 'analyze-results', 'confusion-matrix',
               'error-analysis', 'get-flops', 'benchmark', 'optimize-anchors', 'dataset-stats']


def _module(name: str):
    return importlib.import_module(f'{__name__}.{name.replace("-", "_")}')


def _common_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a --debug given before the subcommand is not reset by the subparser's default
    common.add_argument('--debug', action='store_true', default=argparse.SUPPRESS,
                        help='show the full traceback when something fails')
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_parser()
    import workbench
    parser = argparse.ArgumentParser(prog='workbench', parents=[common],
                                     description='Object-detection workbench with MMDetection 2.x semantics.')
    parser.add_argument('--version', action='version', version=f'workbench {workbench.__version__}')
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    for name in SUBCOMMANDS:
        sub = _module(name).add_parser(subparsers, parents=[common])
        sub.set_defaults(_run=_module(name).run)
    return parser


def _hint(e: BaseException) -> str:
    from workbench.config import ConfigSyntaxError
    if getattr(e, 'hint', None):  # subcommands may attach a specific hint (workbench.cli._common.CliError)
        return e.hint
    if isinstance(e, ConfigSyntaxError):
        return 'fix the config file at the line shown'
    if isinstance(e, FileNotFoundError):
        return ('check the path; configs shipped with workbench are named workbench::<method>/<file>.py '
                '(e.g. workbench::_base_/schedules/schedule_1x.py)')
    if isinstance(e, KeyError):
        return 'check the key or type name in your config or --cfg-options'
    if isinstance(e, ImportError):
        return 'is the package installed in this environment? (bash dev.sh env installs everything)'
    return 'run again with --debug to see where it failed'


def _message(e: BaseException) -> str:
    if isinstance(e, KeyError) and len(e.args) == 1 and isinstance(e.args[0], str):
        return e.args[0]  # str(KeyError) would add quotes
    return str(e) or type(e).__name__


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, '_run', None) is None:
        parser.print_help()
        return 2
    debug = getattr(args, 'debug', False)
    try:
        return int(args._run(args) or 0)
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours; keep Python from complaining at exit
        sys.stdout = open(os.devnull, 'w')  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the CLI turns any failure into one readable line
        if debug:
            raise
        first_line, *rest = _message(e).splitlines() or ['']
        print(f'workbench {args.command}: error: {type(e).__name__}: {first_line}', file=sys.stderr)
        for line in rest:
            print(f'    {line}', file=sys.stderr)
        hint = _hint(e)
        print(f'hint: {hint}' + ('' if '--debug' in hint else ' (add --debug for the traceback)'), file=sys.stderr)
        return 1


