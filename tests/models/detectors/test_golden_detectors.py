"""The golden small one-stage detectors end to end against MMDetection 2.28.2: built from config.py, weights loaded
strictly; parameter count, `results` of `forward(return_loss=False)` (rescale=True), and in train mode every loss
entry (parsed and per level) and the gradient norm."""
import pytest
import torch

from tests.models.golden_models import (MEMORY_FORMATS, ONE_STAGE, TOL, assert_dets_match, build_golden_model,
                                        flatten_result, grad_norm, has_trainable_bn, img_metas, load_io,
                                        undo_train_forward_bn_update)

pytestmark = pytest.mark.slow

# MobileNetV2 models (batch-statistics BN, gradients of ~1e2 through it): the fixture's own float32 gradient norm
# carries ~3e-4 relative rounding (a float64 norm of the same gradients differs from a float32 one by that much)
GRAD_RTOL = {'yolov3': 1e-3, 'ssdlite': 1e-3}


@pytest.mark.parametrize('memory_format', MEMORY_FORMATS)
@pytest.mark.parametrize('name', ONE_STAGE)
def test_inference_results(name, memory_format):
    model = build_golden_model(name, memory_format)
    io = load_io(name)
    assert sum(p.numel() for p in model.parameters()) == io['n_params']
    model.train()
    if has_trainable_bn(model):
        undo_train_forward_bn_update(model, io)
    model.eval()
    with torch.no_grad():
        neck = model.extract_feat(io['img'])
        for level, (a, b) in enumerate(zip(neck, io['outputs']['neck_feats'])):
            torch.testing.assert_close(a, b, **TOL, msg=lambda m: f'{name} neck level {level}: {m}')
        results = model(img=[io['img']], img_metas=[img_metas(io)], return_loss=False, rescale=True)
    assert len(results) == 1
    gold = io['outputs']['results'][0]
    assert len(results[0]) == len(gold) == model.bbox_head.num_classes
    for per_class in results[0]:
        assert per_class.dtype.name == 'float32' and per_class.ndim == 2 and per_class.shape[1] == 5
    assert_dets_match(*flatten_result(results[0]), *flatten_result(gold))


@pytest.mark.parametrize('memory_format', MEMORY_FORMATS)
@pytest.mark.parametrize('name', ONE_STAGE)
def test_train_losses_and_grad_norm(name, memory_format):
    model = build_golden_model(name, memory_format)
    io = load_io(name)
    model.train()
    tb = io['train_batch']
    losses = model(img=tb['imgs'], img_metas=img_metas(io, 2), gt_bboxes=list(tb['gt_bboxes']),
                   gt_labels=list(tb['gt_labels']))
    for key, gold in io['raw_losses'].items():
        ours = losses[key]
        if isinstance(gold, (list, tuple)):
            assert len(ours) == len(gold), f'{name} {key}: {len(ours)} entries, expected {len(gold)}'
            for i, (a, b) in enumerate(zip(ours, gold)):
                torch.testing.assert_close(a.detach().reshape(b.shape), b, **TOL,
                                           msg=lambda m: f'{name} {key}[{i}]: {m}')
        else:
            torch.testing.assert_close(ours.detach().reshape(gold.shape), gold, **TOL)
    loss, log_vars = model._parse_losses(losses)
    assert set(log_vars) == set(io['losses'])
    for key, gold in io['losses'].items():
        assert log_vars[key] == pytest.approx(gold, rel=1e-4, abs=1e-4), key
    loss.backward()
    torch.testing.assert_close(grad_norm(model), io['grad_norm'], atol=1e-4, rtol=GRAD_RTOL.get(name, 1e-4))


@pytest.mark.gpu
@pytest.mark.parametrize('name', ONE_STAGE)
def test_train_losses_on_cuda(name):
    model = build_golden_model(name).cuda()
    io = load_io(name)
    model.train()
    tb = io['train_batch']
    losses = model(img=tb['imgs'].cuda(), img_metas=img_metas(io, 2), gt_bboxes=[b.cuda() for b in tb['gt_bboxes']],
                   gt_labels=[lab.cuda() for lab in tb['gt_labels']])
    _, log_vars = model._parse_losses(losses)
    for key, gold in io['losses'].items():
        assert log_vars[key] == pytest.approx(gold, rel=1e-3, abs=1e-3), key
    model.eval()
    with torch.no_grad():
        results = model(img=[io['img'].cuda()], img_metas=[img_metas(io)], return_loss=False, rescale=True)
    assert len(results[0]) == model.bbox_head.num_classes
