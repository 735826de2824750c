"""Dense heads of the golden small detectors against MMDetection 2.28.2: fed the recorded neck features, the head
must reproduce `head_outs` and its `simple_test(rescale=False)` detections."""
import pytest
import torch

from tests.models.golden_models import (ONE_STAGE, TOL, assert_dets_match, build_golden_model, has_trainable_bn,
                                        img_metas, load_io, undo_train_forward_bn_update)


@pytest.fixture(scope='module', params=ONE_STAGE)
def golden(request):
    name = request.param
    model = build_golden_model(name)
    io = load_io(name)
    model.train()
    if has_trainable_bn(model):
        undo_train_forward_bn_update(model, io)
    model.eval()
    return name, model, io


def test_head_outs(golden):
    name, model, io = golden
    with torch.no_grad():
        outs = model.bbox_head(list(io['outputs']['neck_feats']))
    gold = io['outputs']['head_outs']
    assert len(outs) == len(gold), f'{name}: {len(outs)} output kinds, expected {len(gold)}'
    for kind, (ours, theirs) in enumerate(zip(outs, gold)):
        assert len(ours) == len(theirs)
        for level, (a, b) in enumerate(zip(ours, theirs)):
            torch.testing.assert_close(a, b, **TOL, msg=lambda m: f'{name} output {kind} level {level}: {m}')


def test_simple_test_detections(golden):
    name, model, io = golden
    with torch.no_grad():
        results = model.bbox_head.simple_test(list(io['outputs']['neck_feats']), img_metas(io), rescale=False)
    assert len(results) == 1
    det_bboxes, det_labels = results[0]
    assert det_bboxes.shape[1] == 5 and det_labels.dtype == torch.long
    assert_dets_match(det_bboxes, det_labels, io['outputs']['det_bboxes'][0], io['outputs']['det_labels'][0])


def test_state_dict_keys_are_mmdets(golden):
    name, model, io = golden
    from tests.golden import load_golden
    gold_keys = {k for k in load_golden('models', name, 'weights.pth') if k.startswith('bbox_head.')}
    ours = {k for k in model.state_dict() if k.startswith('bbox_head.')}
    assert ours == gold_keys
