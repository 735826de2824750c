"""``workbench demo``: the main job. Generates the synthetic shapes dataset (cached), trains a small detector on
CPU, evaluates it (COCO metrics) and writes a report folder. ``--tour`` instead shows the environment, a packaged
config with where each value comes from, a config diff and the model registry."""
from __future__ import annotations

import collections
import os.path as osp

DEMO_CONFIG = 'workbench::retinanet/retinanet_r50_fpn_1x_coco.py'
# used while the method configs are not written yet: the dataset, schedule and runtime bases composed in place
FALLBACK_BASES = ['workbench::_base_/datasets/coco_detection.py', 'workbench::_base_/schedules/schedule_1x.py',
                  'workbench::_base_/default_runtime.py']


def add_parser(subparsers, parents=()):
    p = subparsers.add_parser('demo', parents=list(parents),
                              help='main job: synthetic data -> train -> evaluate -> report (offline, CPU)')
    p.add_argument('--out-dir', default='work_dirs/demo', help='report folder (default: work_dirs/demo)')
    p.add_argument('--data-dir', default='data/shapes', help='where the shapes dataset is generated (cached)')
    p.add_argument('--config', default=None, help='detector config (default: the packaged shapes RetinaNet)')
    p.add_argument('--num-train', type=int, default=300)
    p.add_argument('--num-val', type=int, default=60)
    p.add_argument('--epochs', type=int, default=None, help='override the config\'s max_epochs')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tour', action='store_true',
                   help='instead of training: show the environment, a config, a config diff and the registry')
    return p


def _section(title: str) -> None:
    print(f'\n== {title} ' + '=' * max(0, 74 - len(title)))


def run(args) -> int:
    if not getattr(args, 'tour', False):
        from workbench.apis.main_job import DEFAULT_CONFIG, run_main_job
        from workbench.cli.env import format_env
        from workbench.utils import collect_env
        _section('environment')
        print(format_env(collect_env()))
        _section('main job')
        metrics = run_main_job(out_dir=args.out_dir, data_dir=args.data_dir, config=args.config or DEFAULT_CONFIG,
                               num_train=args.num_train, num_val=args.num_val, epochs=args.epochs, seed=args.seed)
        return 0 if metrics.get('bbox_mAP_50', -1) >= 0 else 1
    return run_tour()


def run_tour() -> int:
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
