"""Pieces shared by the subcommands: --cfg-options, config loading, output folders, device choice, saving figures.

Kept light at import time (argparse only); heavy imports happen inside the functions.
"""
from __future__ import annotations

import os
import os.path as osp
import sys
from typing import Optional


class CliError(Exception):
    """A user error with a ready-made hint: ``main`` prints ``error: ...`` and ``hint: ...``."""

    def __init__(self, message: str, hint: Optional[str] = None):
        super().__init__(message)
        self.hint = hint


def add_cfg_options(parser, flag: str = '--cfg-options') -> None:
    from workbench.config import DictAction
    parser.add_argument(flag, nargs='+', action=DictAction, default={}, metavar='KEY=VALUE', dest='cfg_options',
                        help='override config settings, e.g. data.samples_per_gpu=4 model.backbone.depth=50 '
                             'optimizer.lr=0.01; lists as a=[1,2] or a="[(1,2),(3,4)]"')


def add_config_arg(parser) -> None:
    parser.add_argument('config', metavar='CONFIG', help='config file, or workbench::<method>/<file>.py for one '
                                                         'shipped with workbench')


def load_config(path: str, cfg_options: Optional[dict] = None):
    """Config.fromfile + --cfg-options. A missing file is a FileNotFoundError naming it; an option that creates a
    new top-level key (often a typo such as ``modle.x=1``) gets a warning on stderr."""
    from workbench.config import Config, resolve_config_path

    resolved = resolve_config_path(path)
    if not osp.isfile(resolved):
        raise FileNotFoundError(f'config file not found: {path}' + (f' ({resolved})' if resolved != path else ''))
    cfg = Config.fromfile(path)
    if cfg_options:
        top = set(cfg.to_dict())
        for key in cfg_options:
            head = str(key).split('.')[0]
            if head not in top:
                print(f'warning: --cfg-options {key}: {head!r} is not a key of {path}; it is added as a new key '
                      f'(known keys: {", ".join(sorted(top))})', file=sys.stderr)
        cfg.merge_from_dict(cfg_options, source='--cfg-options')
    return cfg


def make_dir(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path


def default_device() -> str:
    import torch
    return 'cuda:0' if torch.cuda.is_available() else 'cpu'


def save_figure(fig, path: str, dpi: int = 100) -> str:
    """Write a matplotlib Figure (pyplot-managed or not) and release it."""
    import matplotlib.pyplot as plt
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches='tight')
    plt.close(fig)
    return path


def use_agg_backend() -> None:
    """Draw off-screen: the CLI never opens a window (and must work without a display)."""
    import matplotlib
    if 'matplotlib.pyplot' not in sys.modules:
        matplotlib.use('Agg')


def build_test_dataset(cfg, split: str = 'test'):
    """The dataset of ``data.<split>`` in test mode (no pipeline randomness, annotations still available)."""
    from workbench.datasets import build_dataset
    if split not in cfg.data:
        raise KeyError(f'the config has no data.{split}; add one or use --cfg-options to set it')
    data_cfg = cfg.to_dict()['data'][split]
    if isinstance(data_cfg, dict):
        data_cfg['test_mode'] = True
    return build_dataset(data_cfg)


def load_results(path: str, num_images: Optional[int] = None):
    """Detection results from a .pkl written by ``workbench test --out``, checked against the dataset size."""
    from workbench import fileio
    if not osp.isfile(path):
        raise FileNotFoundError(f'result file not found: {path}')
    if not path.endswith(('.pkl', '.pickle')):
        raise ValueError(f'{path}: expected a .pkl written by `workbench test --out results.pkl`')
    results = fileio.load(path)
    if not isinstance(results, list):
        raise ValueError(f'{path}: expected a list of per-image results, got {type(results).__name__}')
    if num_images is not None and len(results) != num_images:
        raise ValueError(f'{path} holds results for {len(results)} images but the dataset of the config has '
                         f'{num_images}; use the config the results were produced with')
    return results


def write_table(df, path: str, index: bool = False) -> str:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    df.to_csv(path, index=index)
    return path


def write_json(obj, path: str) -> str:
    import json

    import numpy as np

    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f'{type(o).__name__} is not JSON serialisable')

    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, default=default)
    return path
