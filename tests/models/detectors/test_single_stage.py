"""SingleStageDetector / BaseDetector behaviour on a tiny RetinaNet: the mmdet 2.x forward conventions,
train_step/val_step, loss parsing, test-time augmentation, empty ground truth and zero detections."""
import numpy as np
import pytest
import torch

from workbench.models import build_detector

NUM_CLASSES = 3


def _tiny_retinanet(score_thr=0.05):
    return dict(
        type='RetinaNet',
        backbone=dict(type='ResNet', depth=18, base_channels=8, num_stages=4, out_indices=(1, 2, 3),
                      frozen_stages=-1, norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
                      style='pytorch', init_cfg=None),
        neck=dict(type='FPN', in_channels=[16, 32, 64], out_channels=16, start_level=0, add_extra_convs=False,
                  num_outs=3),
        bbox_head=dict(
            type='RetinaHead', num_classes=NUM_CLASSES, in_channels=16, stacked_convs=1, feat_channels=16,
            anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=1, ratios=[1.0],
                                  strides=[8, 16, 32]),
            bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4, target_stds=[1.] * 4),
            loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
                                     ignore_iof_thr=-1), allowed_border=-1, pos_weight=-1, debug=False),
        test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=score_thr, nms=dict(type='nms', iou_threshold=0.5),
                      max_per_img=10))


def _meta(h=64, w=96, scale=1.0, flip=False):
    return dict(filename='x.png', ori_shape=(int(h / scale), int(w / scale), 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=np.array([scale] * 4, dtype=np.float32), flip=flip,
                flip_direction='horizontal' if flip else None)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    det = build_detector(_tiny_retinanet())
    det.init_weights()
    return det


def _batch(n=2):
    torch.manual_seed(3)
    data = dict(img=torch.randn(n, 3, 64, 96), img_metas=[_meta() for _ in range(n)],
                gt_bboxes=[torch.tensor([[8., 8., 40., 50.], [50., 10., 90., 60.]])] * n,
                gt_labels=[torch.tensor([0, 2])] * n)
    return data


def test_train_step_and_parse_losses(model):
    model.train()
    out = model.train_step(_batch(), None)
    assert set(out) == {'loss', 'log_vars', 'num_samples'}
    assert out['num_samples'] == 2
    assert set(out['log_vars']) == {'loss_cls', 'loss_bbox', 'loss'}
    assert out['log_vars']['loss'] == pytest.approx(out['log_vars']['loss_cls'] + out['log_vars']['loss_bbox'],
                                                    rel=1e-5)
    out['loss'].backward()
    assert model.bbox_head.retina_cls.weight.grad is not None
    model.zero_grad()
    val = model.val_step(_batch(), None)
    assert set(val['log_vars']) == {'loss_cls', 'loss_bbox', 'loss'}


def test_parse_losses_rules(model):
    losses = dict(loss_a=torch.tensor([1.0, 3.0]), loss_b=[torch.tensor(1.0), torch.tensor([2.0, 4.0])],
                  acc=torch.tensor(50.0))
    loss, log_vars = model._parse_losses(losses)
    # tensors are averaged, lists summed over their means, and only '*loss*' keys enter the total
    assert log_vars == {'loss_a': 2.0, 'loss_b': 4.0, 'acc': 50.0, 'loss': 6.0}
    assert loss.item() == 6.0
    with pytest.raises(TypeError, match='loss_c'):
        model._parse_losses(dict(loss_c=1.0))


def test_forward_test_formats(model):
    model.eval()
    data = _batch(2)
    with torch.no_grad():
        results = model(img=[data['img']], img_metas=[data['img_metas']], return_loss=False, rescale=True)
    assert len(results) == 2
    for per_image in results:
        assert len(per_image) == NUM_CLASSES
        for arr in per_image:
            assert isinstance(arr, np.ndarray) and arr.dtype == np.float32 and arr.shape[1] == 5
    with pytest.raises(TypeError, match='imgs must be a list'):
        model(img=data['img'], img_metas=[data['img_metas']], return_loss=False)


def test_rescale_divides_by_scale_factor(model):
    model.eval()
    img = _batch(1)['img']
    with torch.no_grad():
        plain = model.simple_test(img, [_meta()], rescale=True)[0]
        scaled = model.simple_test(img, [_meta(scale=2.0)], rescale=True)[0]
    for a, b in zip(plain, scaled):
        np.testing.assert_allclose(b[:, :4], a[:, :4] / 2.0, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(b[:, 4], a[:, 4], rtol=1e-6)


def test_aug_test_with_flip(model):
    model.eval()
    img = _batch(1)['img']
    imgs = [img, img.flip(-1)]
    metas = [[_meta()], [_meta(flip=True)]]
    with torch.no_grad():
        results = model(img=imgs, img_metas=metas, return_loss=False, rescale=True)
    assert len(results) == 1 and len(results[0]) == NUM_CLASSES
    for arr in results[0]:
        assert arr.shape[1] == 5
        if len(arr):
            assert (arr[:, 0] >= -1e-3).all() and (arr[:, 2] <= 96 + 1e-3).all()


def test_empty_gt_and_zero_detections():
    torch.manual_seed(0)
    det = build_detector(_tiny_retinanet(score_thr=1.1))
    det.train()
    data = _batch(2)
    data['gt_bboxes'] = [torch.zeros((0, 4)), torch.zeros((0, 4))]
    data['gt_labels'] = [torch.zeros((0, ), dtype=torch.long)] * 2
    out = det.train_step(data, None)
    assert np.isfinite(out['log_vars']['loss']) and out['log_vars']['loss_bbox'] == 0
    det.eval()
    with torch.no_grad():
        results = det.simple_test(data['img'], data['img_metas'], rescale=True)
    assert [[a.shape for a in r] for r in results] == [[(0, 5)] * NUM_CLASSES] * 2


def test_show_result_draws(model, tmp_path):
    img = np.zeros((64, 96, 3), dtype=np.uint8)
    result = [np.array([[10, 10, 40, 40, 0.9]], dtype=np.float32), np.zeros((0, 5), np.float32),
              np.array([[50, 20, 90, 60, 0.1]], dtype=np.float32)]
    model.CLASSES = ('a', 'b', 'c')
    drawn = model.show_result(img, result, score_thr=0.3)
    assert drawn is not None and drawn.shape == img.shape and drawn.any()
    out = tmp_path / 'out.png'
    model.show_result(img, result, out_file=str(out))
    assert out.exists()
