"""``workbench benchmark CONFIG CHECKPOINT`` (mmdet's ``tools/analysis_tools/benchmark.py``): inference speed of a
detector on the test split, forward + post-processing, data loading excluded, batch size 1. See
``workbench.analysis.speed.measure_fps``: --max-iter counts the timed iterations (after --num-warmup untimed
ones)."""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'benchmark', parents=list(parents), help='inference speed (ms/img, img/s)',
        description='Measure inference speed (forward + post-processing, without data loading) on the test split.')
    add_config_arg(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--repeat-num', type=int, default=1, help='number of repeated measurements; the mean and '
                                                                  'std of img/s over them are reported')
    parser.add_argument('--max-iter', type=int, default=2000, help='number of timed iterations (images)')
    parser.add_argument('--num-warmup', type=int, default=5, help='untimed iterations first (default 5)')
    parser.add_argument('--log-interval', type=int, default=50, help='interval of logging')
    parser.add_argument('--fuse-conv-bn', action='store_true',
                        help='fuse conv and bn layers; this slightly increases the inference speed')
    parser.add_argument('--device', default=None, help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--out', default=None, help='also write the measurements to this .json file')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='accepted for compatibility; the benchmark runs in this one process')
    add_cfg_options(parser)
    return parser


def run(args) -> int:
    import numpy as np
    import torch

    from workbench.analysis.speed import measure_fps
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.engine import load_checkpoint
    from workbench.models import build_detector
    from workbench.parallel import MMDataParallel

    from ._common import load_config, write_json

    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    if args.repeat_num < 1:
        raise ValueError(f'--repeat-num must be >= 1, got {args.repeat_num}')
    cfg = load_config(args.config, args.cfg_options)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    test_cfg = cfg.to_dict()['data']['test']
    test_cfg['test_mode'] = True
    test_cfg.pop('samples_per_gpu', None)
    dataset = build_dataset(test_cfg)
    data_loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=cfg.data.get('workers_per_gpu', 2),
                                   dist=False, shuffle=False)
    model_cfg = cfg.to_dict()['model']
    model_cfg['train_cfg'] = None
    model_cfg.pop('pretrained', None)
    runs = []
    for r in range(args.repeat_num):
        model = build_detector(model_cfg, test_cfg=cfg.get('test_cfg'))
        load_checkpoint(model, args.checkpoint, map_location='cpu')
        model = MMDataParallel(model.to(device), device_ids=[0] if device.startswith('cuda') else None)
        stats = measure_fps(model, data_loader, max_iter=args.max_iter, warmup=args.num_warmup,
                            fuse_conv_bn=args.fuse_conv_bn, log_interval=args.log_interval)
        print(f'Overall fps: {stats["img_per_s"]:.1f} img / s, times per image: {stats["ms_per_img"]:.1f} ms / img '
              f'({stats["images"]} images timed after {stats["warmup"]} warm-up, device {device}'
              f'{", conv+bn fused" if args.fuse_conv_bn else ""})')
        runs.append(stats)
    fps = np.array([s['img_per_s'] for s in runs])
    if args.repeat_num > 1:
        print(f'Mean of {args.repeat_num} runs: {fps.mean():.1f} img / s (std {fps.std():.1f}), '
              f'{np.mean([s["ms_per_img"] for s in runs]):.1f} ms / img')
    if args.out:
        write_json(dict(config=args.config, checkpoint=args.checkpoint, device=device,
                        fuse_conv_bn=args.fuse_conv_bn, mean_img_per_s=float(fps.mean()),
                        mean_ms_per_img=float(np.mean([s['ms_per_img'] for s in runs])), runs=runs), args.out)
        print(f'written to {args.out}')
    return 0
