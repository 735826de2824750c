"""Evaluation parity with MMDetection 2.28.2 on the golden detections (data_eval.pth['evaluation'])."""
import numpy as np
import pytest

from tests.golden import load_golden, require_golden
from workbench.datasets import CocoDataset
from workbench.evaluation import eval_map

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')


@pytest.fixture(scope='module')
def golden():
    ev = load_golden('data_eval.pth')['evaluation']
    results = [[t.numpy() for t in img] for img in ev['results']]
    return ev, results


@pytest.fixture(scope='module')
def dataset():
    ann = require_golden('data', 'annotations.json')
    return CocoDataset(ann_file=str(ann), pipeline=[], classes=CLASSES, img_prefix=str(ann.parent / 'images'),
                       test_mode=True)


@pytest.mark.parametrize('backend', ['pycocotools', 'faster_coco_eval'])
def test_bbox_classwise_matches_mmdet(golden, dataset, backend):
    if backend == 'faster_coco_eval':
        pytest.importorskip('faster_coco_eval')
    ev, results = golden
    out = dataset.evaluate(results, metric='bbox', classwise=True, backend=backend, logger='silent')
    expected = ev['bbox_classwise']
    assert list(out) == list(expected)
    for key, val in expected.items():
        if isinstance(val, str):
            assert out[key] == val
        else:
            assert out[key] == pytest.approx(val, abs=1e-4), key


def test_voc_map_matches_mmdet(golden, dataset):
    ev, results = golden
    annotations = [dataset.get_ann_info(i) for i in range(len(dataset))]
    mean_ap, per_class = eval_map(results, annotations, iou_thr=0.5, nproc=1, logger='silent')
    assert mean_ap == pytest.approx(ev['voc_map_area'], abs=1e-6)
    mean_ap11, _ = eval_map(results, annotations, iou_thr=0.5, nproc=1, eval_mode='11points', logger='silent')
    assert mean_ap11 == pytest.approx(ev['voc_map_11points'], abs=1e-6)
    assert len(per_class) == len(ev['voc_per_class'])
    for mine, ref in zip(per_class, ev['voc_per_class']):
        assert mine['num_gts'] == ref['num_gts']
        assert mine['num_dets'] == ref['num_dets']
        assert float(mine['ap']) == pytest.approx(ref['ap'], abs=1e-6)
        np.testing.assert_allclose(mine['recall'], ref['recall'].numpy(), atol=1e-6)
        np.testing.assert_allclose(mine['precision'], ref['precision'].numpy(), atol=1e-6)
        assert mine['recall'].dtype == np.float64 and mine['precision'].dtype == np.float32


def test_voc_map_multiprocess_equals_single(golden, dataset):
    _, results = golden
    annotations = [dataset.get_ann_info(i) for i in range(len(dataset))]
    single = eval_map(results, annotations, nproc=1, logger='silent')
    multi = eval_map(results, annotations, nproc=2, logger='silent')
    assert single[0] == multi[0]
    for a, b in zip(single[1], multi[1]):
        np.testing.assert_array_equal(a['precision'], b['precision'])


def test_faster_backend_equals_pycocotools_on_all_stats(golden, dataset):
    pytest.importorskip('faster_coco_eval')
    from workbench.evaluation import coco_evaluate
    _, results = golden
    files, tmp = dataset.format_results(results)
    try:
        import json
        preds = json.load(open(files['bbox']))
        kw = dict(cat_ids=dataset.cat_ids, img_ids=dataset.img_ids, logger='silent')
        ref = coco_evaluate(dataset.coco, preds, 'bbox', backend='pycocotools', **kw)
        fast = coco_evaluate(dataset.coco, preds, 'bbox', backend='faster_coco_eval', **kw)
    finally:
        tmp.cleanup()
    np.testing.assert_allclose(fast.stats, ref.stats, atol=1e-12)
    np.testing.assert_allclose(fast.eval['precision'], ref.eval['precision'], atol=1e-12)


def test_faster_backend_segm_and_proposal_equal_pycocotools(dataset):
    pytest.importorskip('faster_coco_eval')
    from pycocotools import mask as mask_utils
    rng = np.random.default_rng(0)
    results = []
    for i in range(len(dataset)):
        ann, info = dataset.get_ann_info(i), dataset.data_infos[i]
        det = [np.zeros((0, 5), np.float32) for _ in CLASSES]
        segs = [[] for _ in CLASSES]
        for b, lab, poly in zip(ann['bboxes'], ann['labels'], ann['masks']):
            jitter = b + rng.uniform(-6, 6, 4).astype(np.float32)
            det[lab] = np.vstack([det[lab], np.append(jitter, rng.uniform(0.2, 1.0))[None].astype(np.float32)])
            m = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(poly, info['height'], info['width'])))
            segs[lab].append(np.roll(m, int(rng.integers(-4, 5)), axis=1).astype(bool))
        results.append((det, segs))
    ref = dataset.evaluate(results, metric=['bbox', 'segm', 'proposal'], logger='silent')
    fast = dataset.evaluate(results, metric=['bbox', 'segm', 'proposal'], logger='silent',
                            backend='faster_coco_eval')
    assert 0 < ref['segm_mAP'] < 1 and 0 < ref['bbox_mAP'] < 1
    assert fast == ref
