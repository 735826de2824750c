"""Dense heads on normal-but-awkward inputs: images without ground truth, images whose boxes are all ignored, and
test outputs with no detection at all. Tiny heads, random features."""
import numpy as np
import pytest
import torch

from workbench.models import build_head

NUM_CLASSES = 3
IMG = (64, 80)


def _metas(n=2):
    return [dict(img_shape=(*IMG, 3), pad_shape=(*IMG, 3), ori_shape=(*IMG, 3), batch_input_shape=IMG,
                 scale_factor=np.ones(4, dtype=np.float32), flip=False, flip_direction=None) for _ in range(n)]


def _retina():
    return dict(type='RetinaHead', num_classes=NUM_CLASSES, in_channels=8, feat_channels=8, stacked_convs=1,
                anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=1,
                                      ratios=[1.0], strides=[8, 16]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4, target_stds=[1.] * 4),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0),
                train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
                                             ignore_iof_thr=0.5), allowed_border=-1, pos_weight=-1, debug=False))


def _atss():
    return dict(type='ATSSHead', num_classes=NUM_CLASSES, in_channels=8, feat_channels=8, stacked_convs=1,
                norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
                anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=8, scales_per_octave=1,
                                      strides=[8, 16]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4, target_stds=[.1, .1, .2, .2]),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
                loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
                train_cfg=dict(assigner=dict(type='ATSSAssigner', topk=9), allowed_border=-1, pos_weight=-1))


def _fcos():
    return dict(type='FCOSHead', num_classes=NUM_CLASSES, in_channels=8, feat_channels=8, stacked_convs=1,
                strides=[8, 16], regress_ranges=((-1, 64), (64, 1e8)), center_sampling=True, norm_on_bbox=True,
                centerness_on_reg=True, norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
                loss_bbox=dict(type='GIoULoss', loss_weight=1.0))


def _yolo():
    return dict(type='YOLOV3Head', num_classes=NUM_CLASSES, in_channels=[8, 8], out_channels=[8, 8],
                anchor_generator=dict(type='YOLOAnchorGenerator', base_sizes=[[(30, 40), (50, 60)],
                                                                              [(10, 12), (16, 20)]],
                                      strides=[16, 8]),
                featmap_strides=[16, 8],
                train_cfg=dict(assigner=dict(type='GridAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0)))


def _ssd(use_depthwise):
    return dict(type='SSDHead', num_classes=NUM_CLASSES, in_channels=(8, 8), use_depthwise=use_depthwise,
                norm_cfg=dict(type='BN') if use_depthwise else None, act_cfg=dict(type='ReLU6'),
                anchor_generator=dict(type='SSDAnchorGenerator', scale_major=False, strides=[8, 16],
                                      ratios=[[2], [2, 3]], min_sizes=[16, 32], max_sizes=[32, 64]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4, target_stds=[.1, .1, .2, .2]),
                train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0.,
                                             ignore_iof_thr=-1, gt_max_assign_all=False),
                               smoothl1_beta=1., allowed_border=-1, pos_weight=-1, neg_pos_ratio=3))


HEADS = {'retina': _retina, 'atss': _atss, 'fcos': _fcos, 'yolo': _yolo, 'ssd': lambda: _ssd(False),
         'ssdlite': lambda: _ssd(True)}
TEST_CFG = dict(nms_pre=100, min_bbox_size=0, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5),
                max_per_img=20)


def _build(kind):
    torch.manual_seed(0)
    cfg = HEADS[kind]()
    cfg['test_cfg'] = dict(TEST_CFG)
    head = build_head(cfg)
    head.init_weights()
    return head


def _feats(kind, n=2):
    torch.manual_seed(1)
    sizes = [(IMG[0] // 16, IMG[1] // 16), (IMG[0] // 8, IMG[1] // 8)] if kind == 'yolo' else \
        [(IMG[0] // 8, IMG[1] // 8), (IMG[0] // 16, IMG[1] // 16)]
    return [torch.randn(n, 8, *s) for s in sizes]


def _total(losses):
    total = 0
    for v in losses.values():
        total = total + (sum(x.sum() for x in v) if isinstance(v, (list, tuple)) else v.sum())
    return total


@pytest.mark.parametrize('kind', list(HEADS))
def test_empty_ground_truth(kind):
    head = _build(kind).train()
    feats = _feats(kind)
    gt_bboxes = [torch.zeros((0, 4)), torch.tensor([[10., 12., 50., 60.]])]
    gt_labels = [torch.zeros((0, ), dtype=torch.long), torch.tensor([1])]
    losses = head.forward_train(feats, _metas(), gt_bboxes, gt_labels)
    total = _total(losses)
    assert torch.isfinite(total)
    total.backward()
    # a batch with no box at all: classification still learns "background", regression is exactly zero
    head.zero_grad()
    losses = head.forward_train(feats, _metas(), [torch.zeros((0, 4))] * 2, [torch.zeros((0, ), dtype=torch.long)] * 2)
    assert torch.isfinite(_total(losses))
    box_keys = [k for k in losses if k in ('loss_bbox', 'loss_xy', 'loss_wh')]
    for key in box_keys:
        value = losses[key]
        value = sum(x.sum() for x in value) if isinstance(value, (list, tuple)) else value
        assert value.item() == 0, key
    cls = losses['loss_cls']
    cls = sum(x.sum() for x in cls) if isinstance(cls, (list, tuple)) else cls
    if kind in ('yolo', 'ssd', 'ssdlite'):
        # YOLO's class loss covers positives only; SSD mines neg_pos_ratio x #positives negatives, i.e. none
        assert cls.item() == 0
    else:
        assert cls.item() > 0
    _total(losses).backward()


@pytest.mark.parametrize('kind', ['retina', 'atss'])
def test_only_ignored_boxes(kind):
    head = _build(kind).train()
    feats = _feats(kind, n=1)
    box = torch.tensor([[10., 12., 50., 60.]])
    losses = head.forward_train(feats, _metas(1), [torch.zeros((0, 4))], [torch.zeros((0, ), dtype=torch.long)],
                                gt_bboxes_ignore=[box])
    assert torch.isfinite(_total(losses))
    assert sum(x.sum() for x in losses['loss_bbox']).item() == 0


@pytest.mark.parametrize('kind', list(HEADS))
def test_zero_detections(kind):
    head = _build(kind).eval()
    head.test_cfg['score_thr'] = 1.1  # nothing can pass
    with torch.no_grad():
        results = head.simple_test(_feats(kind), _metas(), rescale=True)
    assert len(results) == 2
    for det_bboxes, det_labels in results:
        assert det_bboxes.shape == (0, 5)
        assert det_labels.shape == (0, )


@pytest.mark.parametrize('kind', list(HEADS))
def test_detections_shape_and_limits(kind):
    head = _build(kind).eval()
    with torch.no_grad():
        results = head.simple_test(_feats(kind), _metas(), rescale=False)
    for det_bboxes, det_labels in results:
        assert det_bboxes.shape[1] == 5 and len(det_bboxes) == len(det_labels) <= TEST_CFG['max_per_img']
        if len(det_bboxes):
            assert det_labels.min() >= 0 and det_labels.max() < NUM_CLASSES
            assert (det_bboxes[:, 4] > TEST_CFG['score_thr']).all()


@pytest.mark.parametrize('kind', list(HEADS))
def test_aug_test_with_flip(kind):
    head = _build(kind).eval()
    feats = _feats(kind, n=1)
    flipped = [f.flip(-1) for f in feats]
    metas = [_metas(1), _metas(1)]
    metas[1][0].update(flip=True, flip_direction='horizontal')
    with torch.no_grad():
        results = head.aug_test([feats, flipped], metas, rescale=True)
    assert len(results) == 1
    det_bboxes, det_labels = results[0]
    assert det_bboxes.shape[1] == 5 and len(det_bboxes) == len(det_labels) <= TEST_CFG['max_per_img']
    if len(det_bboxes):
        assert det_labels.min() >= 0 and det_labels.max() < NUM_CLASSES


@pytest.mark.parametrize('kind,param,prior', [('retina', 'retina_cls.bias', 0.01), ('atss', 'atss_cls.bias', 0.01),
                                              ('fcos', 'conv_cls.bias', 0.01)])
def test_init_weights_class_prior(kind, param, prior):
    head = _build(kind)
    bias = head.state_dict()[param]
    torch.testing.assert_close(bias, torch.full_like(bias, -float(np.log((1 - prior) / prior))))
