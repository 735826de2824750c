"""multiclass_nms against MMDetection 2.28.2 (components.pth), plus options and empty cases; TTA merging."""
import numpy as np
import pytest
import torch

from tests.core._golden import components
from workbench.core import (merge_aug_bboxes, merge_aug_masks, merge_aug_proposals, merge_aug_scores,
                            multiclass_nms)


def _nms_cfg(case):
    return dict(type='nms', iou_threshold=case['iou_threshold'])


def test_multiclass_nms_matches_golden():
    case = components('multiclass_nms')
    dets, labels = multiclass_nms(case['boxes'], case['scores'], case['score_thr'], _nms_cfg(case), case['max_num'])
    torch.testing.assert_close(dets, case['dets'], atol=1e-5, rtol=1e-5)
    assert torch.equal(labels, case['labels'])


def test_multiclass_nms_class_specific_matches_golden():
    case = components('multiclass_nms')
    dets, labels = multiclass_nms(case['class_specific_boxes'], case['scores'], case['score_thr'], _nms_cfg(case),
                                  case['max_num'])
    torch.testing.assert_close(dets, case['dets_cs'], atol=1e-5, rtol=1e-5)
    assert torch.equal(labels, case['labels_cs'])


def test_return_inds_and_score_factors():
    case = components('multiclass_nms')
    boxes, scores = case['boxes'], case['scores']
    num_classes = scores.size(1) - 1
    dets, labels, inds = multiclass_nms(boxes, scores, case['score_thr'], _nms_cfg(case), case['max_num'],
                                        return_inds=True)
    # inds index the flattened (n * num_classes) scores
    flat = scores[:, :-1].reshape(-1)
    torch.testing.assert_close(dets[:, 4], flat[inds])
    assert torch.equal(labels, inds % num_classes)
    torch.testing.assert_close(dets[:, :4], boxes[inds // num_classes])

    factors = torch.linspace(0.05, 1.0, boxes.size(0))
    dets_f, labels_f, inds_f = multiclass_nms(boxes, scores, case['score_thr'], _nms_cfg(case), -1,
                                              score_factors=factors, return_inds=True)
    torch.testing.assert_close(dets_f[:, 4], flat[inds_f] * factors[inds_f // num_classes])
    # thresholding happens before the factors: every kept raw score is above score_thr
    assert (flat[inds_f] > case['score_thr']).all()
    assert (dets_f[:, 4] <= case['score_thr']).any()


def test_multiclass_nms_empty():
    scores = torch.full((5, 4), 0.01)
    dets, labels = multiclass_nms(torch.rand(5, 4), scores, 0.05, dict(type='nms', iou_threshold=0.5), 100)
    assert dets.shape == (0, 5) and labels.shape == (0, )
    dets, labels, inds = multiclass_nms(torch.zeros(0, 4), torch.zeros(0, 4), 0.05,
                                        dict(type='nms', iou_threshold=0.5), return_inds=True)
    assert dets.shape == (0, 5) and labels.shape == (0, ) and inds.shape == (0, )


def test_merge_aug():
    b = torch.tensor([[10., 20., 30., 60.]])
    metas_plain = [dict(img_shape=(100, 200, 3), scale_factor=1., flip=False, flip_direction=None)]
    metas_flip = [dict(img_shape=(100, 200, 3), scale_factor=1., flip=True, flip_direction='horizontal')]
    flipped = torch.tensor([[170., 20., 190., 60.]])
    boxes, scores = merge_aug_bboxes([b, flipped], [torch.tensor([[0.2]]), torch.tensor([[0.4]])],
                                     [metas_plain, metas_flip], None)
    torch.testing.assert_close(boxes, b)
    torch.testing.assert_close(scores, torch.tensor([[0.3]]))
    assert merge_aug_bboxes([b], None, [metas_plain], None).shape == (1, 4)
    assert merge_aug_scores([np.ones(3), np.zeros(3)]).tolist() == [0.5] * 3
    torch.testing.assert_close(merge_aug_scores([torch.ones(2), torch.zeros(2)]), torch.full((2, ), 0.5))
    m = np.arange(8, dtype=np.float32).reshape(1, 1, 2, 4)
    merged = merge_aug_masks([m, m[..., ::-1]], [metas_plain, metas_flip], None)
    np.testing.assert_allclose(merged, m)


def test_merge_aug_proposals():
    p = torch.tensor([[10., 20., 30., 60., 0.9], [100., 20., 130., 60., 0.5]])
    flipped = p.clone()
    flipped[:, [0, 2]] = 200 - p[:, [2, 0]]
    metas = [dict(img_shape=(100, 200, 3), scale_factor=1., flip=False, flip_direction=None),
             dict(img_shape=(100, 200, 3), scale_factor=1., flip=True, flip_direction='horizontal')]
    out = merge_aug_proposals([p, flipped], metas, dict(nms=dict(type='nms', iou_threshold=0.7), max_per_img=10))
    torch.testing.assert_close(out, p)
    with pytest.warns(UserWarning, match='nms_thr'):
        out = merge_aug_proposals([p, flipped], metas, dict(nms_thr=0.7, max_num=1))
    assert out.shape == (1, 5)
