"""``workbench train CONFIG``: train a detector as MMDetection 2.x's ``tools/train.py`` does.

Flow: config + --cfg-options; work_dir (--work-dir, else cfg.work_dir, else ./work_dirs/<config stem>); the config is
dumped into work_dir; ``TIMESTAMP.log`` (text) and ``TIMESTAMP.log.json`` (by the logger hook); env info, the config
text and the seed go into the checkpoint meta; the model is built and initialised, the training dataset built, its
CLASSES stored in checkpoint meta, and ``train_detector`` runs (validating unless --no-validate).
"""
from __future__ import annotations

import os
import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'train', parents=list(parents), help='train a detector (tools/train.py)',
        description='Train a detector from a config, writing logs, the config and checkpoints to a work dir.')
    add_config_arg(parser)
    parser.add_argument('--work-dir', help='the dir to save logs and models (default: cfg.work_dir or '
                                           './work_dirs/<config name>)')
    parser.add_argument('--resume-from', help='the checkpoint file to resume from (model, optimizer, epoch, ...)')
    parser.add_argument('--auto-resume', action='store_true',
                        help='resume from the latest checkpoint in the work dir automatically')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate the checkpoint during training (not suggested)')
    parser.add_argument('--seed', type=int, default=None, help='random seed (default: a random one, logged)')
    parser.add_argument('--diff-seed', action='store_true', help='whether or not to set different seeds per rank')
    parser.add_argument('--deterministic', action='store_true',
                        help='whether to set deterministic options for the CUDNN backend')
    add_cfg_options(parser)
    parser.add_argument('--options', nargs='+', help=argparse_suppress(), default=None)
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse_suppress())
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate linearly with the actual batch size (auto_scale_lr in the '
                             'config gives the base batch size)')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (float16 on CUDA, bfloat16 on CPU) with dynamic loss '
                             'scaling; same as fp16 = dict(loss_scale="dynamic") in the config')
    parser.add_argument('--device', default=None, help="device to train on, e.g. cpu or cuda (default: cuda when "
                                                       "available)")
    return parser


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS


def default_work_dir(config: str) -> str:
    stem = osp.splitext(osp.basename(config.split('::')[-1]))[0]
    return osp.join('.', 'work_dirs', stem)


def prepare_config(args):
    """The config with the command-line choices applied (as mmdet's tools/train.py does before training)."""
    import torch

    from ._common import load_config

    if args.options:
        raise ValueError('--options has been renamed --cfg-options; use --cfg-options KEY=VALUE ...')
    cfg = load_config(args.config, args.cfg_options)

    if args.auto_scale_lr:
        if 'auto_scale_lr' in cfg and 'base_batch_size' in cfg.auto_scale_lr:
            cfg.auto_scale_lr['enable'] = True
        else:
            raise KeyError('--auto-scale-lr needs auto_scale_lr = dict(base_batch_size=...) in the config '
                           '(workbench::_base_/default_runtime.py has it)')
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(args.config)
    if args.resume_from is not None:
        if not osp.isfile(args.resume_from):
            raise FileNotFoundError(f'--resume-from checkpoint not found: {args.resume_from}')
        cfg.resume_from = args.resume_from
    cfg.auto_resume = args.auto_resume
    if args.amp:
        cfg.fp16 = dict(loss_scale='dynamic')
    if args.device is not None:
        cfg.device = args.device
    elif cfg.get('device') is None:
        cfg.device = 'cuda' if torch.cuda.is_available() else 'cpu'

    return cfg


def run(args) -> int:
    import time

    from workbench.apis import init_random_seed, set_random_seed, train_detector
    from workbench.datasets import build_dataset
    from workbench.engine import get_dist_info, get_root_logger, init_dist
    from workbench.models import build_detector
    from workbench.utils import collect_env
    from workbench.utils.logging import log_file_handler

    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = prepare_config(args)
    if args.launcher == 'none':
        distributed = False
    else:
        distributed = True
        init_dist(args.launcher, **dict(cfg.get('dist_params', {}) or {}))
    rank, world_size = get_dist_info()
    cfg.gpu_ids = list(range(world_size))

    os.makedirs(osp.abspath(cfg.work_dir), exist_ok=True)
    config_name = osp.basename(args.config.split('::')[-1])
    if rank == 0:
        cfg.dump(osp.join(cfg.work_dir, config_name))
    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    log_file = osp.join(cfg.work_dir, f'{timestamp}.log')
    logger = get_root_logger(log_file=log_file, log_level=cfg.get('log_level', 'INFO'))
    # get_root_logger sets up its file once per process; a later run in the same process gets its own log file
    with log_file_handler(logger, log_file):
        meta = dict()
        env_info = '\n'.join(f'{k}: {v}' for k, v in collect_env().items())
        dash = '-' * 60
        logger.info('Environment info:\n' + dash + '\n' + env_info + '\n' + dash)
        meta['env_info'] = env_info
        meta['config'] = cfg.pretty_text
        logger.info(f'Distributed training: {distributed}')
        logger.info(f'Config:\n{cfg.pretty_text}')

        seed = init_random_seed(args.seed, device=cfg.device)
        seed = seed + rank if args.diff_seed else seed
        logger.info(f'Set random seed to {seed}, deterministic: {args.deterministic}')
        set_random_seed(seed, deterministic=args.deterministic)
        cfg.seed = seed
        meta['seed'] = seed
        meta['exp_name'] = config_name

        model = build_detector(cfg.model, train_cfg=cfg.get('train_cfg'), test_cfg=cfg.get('test_cfg'))
        model.init_weights()

        datasets = [build_dataset(cfg.data.train)]
        if len(cfg.get('workflow', [('train', 1)])) == 2:
            import copy
            val_dataset = copy.deepcopy(cfg.data.val)
            val_dataset.pipeline = cfg.data.train.pipeline
            datasets.append(build_dataset(val_dataset))
        import workbench
        if cfg.get('checkpoint_config') is not None:
            # the class names travel with every checkpoint, so init_detector/test can label results
            cfg.checkpoint_config['meta'] = dict(workbench_version=workbench.__version__,
                                                 CLASSES=datasets[0].CLASSES)
        meta['CLASSES'] = datasets[0].CLASSES
        model.CLASSES = datasets[0].CLASSES
        train_detector(model, datasets, cfg, distributed=distributed, validate=not args.no_validate,
                       timestamp=timestamp, meta=meta)
        if rank == 0:
            print(f'work dir: {cfg.work_dir}')
    return 0
