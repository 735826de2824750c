"""Two-stage detectors on degenerate inputs, with the small golden models (random weights, 4 classes):
no proposals surviving (seed 003, "Empty Proposals": the whole batch or a single image), images without ground
truth, crowd-only images. mmdet 2.x results: per image a list per class of (n, 5) float32 arrays, with
``(bbox_results, segm_results)`` pairs and per-class mask lists for mask heads."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.models.detectors.two_stage_helpers import NUM_CLASSES, build_small_cascade_mask_rcnn
from tests.models.golden_models import build_golden_model, load_io
from workbench.core.mask import BitmapMasks
MODELS = ['faster_rcnn', 'mask_rcnn', 'cascade_rcnn', 'cascade_mask_rcnn']


@pytest.fixture(scope='module')
def models():
    out = {name: build_golden_model(name) for name in MODELS if name != 'cascade_mask_rcnn'}
    out['cascade_mask_rcnn'] = build_small_cascade_mask_rcnn()
    return out


@pytest.fixture
def model(models, request):
    """A fresh copy per test, so changed cfgs and gradients do not leak between tests. Training keeps at most 200
    proposals per image (instead of 1000-2000) to stay fast; the RoI samplers still take every candidate."""
    model = copy.deepcopy(models[request.param])
    model.train_cfg['rpn_proposal']['max_per_img'] = 200
    return model


@pytest.fixture(scope='module')
def io():
    """The golden inputs at half size (128 x 160), GT boxes scaled with them: small enough for fast CPU runs."""
    gold = load_io('faster_rcnn')
    tb = gold['train_batch']
    return dict(img=F.interpolate(gold['img'], scale_factor=0.5, mode='bilinear', align_corners=False),
                train_batch=dict(imgs=F.interpolate(tb['imgs'], scale_factor=0.5, mode='bilinear',
                                                    align_corners=False),
                                 gt_bboxes=[b / 2 for b in tb['gt_bboxes']]))


def img_metas(io, n=1):
    h, w = io['img'].shape[-2:]
    return [dict(img_shape=(h, w, 3), ori_shape=(h, w, 3), pad_shape=(h, w, 3), batch_input_shape=(h, w),
                 scale_factor=np.ones(4, dtype=np.float32), flip=False, flip_direction=None) for _ in range(n)]


def with_mask(model):
    return model.roi_head.with_mask


def assert_empty_result(result, mask):
    """One image's result with no detections, in mmdet 2.x format."""
    if mask:
        assert isinstance(result, tuple) and len(result) == 2
        bbox_result, segm_result = result
        assert segm_result == [[] for _ in range(NUM_CLASSES)]
    else:
        bbox_result = result
    assert isinstance(bbox_result, list) and len(bbox_result) == NUM_CLASSES
    for arr in bbox_result:
        assert isinstance(arr, np.ndarray) and arr.shape == (0, 5) and arr.dtype == np.float32


def assert_nonempty_result(result, mask):
    bbox_result, segm_result = result if mask else (result, None)
    assert len(bbox_result) == NUM_CLASSES
    assert sum(len(b) for b in bbox_result) > 0
    assert all(b.shape[1] == 5 and b.dtype == np.float32 for b in bbox_result)
    if mask:
        assert [len(s) for s in segm_result] == [len(b) for b in bbox_result]


# ------------------------------------------------------------------------------------------------ test time
@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_no_proposal_survives_rpn_min_bbox_size(model, io):
    """RPN test_cfg whose min_bbox_size removes every proposal: empty per-class results, no exception."""
    model.eval()
    cfg = copy.deepcopy(model.rpn_head.test_cfg)
    cfg['min_bbox_size'] = 10000
    model.rpn_head.test_cfg = cfg
    with torch.no_grad():
        x = model.extract_feat(io['img'])
        proposals = model.rpn_head.simple_test_rpn(x, img_metas(io))
        assert proposals[0].shape == (0, 5)
        results = model.simple_test(io['img'], img_metas(io), rescale=True)
    assert len(results) == 1
    assert_empty_result(results[0], with_mask(model))


@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_empty_proposals_given_for_the_whole_batch(model, io):
    model.eval()
    imgs = torch.cat([io['img'], io['img']])
    with torch.no_grad():
        results = model.simple_test(imgs, img_metas(io, 2), proposals=[torch.zeros(0, 5), torch.zeros(0, 5)],
                                    rescale=True)
    assert len(results) == 2
    for result in results:
        assert_empty_result(result, with_mask(model))


@pytest.mark.parametrize('empty_first', [True, False])
@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_empty_proposals_for_one_image_of_the_batch(model, io, empty_first):
    """One image without proposals, the other with: the first gets empty results, the second is unaffected
    (its detections equal those of running it alone)."""
    model.eval()
    boxes = torch.tensor([[5., 5., 50., 50., 0.9], [25., 30., 100., 110., 0.8], [0., 0., 150., 125., 0.7]])
    props = [torch.zeros(0, 5), boxes] if empty_first else [boxes, torch.zeros(0, 5)]
    imgs = torch.cat([io['img'], io['img']])
    with torch.no_grad():
        results = model.simple_test(imgs, img_metas(io, 2), proposals=props, rescale=True)
        alone = model.simple_test(io['img'], img_metas(io), proposals=[boxes], rescale=True)[0]
    empty, full = (results[0], results[1]) if empty_first else (results[1], results[0])
    mask = with_mask(model)
    assert_empty_result(empty, mask)
    assert_nonempty_result(full, mask)
    full_boxes, alone_boxes = (full[0], alone[0]) if mask else (full, alone)
    for a, b in zip(full_boxes, alone_boxes):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('model', ['faster_rcnn'], indirect=True)
def test_roi_head_without_test_cfg_returns_raw_boxes_for_empty_proposals(model, io):
    """``simple_test_bboxes`` with ``rcnn_test_cfg=None`` gives raw (n, 4) boxes and (n, C+1) scores; empty
    proposals give (0, 4) and (0, C+1)."""
    model.eval()
    with torch.no_grad():
        x = model.extract_feat(io['img'])
        bboxes, scores = model.roi_head.simple_test_bboxes(x, img_metas(io), [torch.zeros(0, 5)], None)
    assert bboxes[0].shape == (0, 4) and scores[0].shape == (0, NUM_CLASSES + 1)


# ------------------------------------------------------------------------------------------------ training
def train_kwargs(model, io, gt_bboxes, gt_bboxes_ignore=None):
    tb = io['train_batch']
    n, _, h, w = tb['imgs'].shape
    metas = [dict(img_shape=(h, w, 3), ori_shape=(h, w, 3), pad_shape=(h, w, 3), batch_input_shape=(h, w),
                  scale_factor=np.ones(4, dtype=np.float32), flip=False, flip_direction=None) for _ in range(n)]
    kwargs = dict(img=tb['imgs'], img_metas=metas, gt_bboxes=gt_bboxes,
                  gt_labels=[torch.arange(len(b)) % NUM_CLASSES for b in gt_bboxes],
                  gt_bboxes_ignore=gt_bboxes_ignore)
    if with_mask(model):
        masks = []
        for b in gt_bboxes:
            m = np.zeros((len(b), h, w), np.uint8)
            for k, (x1, y1, x2, y2) in enumerate(b.round().long().tolist()):
                m[k, y1:y2, x1:x2] = 1
            masks.append(BitmapMasks(m, h, w))
        kwargs['gt_masks'] = masks
    return kwargs


def run_train_step(model, kwargs):
    model.train()
    losses = model.forward_train(**kwargs)
    loss, log_vars = model._parse_losses(losses)
    assert torch.isfinite(loss), log_vars
    assert all(np.isfinite(v) for v in log_vars.values()), log_vars
    model.zero_grad()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    return log_vars


def _loss_keys(model):
    if model.roi_head.__class__.__name__ == 'CascadeRoIHead':
        return [f's{i}.{k}' for i in range(3) for k in ('loss_cls', 'loss_bbox')]
    return ['loss_cls', 'loss_bbox']


@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_images_without_gt(model, io):
    """No GT in the batch: every anchor/RoI is background, so the box losses are exactly 0 and the
    classification losses positive and finite; backward works."""
    empty = [torch.zeros(0, 4), torch.zeros(0, 4)]
    log_vars = run_train_step(model, train_kwargs(model, io, empty))
    assert log_vars['loss_rpn_bbox'] == 0 and log_vars['loss_rpn_cls'] > 0
    for key in _loss_keys(model):
        assert log_vars[key] == 0 if 'bbox' in key else log_vars[key] > 0, key
    if with_mask(model):
        mask_keys = [k for k in log_vars if k.endswith('loss_mask')]
        assert mask_keys and all(log_vars[k] == 0 for k in mask_keys)


@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_one_image_with_gt_one_without(model, io):
    gt = [io['train_batch']['gt_bboxes'][0], torch.zeros(0, 4)]
    log_vars = run_train_step(model, train_kwargs(model, io, gt))
    assert log_vars['loss_rpn_bbox'] > 0
    if with_mask(model):
        assert log_vars['loss_mask' if 'loss_mask' in log_vars else 's0.loss_mask'] > 0


@pytest.mark.parametrize('model,ignore_iof_thr', [('faster_rcnn', -1)] + [(m, 0.5) for m in MODELS],
                         indirect=['model'])
def test_crowd_only_images(model, io, ignore_iof_thr):
    """Every object of both images marked crowd (given as gt_bboxes_ignore). With ``ignore_iof_thr`` -1 (mmdet's
    configs) the ignored boxes are unused; with 0.5 they go through the assigners, which (as mmdet's
    MaxIoUAssigner) still make everything background when there is no GT. No exception, finite losses, and the
    same losses as a batch with no annotations at all."""
    tb = io['train_batch']
    assigners = [model.rpn_head.assigner]
    rcnn = model.roi_head.bbox_assigner
    assigners += rcnn if isinstance(rcnn, list) else [rcnn]
    for a in assigners:
        a.ignore_iof_thr = ignore_iof_thr
    empty = [torch.zeros(0, 4), torch.zeros(0, 4)]
    torch.manual_seed(0)
    crowd = run_train_step(model, train_kwargs(model, io, empty, gt_bboxes_ignore=[b.clone() for b in
                                                                                   tb['gt_bboxes']]))
    torch.manual_seed(0)
    nothing = run_train_step(model, train_kwargs(model, io, empty))
    assert crowd == pytest.approx(nothing, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize('model', ['faster_rcnn'], indirect=True)
def test_crowd_boxes_next_to_real_gt_are_ignored_in_rpn(model, io):
    """With ``ignore_iof_thr`` active and a real GT present, anchors inside a crowd box are ignored (neither
    positive nor negative), which changes the RPN classification loss compared with no crowd box."""
    tb = io['train_batch']
    gt = [tb['gt_bboxes'][0][:1], tb['gt_bboxes'][1][:1]]
    crowd = [tb['gt_bboxes'][0][1:], tb['gt_bboxes'][1][1:]]
    assert all(len(c) for c in crowd)
    model.rpn_head.assigner.ignore_iof_thr = 0.5
    # sample every anchor so the loss difference comes from the ignored anchors, not from random sampling
    model.rpn_head.sampler.num = 10 ** 6
    with_crowd = run_train_step(model, train_kwargs(model, io, gt, gt_bboxes_ignore=crowd))
    without = run_train_step(model, train_kwargs(model, io, gt))
    assert with_crowd['loss_rpn_cls'] != pytest.approx(without['loss_rpn_cls'], rel=1e-6)


@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_no_proposals_and_no_gt_in_training(model, io):
    """RPN proposals all removed (train-time min_bbox_size) and no GT to add as proposals: the RoI head samples
    nothing, so it has no classification loss (mmdet leaves the key out) and a zero box loss still connected to the
    graph; backward works."""
    model.train_cfg['rpn_proposal']['min_bbox_size'] = 10000
    empty = [torch.zeros(0, 4), torch.zeros(0, 4)]
    log_vars = run_train_step(model, train_kwargs(model, io, empty))
    first = 's0.' if model.roi_head.__class__.__name__ == 'CascadeRoIHead' else ''
    assert f'{first}loss_cls' not in log_vars
    assert log_vars[f'{first}loss_bbox'] == 0
    # the cascade stops refining once a stage has no RoIs
    assert not any(k.startswith('s1.') for k in log_vars)


@pytest.mark.parametrize('model', MODELS, indirect=True)
def test_no_proposals_but_gt_in_training(model, io):
    """No RPN proposal survives, but GT boxes are added as proposals (add_gt_as_proposals): the RoI head trains
    on the GT boxes alone."""
    model.train_cfg['rpn_proposal']['min_bbox_size'] = 10000
    log_vars = run_train_step(model, train_kwargs(model, io, list(io['train_batch']['gt_bboxes'])))
    for key in _loss_keys(model):
        assert key in log_vars


@pytest.mark.parametrize('model', ['mask_rcnn', 'cascade_mask_rcnn'], indirect=True)
def test_polygon_gt_masks_train_like_bitmaps(model, io):
    """``LoadAnnotations(poly2mask=False)`` (seed 003's example config) hands the heads ``PolygonMasks``: rectangles
    as polygons give the same mask targets, hence the same mask losses, as the same rectangles as bitmaps."""
    from workbench.core.mask import PolygonMasks
    gt = [b.round() for b in io['train_batch']['gt_bboxes']]
    kwargs = train_kwargs(model, io, gt)
    h, w = kwargs['img'].shape[-2:]
    # same random sampling in both runs (the Cascade Mask R-CNN samples 256/512 as configured)
    torch.manual_seed(0)
    bitmap_losses = run_train_step(model, dict(kwargs))
    torch.manual_seed(0)
    kwargs['gt_masks'] = [PolygonMasks([[np.array([x1, y1, x2, y1, x2, y2, x1, y2], dtype=np.float64)]
                                        for x1, y1, x2, y2 in b.tolist()], h, w) for b in gt]
    polygon_losses = run_train_step(model, kwargs)
    mask_keys = [k for k in bitmap_losses if k.endswith('loss_mask')]
    assert mask_keys and all(bitmap_losses[k] > 0 for k in mask_keys)
    for k in mask_keys:
        assert polygon_losses[k] == pytest.approx(bitmap_losses[k], rel=1e-3), k
