"""Shared helpers of the benchmark scripts: timing, tables/CSV, machine description, model configs.

Every script compares the workbench with a peer *in the same process*, interleaving the two, so the ratio is
meaningful on a shared machine even when absolute times are not.
"""
from __future__ import annotations

import csv
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_OUT = ROOT / 'benchmarks' / 'results'


# ------------------------------------------------------------------------------------------------------- timing
def time_interleaved(fns, repeat, warmup=1):
    """Median wall time and median process CPU time (seconds) of each callable.

    After ``warmup`` calls of each, the callables run interleaved (A, B, A, B, ...) so that load from other users
    hits both alike. CPU time (all threads of this process) is reported too: on an oversubscribed machine it
    measures the work done, while wall time also counts the time the scheduler gave to other processes.
    Returns (wall_medians, cpu_medians).
    """
    for _ in range(warmup):
        for fn in fns:
            fn()
    wall = [[] for _ in fns]
    cpu = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall[i].append(time.perf_counter() - t0)
            cpu[i].append(time.process_time() - c0)
    return [statistics.median(t) for t in wall], [statistics.median(t) for t in cpu]


# ------------------------------------------------------------------------------------------------ tables, CSV
def print_table(rows, columns, title=None):
    """Plain-text table of dict rows (only ``columns``)."""
    cells = [[_fmt(r.get(c, '')) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    if title:
        print(f'\n{title}')
    print('  '.join(c.ljust(w) for c, w in zip(columns, widths)))
    print('  '.join('-' * w for w in widths))
    for row in cells:
        print('  '.join(v.ljust(w) for v, w in zip(row, widths)))
    sys.stdout.flush()


def markdown_table(rows, columns):
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '|'.join('---' for _ in columns) + '|']
    for r in rows:
        lines.append('| ' + ' | '.join(_fmt(r.get(c, '')) for c in columns) + ' |')
    return '\n'.join(lines)


def _fmt(v):
    if isinstance(v, float):
        if v != v:
            return 'nan'
        return f'{v:.3f}' if abs(v) < 100 else f'{v:.1f}'
    return str(v)


def write_csv(path, rows, columns):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction='ignore')
        w.writeheader()
        for r in rows:
            w.writerow({c: (f'{r[c]:.6g}' if isinstance(r.get(c), float) else r.get(c, '')) for c in columns})
    print(f'wrote {path}')
    return path


# -------------------------------------------------------------------------------------------------- machine
def machine_info():
    """CPU model, core count, torch/torchvision versions, thread count, date and git commit."""
    import torch
    import torchvision
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith('Model name:'):
                cpu = line.split(':', 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=ROOT,
                                timeout=10).stdout.strip() or 'unknown'
    except (OSError, subprocess.SubprocessError):
        commit = 'unknown'
    cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'
    return dict(cpu=cpu, cores=os.cpu_count(), torch_threads=torch.get_num_threads(), torch=torch.__version__,
                torchvision=torchvision.__version__, python=platform.python_version(), cuda_device=cuda,
                date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), commit=commit)


def add_common_args(parser, default_name):
    parser.add_argument('--out-dir', default=str(DEFAULT_OUT),
                        help=f'folder for the CSV ({default_name}.csv); created when missing')
    parser.add_argument('--threads', type=int, default=0, help='torch CPU threads (0 = torch default)')
    return parser


def setup_threads(n):
    import torch
    if n > 0:
        torch.set_num_threads(n)


# ----------------------------------------------------------------------------------------- workbench models
_R50 = dict(type='ResNet', depth=50, num_stages=4, out_indices=(0, 1, 2, 3), frozen_stages=1,
            norm_cfg=dict(type='BN', requires_grad=True), norm_eval=True, style='pytorch', init_cfg=None)


def packaged_model_cfg(name):
    """The model dict of a packaged config (``workbench::NAME``) without pretrained weights, or None when the
    config is not there (the hand-written dicts below are the same mmdet 2.x models)."""
    from workbench.config import Config
    try:
        cfg = Config.fromfile(f'workbench::{name}')
    except (FileNotFoundError, OSError, ValueError):
        return None
    model = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(cfg.model)
    model['backbone']['init_cfg'] = None  # random weights: nothing to download
    model.pop('pretrained', None)
    return model


def retinanet_cfg(depth=50, num_classes=80, score_thr=0.05, nms_pre=1000, max_per_img=100):
    """mmdet 2.x ``retinanet_r50_fpn_1x_coco`` model (the packaged config when present); depth 18 gives
    ``retinanet_r18_fpn_1x_coco`` (ResNet-18, FPN inputs 64..512)."""
    in_channels = [256, 512, 1024, 2048] if depth >= 50 else [64, 128, 256, 512]
    model = packaged_model_cfg('retinanet/retinanet_r50_fpn_1x_coco.py')
    if model is not None:
        model['backbone']['depth'] = depth
        model['neck']['in_channels'] = in_channels
        model['bbox_head']['num_classes'] = num_classes
        model['test_cfg'].update(nms_pre=nms_pre, score_thr=score_thr, max_per_img=max_per_img)
        return model
    return dict(
        type='RetinaNet',
        backbone=dict(_R50, depth=depth),
        neck=dict(type='FPN', in_channels=in_channels, out_channels=256, start_level=1, add_extra_convs='on_input',
                  num_outs=5),
        bbox_head=dict(
            type='RetinaHead', num_classes=num_classes, in_channels=256, stacked_convs=4, feat_channels=256,
            anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=3,
                                  ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32, 64, 128]),
            bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0], target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
                                     ignore_iof_thr=-1),
                       allowed_border=-1, pos_weight=-1, debug=False),
        test_cfg=dict(nms_pre=nms_pre, min_bbox_size=0, score_thr=score_thr, nms=dict(type='nms', iou_threshold=0.5),
                      max_per_img=max_per_img))


def faster_rcnn_cfg(num_classes=80, rcnn_score_thr=0.05, max_per_img=100, sampling_ratio=0):
    """mmdet 2.x ``faster_rcnn_r50_fpn_1x_coco`` model (the packaged config when present)."""
    model = packaged_model_cfg('faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py')
    if model is not None:
        model['roi_head']['bbox_roi_extractor']['roi_layer']['sampling_ratio'] = sampling_ratio
        model['roi_head']['bbox_head']['num_classes'] = num_classes
        model['test_cfg']['rcnn'].update(score_thr=rcnn_score_thr, max_per_img=max_per_img)
        return model
    assigner = dict(type='MaxIoUAssigner', match_low_quality=False, ignore_iof_thr=-1)
    return dict(
        type='FasterRCNN',
        backbone=dict(_R50),
        neck=dict(type='FPN', in_channels=[256, 512, 1024, 2048], out_channels=256, num_outs=5),
        rpn_head=dict(
            type='RPNHead', in_channels=256, feat_channels=256,
            anchor_generator=dict(type='AnchorGenerator', scales=[8], ratios=[0.5, 1.0, 2.0],
                                  strides=[4, 8, 16, 32, 64]),
            bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0], target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        roi_head=dict(
            type='StandardRoIHead',
            bbox_roi_extractor=dict(type='SingleRoIExtractor',
                                    roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=sampling_ratio),
                                    out_channels=256, featmap_strides=[4, 8, 16, 32]),
            bbox_head=dict(
                type='Shared2FCBBoxHead', in_channels=256, fc_out_channels=1024, roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                                target_stds=[0.1, 0.1, 0.2, 0.2]),
                reg_class_agnostic=False,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
        train_cfg=dict(
            rpn=dict(assigner=dict(assigner, pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3, match_low_quality=True),
                     sampler=dict(type='RandomSampler', num=256, pos_fraction=0.5, neg_pos_ub=-1,
                                  add_gt_as_proposals=False),
                     allowed_border=-1, pos_weight=-1, debug=False),
            rpn_proposal=dict(nms_pre=2000, max_per_img=1000, nms=dict(type='nms', iou_threshold=0.7), min_bbox_size=0),
            rcnn=dict(assigner=dict(assigner, pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0.5),
                      sampler=dict(type='RandomSampler', num=512, pos_fraction=0.25, neg_pos_ub=-1,
                                   add_gt_as_proposals=True),
                      pos_weight=-1, debug=False)),
        test_cfg=dict(
            rpn=dict(nms_pre=1000, max_per_img=1000, nms=dict(type='nms', iou_threshold=0.7), min_bbox_size=0),
            rcnn=dict(score_thr=rcnn_score_thr, nms=dict(type='nms', iou_threshold=0.5), max_per_img=max_per_img)))


def build_workbench(cfg):
    """Build a detector from a model dict, with random (re-initialised) weights."""
    from workbench.models import build_detector
    model = build_detector(cfg)
    model.init_weights()
    return model


# --------------------------------------------------------------------------------------- torchvision models
def torchvision_resnet_fpn(depth, trainable_layers, returned_layers, extra_blocks, frozen_bn):
    """torchvision ResNet-FPN backbone built from its public pieces. frozen_bn/trainable_layers=3 is the
    configuration torchvision trains its COCO detectors with (and what mmdet's frozen_stages=1, norm_eval=True
    means)."""
    from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
    from torchvision.ops import FrozenBatchNorm2d
    from torch import nn
    return resnet_fpn_backbone(backbone_name=f'resnet{depth}', weights=None,
                               norm_layer=FrozenBatchNorm2d if frozen_bn else nn.BatchNorm2d,
                               trainable_layers=trainable_layers, returned_layers=returned_layers,
                               extra_blocks=extra_blocks)


_WB_TO_TV_NAMES = [  # (workbench / mmdet prefix pattern, torchvision replacement), first match wins
    (r'^backbone\.', 'backbone.body.'),
    (r'^neck\.lateral_convs\.(\d+)\.conv\.', r'backbone.fpn.inner_blocks.\1.0.'),
    (r'^rpn_head\.rpn_conv\.', 'rpn.head.conv.0.0.'),
    (r'^rpn_head\.rpn_cls\.', 'rpn.head.cls_logits.'),
    (r'^rpn_head\.rpn_reg\.', 'rpn.head.bbox_pred.'),
    (r'^roi_head\.bbox_head\.shared_fcs\.0\.', 'roi_heads.box_head.fc6.'),
    (r'^roi_head\.bbox_head\.shared_fcs\.1\.', 'roi_heads.box_head.fc7.'),
    (r'^bbox_head\.cls_convs\.(\d+)\.conv\.', r'head.classification_head.conv.\1.0.'),
    (r'^bbox_head\.reg_convs\.(\d+)\.conv\.', r'head.regression_head.conv.\1.0.'),
    (r'^bbox_head\.retina_cls\.', 'head.classification_head.cls_logits.'),
    (r'^bbox_head\.retina_reg\.', 'head.regression_head.bbox_reg.'),
]


def copy_weights_to_torchvision(wb_model, tv_model):
    """Load the workbench model's weights into the torchvision model of the same architecture, so that both run
    the same network: with random weights of their own the two RPNs would propose differently placed boxes, and
    RoIAlign's cost depends on where the RoIs fall (FPN level, cache locality), which is not what is measured.

    FPN outputs map level by level (RetinaNet's P6/P7 convs to torchvision's extra block); mmdet's softmax head
    puts the background class last and regresses 4 numbers per foreground class, torchvision puts it first and
    also regresses it (those 4 rows get zeros, they are never used); torchvision's box-coder weights (10, 10, 5, 5)
    are the reciprocals of mmdet's target_stds (0.1, 0.1, 0.2, 0.2), so the regression rows copy unchanged.
    Keys torchvision lacks (BatchNorm's num_batches_tracked when it uses FrozenBatchNorm2d) are skipped."""
    import re

    import torch
    wb_sd, tv_sd = wb_model.state_dict(), tv_model.state_dict()
    num_laterals = sum(1 for k in wb_sd if re.match(r'^neck\.lateral_convs\.\d+\.conv\.weight$', k))
    out, done = {}, set()
    for key, value in wb_sd.items():
        fpn = re.match(r'^neck\.fpn_convs\.(\d+)\.conv\.(\w+)$', key)
        if fpn:
            i, param = int(fpn.group(1)), fpn.group(2)
            name = (f'backbone.fpn.layer_blocks.{i}.0.{param}' if i < num_laterals
                    else f'backbone.fpn.extra_blocks.p{6 + i - num_laterals}.{param}')
        elif key.startswith('roi_head.bbox_head.fc_cls.'):
            name = 'roi_heads.box_predictor.cls_score.' + key.rsplit('.', 1)[1]
            value = torch.cat([value[-1:], value[:-1]])  # background last -> first
        elif key.startswith('roi_head.bbox_head.fc_reg.'):
            name = 'roi_heads.box_predictor.bbox_pred.' + key.rsplit('.', 1)[1]
            value = torch.cat([value.new_zeros((4,) + value.shape[1:]), value])
        else:
            for pattern, repl in _WB_TO_TV_NAMES:
                if re.match(pattern, key):
                    name = re.sub(pattern, repl, key)
                    break
            else:
                raise KeyError(f'copy_weights_to_torchvision: no torchvision name for {key!r}')
        if name not in tv_sd:
            if key.endswith('num_batches_tracked'):
                continue
            raise KeyError(f'copy_weights_to_torchvision: {key!r} maps to {name!r}, which torchvision lacks')
        if tv_sd[name].shape != value.shape:
            raise ValueError(f'copy_weights_to_torchvision: {key!r} {tuple(value.shape)} vs {name!r} '
                             f'{tuple(tv_sd[name].shape)}')
        out[name] = value
        done.add(name)
    missing = [k for k in tv_sd if k not in done and not k.endswith('num_batches_tracked')]
    if missing:
        raise KeyError(f'copy_weights_to_torchvision: torchvision weights left unset: {missing[:5]}')
    tv_model.load_state_dict(out, strict=False)
    return tv_model


def bypass_torchvision_transform(model):
    """Make torchvision's GeneralizedRCNNTransform pass a normalised, already-sized batch through unchanged
    (only batching), so both libraries get the same input tensor and neither pays for resizing/normalising."""
    t = model.transform
    t.normalize = lambda image: image
    t.resize = lambda image, target=None: (image, target)
    # batch_images pads to a multiple of 32; the inputs here already are
    return model


def seed_all(seed=0):
    import random

    import numpy as np
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
