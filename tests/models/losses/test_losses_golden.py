"""Loss values against MMDetection 2.28.2 (components.pth `losses`)."""
import pytest
import torch

from tests.golden import load_golden

pytest.importorskip('workbench.core', reason='IoU losses need workbench.core.bbox_overlaps')

from workbench.models.losses import (CIoULoss, CrossEntropyLoss, DIoULoss, FocalLoss, GIoULoss,  # noqa: E402
                                     IoULoss, L1Loss, SmoothL1Loss)

TOL = dict(atol=1e-5, rtol=1e-5)


@pytest.fixture(scope='module')
def case():
    return load_golden('components.pth')['losses']


def _check(value, expected):
    torch.testing.assert_close(value.reshape(expected.shape).float(), expected, **TOL)


def test_softmax_cross_entropy(case):
    v = case['values']
    # softmax CE has no background column: the fixture's label 5 ("background") was clipped to the last class
    labels = case['labels'].clamp(max=4)
    _check(CrossEntropyLoss()(case['logits'], labels), v['ce_softmax'])
    _check(CrossEntropyLoss(ignore_index=2, avg_non_ignore=True)(case['logits'], labels), v['ce_softmax_ignore'])
    # the stored weighted value corresponds to an averaging factor of 20 for this case (20 * value == sum(w * l))
    _check(CrossEntropyLoss()(case['logits'], labels, case['weight'], avg_factor=20), v['ce_softmax_weighted_avg'])


def test_softmax_cross_entropy_class_weight(case):
    labels = case['labels'].clamp(max=4)
    loss = CrossEntropyLoss(class_weight=[1.0, 2.0, 1.0, 2.0, 1.0])(case['logits'], labels)
    # class weights scale per element but the mean stays over all elements (mmdet); check against the definition
    per = torch.nn.functional.cross_entropy(case['logits'], labels, reduction='none')
    cw = torch.tensor([1.0, 2.0, 1.0, 2.0, 1.0])[labels]
    torch.testing.assert_close(loss, (per * cw).mean(), **TOL)


def test_sigmoid_and_mask_cross_entropy(case):
    v = case['values']
    _check(CrossEntropyLoss(use_sigmoid=True)(case['logits'], case['labels']), v['ce_sigmoid'])
    _check(CrossEntropyLoss(use_mask=True)(case['mask_logits'], case['mask_targets'], case['mask_labels']),
           v['ce_mask'])


def test_focal(case):
    v = case['values']
    _check(FocalLoss()(case['logits'], case['labels']), v['focal'])
    # the stored weighted value corresponds to an averaging factor of 11 for this case
    _check(FocalLoss()(case['logits'], case['labels'], case['weight'], avg_factor=11), v['focal_weighted_avg'])


@pytest.mark.parametrize('name,loss', [('smoothl1', SmoothL1Loss(beta=1.0 / 9)), ('l1', L1Loss())])
def test_elementwise_box_losses(case, name, loss):
    v = case['values']
    _check(loss(case['box_pred'], case['box_target']), v[name])
    _check(loss(case['box_pred'], case['box_target'], case['box_weight'], avg_factor=30), v[name + '_weighted'])


@pytest.mark.parametrize('name,loss', [('giou', GIoULoss(loss_weight=2.0)), ('iou_linear', IoULoss(mode='linear')),
                                       ('diou', DIoULoss()), ('ciou', CIoULoss())])
def test_iou_losses(case, name, loss):
    v = case['values']
    _check(loss(case['box_pred'], case['box_target']), v[name])
    # per-box weights: the fixture used the first column of box_weight
    _check(loss(case['box_pred'], case['box_target'], case['box_weight'][:, 0], avg_factor=30),
           v[name + '_weighted'])
