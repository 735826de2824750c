"""CPU inference of whole detectors, workbench vs torchvision, same input, same post-processing thresholds.

    python benchmarks/inference.py [--repeat N] [--warmup N] [--cases a,b] [--quick] [--out-dir DIR]

Cases (random weights, batch 1, eval mode, torch.inference_mode):
  retinanet_r50_fpn  800x1216: workbench RetinaNet (mmdet retinanet_r50_fpn_1x) vs torchvision retinanet_resnet50_fpn
                              (its P6/P7 block switched to C5 input, as mmdet's; see build_pair)
  faster_rcnn_r50_fpn 800x1216: workbench FasterRCNN (mmdet faster_rcnn_r50_fpn_1x) vs torchvision
                              fasterrcnn_resnet50_fpn
  retinanet_r18_fpn  320x320: the small CPU model, workbench RetinaNet R18-FPN vs torchvision's RetinaNet class on a
                              resnet18 FPN backbone (same architecture; torchvision ships no R18 RetinaNet builder)

Same weights: the torchvision model gets the workbench model's random weights (_common.copy_weights_to_torchvision),
so both compute the same features (bit for bit up to torchvision's rounded anchors) and their RPNs propose the same
boxes. With weights of their own the proposals differ, and with them where RoIAlign samples and what it costs.

Fixing the number of detections: with random weights the class scores sit near the focal-loss prior (~0.01) or
1/81, so the usual score threshold 0.05 would leave no boxes and the timing would skip all post-processing. Both
libraries therefore run with score threshold 0: every level keeps its top 1000 candidates (RetinaNet; RPN: 1000 per
level, 1000 after NMS 0.7), class-wise NMS at IoU 0.5 and at most 100 detections, so each image ends with exactly
100 detections in both (the table prints the counts). torchvision's GeneralizedRCNNTransform is bypassed (no resize,
no normalisation; see _common.bypass_torchvision_transform) because both models get the same normalised
800x1216 tensor, whose sides are multiples of 32.

channels_last: the R50 cases add two rows, the workbench with `memory_format='channels_last'` (its config key;
oneDNN's convolutions are faster on NHWC tensors) against torchvision as shipped, and against torchvision converted
to channels_last too (the like-for-like comparison). --no-channels-last skips them.

Timing: median of --repeat runs, workbench and torchvision interleaved after --warmup runs of each. ratio =
workbench / torchvision (<= 1.05 is the target).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

COLUMNS = ['case', 'input', 'workbench_ms', 'torchvision_ms', 'ratio', 'wb_cpu_ms', 'tv_cpu_ms', 'cpu_ratio', 'wb_dets',
           'tv_dets', 'repeat', 'threads']
CASES = ('retinanet_r50_fpn', 'faster_rcnn_r50_fpn', 'retinanet_r18_fpn')


def _metas(h, w):
    return [dict(img_shape=(h, w, 3), ori_shape=(h, w, 3), pad_shape=(h, w, 3), batch_input_shape=(h, w),
                 scale_factor=np.ones(4, dtype=np.float32), flip=False, flip_direction=None)]


def build_pair(case):
    """(workbench model, torchvision model, (h, w)) for a case, both in eval mode."""
    from torchvision.models.detection import RetinaNet, fasterrcnn_resnet50_fpn, retinanet_resnet50_fpn
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7
    C.seed_all(0)
    if case == 'retinanet_r50_fpn':
        wb = C.build_workbench(C.retinanet_cfg(depth=50, score_thr=0.0, nms_pre=1000, max_per_img=100))
        tv = retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=80, score_thresh=0.0,
                                    nms_thresh=0.5, detections_per_img=100, topk_candidates=1000)
        # mmdet's RetinaNet computes P6 from C5 (add_extra_convs='on_input'), torchvision's v1 builder from P5:
        # LastLevelP6P7(2048, 256) is torchvision's own C5 variant (its v2 model uses it), so the layers match
        tv.backbone.fpn.extra_blocks = LastLevelP6P7(2048, 256)
        hw = (800, 1216)
    elif case == 'faster_rcnn_r50_fpn':
        wb = C.build_workbench(C.faster_rcnn_cfg(rcnn_score_thr=0.0, max_per_img=100))
        # 81 = 80 classes + background, as mmdet's softmax head
        tv = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=81, box_score_thresh=0.0,
                                     box_nms_thresh=0.5, box_detections_per_img=100, rpn_pre_nms_top_n_test=1000,
                                     rpn_post_nms_top_n_test=1000, rpn_nms_thresh=0.7)
        hw = (800, 1216)
    elif case == 'retinanet_r18_fpn':
        wb = C.build_workbench(C.retinanet_cfg(depth=18, score_thr=0.0, nms_pre=1000, max_per_img=100))
        backbone = C.torchvision_resnet_fpn(18, trainable_layers=5, returned_layers=[2, 3, 4],
                                            extra_blocks=LastLevelP6P7(512, 256), frozen_bn=False)
        tv = RetinaNet(backbone, num_classes=80, score_thresh=0.0, nms_thresh=0.5, detections_per_img=100,
                       topk_candidates=1000)
        hw = (320, 320)
    else:
        raise ValueError(f'unknown case {case!r}; choose from {CASES}')
    C.bypass_torchvision_transform(tv)
    C.copy_weights_to_torchvision(wb, tv)  # the same network: same proposals, so RoIAlign does the same work
    return wb.eval(), tv.eval(), hw


SR2_SUFFIX = " (RoIAlign sampling_ratio=2 in both, torchvision's default)"


def _torchvision_sr0(tv):
    """A copy of torchvision's Faster R-CNN whose RoIAlign samples adaptively (sampling_ratio=0), as mmdet's config."""
    import copy

    from torchvision.ops import MultiScaleRoIAlign
    tv0 = copy.deepcopy(tv)
    tv0.roi_heads.box_roi_pool = MultiScaleRoIAlign(['0', '1', '2', '3'], 7, sampling_ratio=0)
    return tv0.eval()


CL_WB_SUFFIX = " (workbench memory_format='channels_last', torchvision as shipped)"
CL_BOTH_SUFFIX = ' (channels_last in both)'
CHANNELS_LAST_CASES = ('retinanet_r50_fpn', 'faster_rcnn_r50_fpn')


def _channels_last(model):
    """A copy of `model` converted as the workbench's `memory_format` config key converts (torchvision's too)."""
    import copy

    from workbench.utils import set_memory_format
    return set_memory_format(copy.deepcopy(model), 'channels_last').eval()


def run_case(case, repeat, warmup, scale=1.0, channels_last=True):
    """Rows of one case, workbench vs torchvision, all models timed in the same interleaved rounds. Faster R-CNN
    gives two rows: mmdet's RoIAlign sampling (adaptive, sampling_ratio=0) in both, then torchvision's (2) in both.
    The R50 cases add the workbench with `memory_format='channels_last'` against torchvision as shipped and against
    torchvision converted to channels_last too."""
    wb, tv, (h, w) = build_pair(case)
    pairs = [('', wb, tv)]
    if case == 'faster_rcnn_r50_fpn':
        wb2 = C.build_workbench(C.faster_rcnn_cfg(rcnn_score_thr=0.0, max_per_img=100, sampling_ratio=2))
        wb2.load_state_dict(wb.state_dict())
        pairs = [('', wb, _torchvision_sr0(tv)), (SR2_SUFFIX, wb2.eval(), tv)]
    if channels_last and case in CHANNELS_LAST_CASES:
        _, wb_first, tv_first = pairs[0]
        wb_cl = _channels_last(wb_first)
        pairs += [(CL_WB_SUFFIX, wb_cl, tv_first), (CL_BOTH_SUFFIX, wb_cl, _channels_last(tv_first))]
    if scale != 1.0:
        h, w = max(64, int(h * scale) // 32 * 32), max(64, int(w * scale) // 32 * 32)
    g = torch.Generator().manual_seed(1)
    img = torch.randn(1, 3, h, w, generator=g)
    metas = _metas(h, w)
    counts = {}

    def wb_runner(model, key):
        def run():
            with torch.inference_mode():
                res = model(img=[img], img_metas=[metas], return_loss=False, rescale=True)
            counts[key] = sum(len(a) for a in res[0])
        return run

    def tv_runner(model, key):
        def run():
            with torch.inference_mode():
                out = model([img[0]])
            counts[key] = len(out[0]['boxes'])
        return run

    # every distinct model is timed once per round, however many rows it appears in
    models = []
    for _, wb_model, tv_model in pairs:
        for side, model in (('tv', tv_model), ('wb', wb_model)):
            if not any(m is model for _, m in models):
                models.append((side, model))
    fns = [(tv_runner if side == 'tv' else wb_runner)(model, id(model)) for side, model in models]
    wall, cpu = C.time_interleaved(fns, repeat, warmup)
    at = {id(model): i for i, (_, model) in enumerate(models)}
    rows = []
    for suffix, wb_model, tv_model in pairs:
        i_wb, i_tv = at[id(wb_model)], at[id(tv_model)]
        rows.append(dict(case=case + suffix, input=f'{h}x{w}', workbench_ms=wall[i_wb] * 1e3,
                         torchvision_ms=wall[i_tv] * 1e3, ratio=wall[i_wb] / wall[i_tv], wb_cpu_ms=cpu[i_wb] * 1e3,
                         tv_cpu_ms=cpu[i_tv] * 1e3, cpu_ratio=cpu[i_wb] / cpu[i_tv], wb_dets=counts[id(wb_model)],
                         tv_dets=counts[id(tv_model)], repeat=repeat, threads=torch.get_num_threads()))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--repeat', type=int, default=5)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--cases', default=','.join(CASES))
    p.add_argument('--quick', action='store_true', help='images at 1/4 size, repeat 1, warm-up 1 (smoke run)')
    p.add_argument('--no-channels-last', action='store_true', help="skip the memory_format='channels_last' rows")
    C.add_common_args(p, 'inference')
    args = p.parse_args(argv)
    C.setup_threads(args.threads)
    scale, repeat, warmup = (0.25, 1, 1) if args.quick else (1.0, args.repeat, args.warmup)
    rows = []
    for case in [c for c in args.cases.split(',') if c]:
        new = run_case(case, repeat, warmup, scale, channels_last=not args.no_channels_last)
        rows += new
        C.print_table(new, COLUMNS)
    C.print_table(rows, COLUMNS, title='Inference, CPU, batch 1 (ratio = workbench / torchvision)')
    C.write_csv(Path(args.out_dir) / 'inference.csv', rows, COLUMNS)
    return rows


if __name__ == '__main__':
    main()
