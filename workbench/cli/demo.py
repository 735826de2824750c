"""``workbench demo``: the main job. For now: the environment, a packaged config with where each value comes from,
a config diff and the model registry. (Later: train + evaluate + report on the synthetic dataset.)"""
from __future__ import annotations

import collections
import os.path as osp

DEMO_CONFIG = 'workbench::retinanet/retinanet_r50_fpn_1x_coco.py'
# used while the method configs are not written yet: the dataset, schedule and runtime bases composed in place
FALLBACK_BASES = ['workbench::_base_/datasets/coco_detection.py', 'workbench::_base_/schedules/schedule_1x.py',
                  'workbench::_base_/default_runtime.py']


def add_parser(subparsers, parents=()):
    return subparsers.add_parser('demo', parents=list(parents),
                                 help='show the environment, a packaged config, a config diff and the model registry')


def _section(title: str) -> None:
    print(f'\n== {title} ' + '=' * max(0, 74 - len(title)))


def run(args) -> int:
    from workbench.cli.env import format_env
    from workbench.config import Config, resolve_config_path
    from workbench.utils import collect_env

    _section('environment')
    print(format_env(collect_env()))

    _section('config')
    if osp.isfile(resolve_config_path(DEMO_CONFIG)):
        cfg = Config.fromfile(DEMO_CONFIG)
        print(f'{DEMO_CONFIG} -> {cfg.filename}')
    else:
        cfg = Config.fromstring(f'_base_ = {FALLBACK_BASES!r}\n', 'py')
        print(f'({DEMO_CONFIG} is not available yet; composing {", ".join(FALLBACK_BASES)})')
    print('_base_ chain (merge order):')
    for path in cfg.base_chain:
        print(f'  {path}')
    counts = collections.Counter(cfg.key_origins().values())
    print('values per file:')
    for path, n in counts.items():
        print(f'  {n:4d}  {path}')
    print(f'optimizer = {cfg.optimizer}')
    print(f'lr_config = {cfg.lr_config}')

    _section('Config.diff(schedule_1x, schedule_2x)')
    print(Config.diff('workbench::_base_/schedules/schedule_1x.py', 'workbench::_base_/schedules/schedule_2x.py'),
          end='')

    _section('model registry')
    try:
        import workbench.models  # noqa: F401 - registers the models
    except ImportError as e:
        print(f'(workbench.models could not be imported: {e})')
    from workbench.registry import MODELS
    table = MODELS.to_dataframe()
    if len(table):
        import pandas as pd
        with pd.option_context('display.max_rows', None, 'display.width', 160, 'display.max_colwidth', 60):
            print(table[['name', 'module', 'summary']].to_string(index=False))
    else:
        print('(no models registered yet)')
    return 0
