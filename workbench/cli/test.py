"""``workbench test CONFIG CHECKPOINT``: run a detector over ``data.test`` as MMDetection 2.x's ``tools/test.py``:
pickle the results (--out), evaluate them with ``dataset.evaluate`` (--eval), write the result files
(--format-only), draw GT and detections per image (--show-dir)."""
from __future__ import annotations

import os
import os.path as osp

from ._common import add_cfg_options, add_config_arg

# evaluation keys that configure the EvalHook, not dataset.evaluate
_HOOK_ONLY_KEYS = ('interval', 'tmpdir', 'start', 'gpu_collect', 'save_best', 'rule', 'dynamic_intervals', 'by_epoch',
                   'greater_keys', 'less_keys', 'out_dir', 'file_client_args')


def add_parser(subparsers, parents=()):
    from workbench.config import DictAction
    parser = subparsers.add_parser(
        'test', parents=list(parents), help='test (and evaluate) a checkpoint (tools/test.py)',
        description='Run a trained detector over the test split of a config. At least one of --out, --eval, '
                    '--format-only, --show-dir is needed.')
    add_config_arg(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the file containing evaluation metrics')
    parser.add_argument('--out', help='output result file in pickle format (.pkl)')
    parser.add_argument('--fuse-conv-bn', action='store_true',
                        help='fuse conv and bn layers; this slightly increases the inference speed')
    parser.add_argument('--format-only', action='store_true',
                        help='format the output results without evaluation (e.g. to submit them to a test server); '
                             'pass jsonfile_prefix through --eval-options')
    parser.add_argument('--eval', type=str, nargs='+',
                        help='evaluation metrics, which depend on the dataset, e.g. "bbox", "segm", "proposal" for '
                             'COCO, and "mAP", "recall" for PASCAL VOC')
    parser.add_argument('--show', action='store_true',
                        help='accepted with other outputs for compatibility; workbench never opens windows (use '
                             '--show-dir)')
    parser.add_argument('--show-dir', help='directory where painted images (GT dashed, detections solid) are saved')
    parser.add_argument('--show-score-thr', type=float, default=0.3, help='score threshold for drawing (default 0.3)')
    parser.add_argument('--gpu-collect', action='store_true', help='whether to use gpu to collect results')
    parser.add_argument('--tmpdir', help='tmp directory used for collecting results from multiple workers')
    add_cfg_options(parser)
    parser.add_argument('--eval-options', nargs='+', action=DictAction, default={}, metavar='KEY=VALUE',
                        help='keyword arguments for dataset.evaluate(), e.g. classwise=True iou_thrs="[0.5]"')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=_suppress())
    parser.add_argument('--device', default=None, help='cpu or cuda (default: cuda when available)')
    return parser


def _suppress():
    import argparse
    return argparse.SUPPRESS


def eval_kwargs_from(cfg, metrics, eval_options) -> dict:
    """cfg.evaluation without the hook-only keys, then the metrics asked for, then --eval-options."""
    kwargs = dict(cfg.get('evaluation', {}) or {})
    for key in _HOOK_ONLY_KEYS:
        kwargs.pop(key, None)
    kwargs.update(dict(eval_options or {}))
    kwargs['metric'] = metrics
    return kwargs


def draw_results(dataset, results, out_dir: str, score_thr: float, progress: bool = True) -> int:
    """One PNG per image: GT boxes dashed, detections with score >= ``score_thr`` solid. Returns the count."""
    from tqdm.auto import tqdm

    from workbench.visualization import imshow_gt_det_bboxes
    from workbench.widgets.gallery import load_image_rgb

    os.makedirs(out_dir, exist_ok=True)
    names = list(dataset.CLASSES) if getattr(dataset, 'CLASSES', None) else None
    for i in tqdm(range(len(results)), desc='drawing', unit='img', disable=not progress, leave=False):
        img = load_image_rgb(dataset, i)
        ann = dataset.get_ann_info(i)
        fname = osp.basename(dataset.data_infos[i]['filename'])
        out_file = osp.join(out_dir, osp.splitext(fname)[0] + '.png')
        imshow_gt_det_bboxes(img, ann, results[i], class_names=names, score_thr=score_thr, out_file=out_file,
                             channel_order='rgb')
    return len(results)


def run(args) -> int:
    import json
    import time

    import torch

    from workbench import fileio
    from workbench.apis import multi_gpu_test, replace_image_to_tensor, single_gpu_test
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.engine import get_dist_info, init_dist, load_checkpoint
    from workbench.models import build_detector
    from workbench.parallel import MMDataParallel, MMDistributedDataParallel
    from workbench.utils.memory_format import set_memory_format

    from ._common import CliError, load_config, use_agg_backend

    if not (args.out or args.eval or args.format_only or args.show_dir):
        if args.show:
            raise CliError('--show would open a window per image, which workbench never does',
                           'use --show-dir DIR to save the drawings instead')
        raise CliError('nothing to do: no --out, --eval, --format-only or --show-dir given',
                       'e.g. workbench test CONFIG CKPT --out results.pkl --eval bbox')
    if args.eval and args.format_only:
        raise CliError('--eval and --format-only cannot be both specified',
                       'use --format-only to write result files, or --eval to compute metrics')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise CliError(f'--out must be a .pkl or .pickle file, got {args.out}', 'e.g. --out results.pkl')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    use_agg_backend()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config, args.cfg_options)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    cfg.model.pretrained = None
    if cfg.model.get('neck'):
        necks = cfg.model.neck if isinstance(cfg.model.neck, list) else [cfg.model.neck]
        for neck in necks:
            if neck.get('rfp_backbone') and neck.rfp_backbone.get('pretrained'):
                neck.rfp_backbone.pretrained = None
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')

    if args.launcher == 'none':
        distributed = False
    else:
        distributed = True
        init_dist(args.launcher, **dict(cfg.get('dist_params', {}) or {}))
    rank, _ = get_dist_info()

    test_loader_cfg = dict(samples_per_gpu=1, workers_per_gpu=cfg.data.get('workers_per_gpu', 2), dist=distributed,
                           shuffle=False)
    test_cfg = cfg.to_dict()['data']['test']
    if isinstance(test_cfg, dict):
        test_cfg['test_mode'] = True
        test_loader_cfg['samples_per_gpu'] = test_cfg.pop('samples_per_gpu', 1)
        test_loader_cfg.update(cfg.data.get('test_dataloader', {}) or {})
        if test_loader_cfg['samples_per_gpu'] > 1:
            test_cfg['pipeline'] = replace_image_to_tensor(test_cfg['pipeline'])
    else:
        for c in test_cfg:
            c['test_mode'] = True
    dataset = build_dataset(test_cfg)
    data_loader = build_dataloader(dataset, **test_loader_cfg)

    cfg.model.train_cfg = None
    model = build_detector(cfg.model, test_cfg=cfg.get('test_cfg'))
    checkpoint = load_checkpoint(model, args.checkpoint, map_location='cpu')
    if args.fuse_conv_bn:
        from workbench.cnn.fuse_conv_bn import fuse_conv_bn
        model = fuse_conv_bn(model)
    meta = (checkpoint.get('meta') or {}) if isinstance(checkpoint, dict) else {}
    model.CLASSES = meta.get('CLASSES') or dataset.CLASSES
    set_memory_format(model, cfg.get('memory_format'))

    if not distributed:
        model = MMDataParallel(model.to(device), device_ids=[0] if device.startswith('cuda') else None)
        outputs = single_gpu_test(model, data_loader, show=args.show, out_dir=args.show_dir,
                                  show_score_thr=args.show_score_thr)
    else:
        model = MMDistributedDataParallel(model.to(device), device_ids=[torch.cuda.current_device()]
                                          if device.startswith('cuda') else None)
        gpu_collect = args.gpu_collect or (cfg.get('evaluation', {}) or {}).get('gpu_collect', False)
        outputs = multi_gpu_test(model, data_loader, args.tmpdir, gpu_collect)

    if rank != 0:
        return 0
    if args.show_dir:
        n = draw_results(dataset, outputs, args.show_dir, args.show_score_thr)
        print(f'drew {n} images into {args.show_dir}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        fileio.dump(outputs, args.out)
        print(f'writing results to {args.out}')
    kwargs = dict(args.eval_options or {})
    if args.format_only:
        files, tmp = dataset.format_results(outputs, **kwargs)
        print(f'result files: {files}')
        if tmp is not None:
            print('(written to a temporary folder that is removed at exit; pass --eval-options '
                  'jsonfile_prefix=PATH to keep them)')
    if args.eval:
        eval_kwargs = eval_kwargs_from(cfg, args.eval, kwargs)
        metric = dataset.evaluate(outputs, **eval_kwargs)
        print(dict(metric))
        metric_dict = dict(config=args.config, checkpoint=args.checkpoint, metric=dict(metric))
        if args.work_dir is not None:
            os.makedirs(args.work_dir, exist_ok=True)
            timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
            json_file = osp.join(args.work_dir, f'eval_{timestamp}.json')
            with open(json_file, 'w') as f:
                json.dump(metric_dict, f, indent=2, default=float)
            print(f'metrics written to {json_file}')
    return 0
