"""Parity of Faster R-CNN, Mask R-CNN and Cascade R-CNN with MMDetection 2.28.2 (golden/models/*)."""
import numpy as np
import pytest
import torch

from tests.models.golden_models import (MEMORY_FORMATS, TOL, assert_dets_match, build_golden_model, grad_norm,
                                        img_metas, load_io)

TWO_STAGE = ['faster_rcnn', 'mask_rcnn', 'cascade_rcnn']


def train_metas(io):
    n, _, h, w = io['train_batch']['imgs'].shape
    return [dict(img_shape=(h, w, 3), ori_shape=(h, w, 3), pad_shape=(h, w, 3), batch_input_shape=(h, w),
                 scale_factor=np.ones(4, dtype=np.float32), flip=False, flip_direction=None) for _ in range(n)]


def train_inputs(name, io):
    """forward_train's arguments for the fixture's training batch (with bitmap masks for Mask R-CNN)."""
    from workbench.core.mask import BitmapMasks
    tb = io['train_batch']
    kwargs = dict(img=tb['imgs'], img_metas=train_metas(io), gt_bboxes=list(tb['gt_bboxes']),
                  gt_labels=list(tb['gt_labels']))
    if name == 'mask_rcnn':
        h, w = tb['imgs'].shape[-2:]
        kwargs['gt_masks'] = [BitmapMasks(m.numpy().astype(np.uint8), h, w) for m in tb['gt_masks']]
    return kwargs


@pytest.mark.parametrize('name', TWO_STAGE)
def test_rpn_outputs_and_proposals(name):
    model = build_golden_model(name).eval()
    io = load_io(name)
    with torch.no_grad():
        x = model.extract_feat(io['img'])
        cls_scores, bbox_preds = model.rpn_head(x)
        for ours, gold in zip(cls_scores, io['outputs']['rpn_cls_scores']):
            torch.testing.assert_close(ours, gold, **TOL)
        for ours, gold in zip(bbox_preds, io['outputs']['rpn_bbox_preds']):
            torch.testing.assert_close(ours, gold, **TOL)
        proposals = model.rpn_head.simple_test_rpn(x, img_metas(io))
    gold = io['outputs']['proposals'][0]
    assert proposals[0].shape == gold.shape
    # NMS keeps the same boxes; scores near-tie, so compare as sets
    assert_dets_match(proposals[0], None, gold, None)


@pytest.mark.parametrize('memory_format', MEMORY_FORMATS)
@pytest.mark.parametrize('name', TWO_STAGE)
def test_final_results(name, memory_format):
    model = build_golden_model(name, memory_format).eval()
    io = load_io(name)
    with torch.no_grad():
        results = model.simple_test(io['img'], img_metas(io), rescale=True)
    gold = io['outputs']['results'][0]
    ours = results[0]
    if name == 'mask_rcnn':
        (ours, our_segm), (gold, gold_segm) = ours, gold
    for cls, (o, g) in enumerate(zip(ours, gold)):
        assert_dets_match(o, None, g, None)
    if name == 'mask_rcnn':
        for o, g in zip(our_segm, gold_segm):
            assert len(o) == len(g)
            if len(g):
                # same masks up to detection order: compare the sorted per-mask pixel counts and the union
                ours_area = sorted(int(np.asarray(m).sum()) for m in o)
                gold_area = sorted(int(np.asarray(m).sum()) for m in g)
                assert np.allclose(ours_area, gold_area, atol=2)


@pytest.mark.parametrize('memory_format', MEMORY_FORMATS)
@pytest.mark.parametrize('name', TWO_STAGE)
def test_train_losses_and_grad_norm(name, memory_format):
    model = build_golden_model(name, memory_format).train()
    io = load_io(name)
    losses = model.forward_train(**train_inputs(name, io))
    loss, log_vars = model._parse_losses(losses)
    for key, value in io['losses'].items():
        assert key in log_vars, f'loss entry {key} missing; have {sorted(log_vars)}'
        assert log_vars[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key
    model.zero_grad()
    loss.backward()
    assert float(grad_norm(model)) == pytest.approx(float(io['grad_norm']), rel=1e-4)


@pytest.mark.parametrize('name', TWO_STAGE)
def test_train_under_cpu_autocast(name):
    """`--amp` on CPU runs the forward under bfloat16 autocast: the RoI ops (whose torchvision CPU backward has no
    bfloat16) must still train, with losses near the float32 ones."""
    model = build_golden_model(name).train()
    io = load_io(name)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss, log_vars = model._parse_losses(model.forward_train(**train_inputs(name, io)))
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert float(grad_norm(model)) > 0
    assert log_vars['loss'] == pytest.approx(io['losses']['loss'], rel=0.05)


# full-size parameter counts: tests/models/detectors/test_two_stage_configs.py
