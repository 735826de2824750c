"""Test-time augmentation of ``StandardRoIHead`` and ``CascadeRoIHead`` (mmdet 2.x ``aug_test``) through
``TwoStageDetector.aug_test``, on the small golden models (and a small Cascade Mask R-CNN) at half size."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.models.detectors.two_stage_helpers import build_small_cascade_mask_rcnn
from tests.models.golden_models import assert_dets_match, build_golden_model, load_io

MODELS = ['faster_rcnn', 'mask_rcnn', 'cascade_rcnn', 'cascade_mask_rcnn']


def build(name):
    return build_small_cascade_mask_rcnn() if name == 'cascade_mask_rcnn' else build_golden_model(name)


@pytest.fixture(scope='module')
def img():
    return F.interpolate(load_io('faster_rcnn')['img'], scale_factor=0.5, mode='bilinear', align_corners=False)


def _meta(img, flip=False):
    h, w = img.shape[-2:]
    return dict(img_shape=(h, w, 3), ori_shape=(h, w, 3), pad_shape=(h, w, 3), batch_input_shape=(h, w),
                scale_factor=np.ones(4, dtype=np.float32), flip=flip, flip_direction='horizontal')


def _boxes(result):
    return result[0] if isinstance(result, tuple) else result


@pytest.mark.parametrize('name', MODELS)
def test_single_view_aug_test_equals_simple_test(name, img):
    """One un-flipped view: merging changes nothing, so boxes, scores and masks equal ``simple_test``'s."""
    model = build(name).eval()
    with torch.no_grad():
        simple = model.simple_test(img, [_meta(img)], rescale=True)[0]
        aug = model.aug_test([img], [[_meta(img)]], rescale=True)[0]
    for a, b in zip(_boxes(simple), _boxes(aug)):
        assert_dets_match(b, None, a, None)
    assert sum(len(b) for b in _boxes(aug)) > 0
    if isinstance(aug, tuple):
        for cls, (a, b) in enumerate(zip(simple[1], aug[1])):
            assert len(a) == len(b)
            areas_a = sorted(int(m.sum()) for m in a)
            areas_b = sorted(int(m.sum()) for m in b)
            assert areas_a == areas_b, cls


@pytest.mark.parametrize('name', MODELS)
def test_flip_aug_test_is_symmetric(name, img):
    """Views (image, flipped image) and (flipped image, image) describe the same augmentation set: the merged
    detections must agree, which holds only if each view's boxes and masks are mapped back correctly."""
    model = build(name).eval()
    flipped = img.flip(-1)
    with torch.no_grad():
        ab = model.aug_test([img, flipped], [[_meta(img)], [_meta(img, True)]], rescale=True)[0]
        # the same two views, seen from the flipped image: its "original" is the flipped one, so compare after
        # flipping the boxes back
        ba = model.aug_test([flipped, img], [[_meta(img)], [_meta(img, True)]], rescale=True)[0]
    w = img.shape[-1]
    for a, b in zip(_boxes(ab), _boxes(ba)):
        assert a.shape == b.shape
        b = b.copy()
        b[:, [0, 2]] = w - b[:, [2, 0]]
        assert_dets_match(a, None, b, None, atol=1e-3, rtol=1e-4)
    if isinstance(ab, tuple):
        for a, b in zip(ab[1], ba[1]):
            union_a = np.any(a, 0) if a else None
            union_b = np.any([m[:, ::-1] for m in b], 0) if b else None
            assert (union_a is None) == (union_b is None)
            if union_a is not None:
                # pixel-centre rounding at mask borders may differ by a few pixels
                assert np.logical_xor(union_a, union_b).sum() <= 0.01 * union_a.size


@pytest.mark.parametrize('name', ['mask_rcnn', 'cascade_mask_rcnn'])
def test_aug_test_with_no_proposals_gives_empty_results(name, img):
    model = build(name).eval()
    model.rpn_head.test_cfg = dict(copy.deepcopy(model.rpn_head.test_cfg), min_bbox_size=10000)
    with torch.no_grad():
        bbox_results, segm_results = model.aug_test([img, img.flip(-1)], [[_meta(img)], [_meta(img, True)]],
                                                    rescale=True)[0]
    assert [b.shape for b in bbox_results] == [(0, 5)] * 4
    assert segm_results == [[], [], [], []]
