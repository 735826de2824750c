"""The proposal-only ``RPN`` detector built from rpn/rpn_r50_fpn_1x_coco.py (shrunk: ResNet-18 with 16 base
channels, FPN 32 channels): proposals, training losses, parity of its proposals with MMDetection's RPN (the
golden Faster R-CNN's first stage), and recall evaluation through ``CocoDataset.evaluate``."""
import copy

import numpy as np
import pytest
import torch

from tests.golden import GOLDEN_DIR, load_golden, require_golden
from tests.models.golden_models import assert_dets_match, img_metas, load_io
from workbench.config import Config
from workbench.models import build_detector

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')
SMALL = {
    'model.backbone': dict(depth=18, base_channels=16, init_cfg=None),
    'model.neck.in_channels': [16, 32, 64, 128],
    'model.neck.out_channels': 32,
    'model.rpn_head': dict(in_channels=32, feat_channels=32),
}


def small_rpn_cfg():
    cfg = Config.fromfile('workbench::rpn/rpn_r50_fpn_1x_coco.py')
    cfg.merge_from_dict(SMALL)
    return cfg


@pytest.fixture(scope='module')
def rpn():
    torch.manual_seed(0)
    model = build_detector(small_rpn_cfg().model)
    model.init_weights()
    return model


def _meta(h, w, scale=1.0):
    return dict(img_shape=(h, w, 3), ori_shape=(round(h / scale), round(w / scale), 3), pad_shape=(h, w, 3),
                batch_input_shape=(h, w), scale_factor=np.full(4, scale, dtype=np.float32), flip=False,
                flip_direction=None)


def test_rpn_simple_test_returns_proposals_per_image(rpn):
    model = copy.deepcopy(rpn).eval()
    h, w = 128, 160
    torch.manual_seed(1)
    imgs = torch.randn(2, 3, h, w)
    with torch.no_grad():
        proposals = model.simple_test(imgs, [_meta(h, w), _meta(h, w)], rescale=False)
        rescaled = model.simple_test(imgs, [_meta(h, w, 2.0), _meta(h, w, 2.0)], rescale=True)
    assert isinstance(proposals, list) and len(proposals) == 2
    max_per_img = model.test_cfg.rpn.max_per_img
    for p, r in zip(proposals, rescaled):
        assert isinstance(p, np.ndarray) and p.ndim == 2 and p.shape[1] == 5
        assert 0 < len(p) <= max_per_img
        # inside the image, sorted by objectness, scores are sigmoid probabilities
        assert (p[:, 0] >= 0).all() and (p[:, 2] <= w).all() and (p[:, 1] >= 0).all() and (p[:, 3] <= h).all()
        assert (np.diff(p[:, 4]) <= 0).all() and ((p[:, 4] > 0) & (p[:, 4] < 1)).all()
        # rescale=True maps boxes back to the original image (scale_factor 2 -> half size), scores unchanged
        np.testing.assert_allclose(r[:, :4], p[:, :4] / 2, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(r[:, 4], p[:, 4])


def test_rpn_forward_train_losses(rpn):
    model = copy.deepcopy(rpn).train()
    h, w = 128, 160
    torch.manual_seed(2)
    imgs = torch.randn(2, 3, h, w)
    gt_bboxes = [torch.tensor([[10., 20., 90., 100.], [60., 10., 150., 60.]]), torch.zeros(0, 4)]
    # through forward(), as the runner calls it (gt_labels are not collected by the RPN pipeline)
    losses = model(imgs, [_meta(h, w), _meta(h, w)], gt_bboxes=gt_bboxes)
    assert set(losses) == {'loss_rpn_cls', 'loss_rpn_bbox'}
    loss, log_vars = model._parse_losses(losses)
    assert log_vars['loss_rpn_cls'] > 0 and log_vars['loss_rpn_bbox'] > 0
    assert log_vars['loss'] == pytest.approx(log_vars['loss_rpn_cls'] + log_vars['loss_rpn_bbox'], rel=1e-6)
    loss.backward()
    assert model.rpn_head.rpn_conv.weight.grad.abs().sum() > 0
    # frozen_stages=1 in the config: the stem takes no gradient
    assert model.backbone.conv1.weight.grad is None


def test_rpn_empty_when_nothing_survives(rpn):
    model = copy.deepcopy(rpn).eval()
    model.rpn_head.test_cfg = dict(model.rpn_head.test_cfg, min_bbox_size=10000)
    with torch.no_grad():
        proposals = model.simple_test(torch.randn(1, 3, 64, 64), [_meta(64, 64)], rescale=True)
    assert proposals[0].shape == (0, 5) and proposals[0].dtype == np.float32


def test_rpn_detector_matches_mmdet_proposals_of_the_golden_first_stage():
    """The golden Faster R-CNN's backbone, neck and RPN head loaded into the RPN detector built from the packaged
    RPN config: the same proposals as MMDetection 2.28.2's (with Faster R-CNN's test-time RPN settings, which the
    fixture used)."""
    io = load_io('faster_rcnn')
    gold_cfg = Config.fromfile(str(require_golden('models', 'faster_rcnn', 'config.py')))
    cfg = small_rpn_cfg()
    cfg.model.test_cfg.rpn = gold_cfg.model.test_cfg.rpn
    model = build_detector(cfg.model)
    state = load_golden('models', 'faster_rcnn', 'weights.pth')
    state = {k: v for k, v in state.items() if not k.startswith('roi_head.')}
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        proposals = model.simple_test(io['img'], img_metas(io), rescale=False)
    assert_dets_match(proposals[0], None, io['outputs']['proposals'][0], None)


@pytest.fixture
def golden_dataset_cfg(monkeypatch):
    """The RPN config's test data pointed at the six golden images, resized to 320x256 to stay small."""
    require_golden('data', 'annotations.json')
    monkeypatch.chdir(GOLDEN_DIR.parent)
    cfg = small_rpn_cfg()
    test = cfg.data.test
    test.update(ann_file='golden/data/annotations.json', img_prefix='golden/data/images/', classes=CLASSES)
    test.pipeline[1]['img_scale'] = (320, 256)
    return cfg


def test_rpn_proposal_recall_through_dataset_evaluation(golden_dataset_cfg, rpn):
    """The mmdet evaluation path of an RPN config: dataset from the config's test pipeline, ``single_gpu_test``,
    then ``CocoDataset.evaluate`` with the config's metric ('proposal_fast') and COCO's 'proposal'."""
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.engine import single_gpu_test
    from workbench.parallel.data_parallel import MMDataParallel
    cfg = golden_dataset_cfg
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0, dist=False, shuffle=False)
    results = single_gpu_test(MMDataParallel(copy.deepcopy(rpn)), loader, progress=False)
    assert len(results) == len(dataset) == 6
    for res, info in zip(results, dataset.data_infos):
        assert res.ndim == 2 and res.shape[1] == 5 and len(res) > 0
        # rescale=True: proposals are in original image coordinates
        assert res[:, 2].max() <= info['width'] + 1e-3 and res[:, 3].max() <= info['height'] + 1e-3

    # mmdet's default proposal_nums (100, 300, 1000)
    fast = dataset.evaluate(results, metric=cfg.evaluation.metric)
    assert list(fast) == ['AR@100', 'AR@300', 'AR@1000']
    assert all(0 <= v <= 1 for v in fast.values())
    assert fast['AR@100'] <= fast['AR@300'] <= fast['AR@1000']
    coco = dataset.evaluate(results, metric='proposal', metric_items=['AR@100', 'AR@300', 'AR@1000'])
    assert list(coco) == ['AR@100', 'AR@300', 'AR@1000'] and all(0 <= v <= 1 for v in coco.values())
    # both compute AR over IoU 0.5:0.95 on the same boxes (pycocotools rounds its output to 4 digits)
    for key in coco:
        assert coco[key] == pytest.approx(fast[key], abs=2e-3), key

    # the ground-truth boxes as proposals are recalled completely at every IoU threshold
    perfect = []
    for i in range(len(dataset)):
        boxes = dataset.get_ann_info(i)['bboxes']
        perfect.append(np.hstack([boxes, np.ones((len(boxes), 1), np.float32)]))
    assert dataset.evaluate(perfect, metric='proposal_fast', proposal_nums=(100,))['AR@100'] == pytest.approx(1.0)


def test_rpn_train_step_on_the_configs_train_pipeline(golden_dataset_cfg, rpn):
    """The RPN config's training data (boxes only: ``LoadAnnotations(with_label=False)``, ``Collect`` without
    gt_labels) through the data loader into ``train_step``, as the runner does it."""
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.parallel.data_parallel import MMDataParallel
    cfg = golden_dataset_cfg
    train = cfg.data.train
    train.update(ann_file='golden/data/annotations.json', img_prefix='golden/data/images/', classes=CLASSES)
    [t for t in train.pipeline if t['type'] == 'Resize'][0]['img_scale'] = (320, 256)
    dataset = build_dataset(train)
    loader = build_dataloader(dataset, samples_per_gpu=2, workers_per_gpu=0, dist=False, shuffle=False)
    batch = next(iter(loader))
    assert 'gt_labels' not in batch and 'gt_bboxes' in batch
    model = MMDataParallel(copy.deepcopy(rpn).train())
    outputs = model.train_step(batch, None)
    assert outputs['num_samples'] == 2
    assert set(outputs['log_vars']) == {'loss_rpn_cls', 'loss_rpn_bbox', 'loss'}
    assert torch.isfinite(outputs['loss'])
    outputs['loss'].backward()
