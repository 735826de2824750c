import json
import os.path as osp

import numpy as np
import pytest

from tests.datasets.helpers import basic_coco
from tests.golden import load_golden, require_golden
from workbench.datasets import CocoDataset
from workbench.registry import DATASETS

CLASSES = ('rect', 'ellipse', 'triangle', 'cross')


@pytest.fixture(scope='module')
def golden_ann():
    return require_golden('data', 'annotations.json')


def test_registered_under_both_names():
    assert DATASETS.get('CocoDataset') is CocoDataset
    assert DATASETS.get('COCODataset') is CocoDataset


def test_golden_annotations_middle_format(golden_ann):
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=[], classes=CLASSES, test_mode=True)
    raw = json.load(open(golden_ann))
    assert len(ds) == 6 and ds.cat_ids == [1, 2, 3, 4]
    assert ds.cat2label == {1: 0, 2: 1, 3: 2, 4: 3}
    ann = ds.get_ann_info(0)
    ref = [a for a in raw['annotations'] if a['image_id'] == 1]
    exp = np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in ref)], np.float32)
    np.testing.assert_array_equal(ann['bboxes'], exp)
    np.testing.assert_array_equal(ann['labels'], [a['category_id'] - 1 for a in ref])
    assert ann['bboxes'].dtype == np.float32 and ann['labels'].dtype == np.int64
    assert ann['bboxes_ignore'].shape == (0, 4)
    assert ann['masks'] == [a['segmentation'] for a in ref] and ann['seg_map'] == '000.png'
    assert ds.data_infos[1]['filename'] == '001.png' and ds.data_infos[1]['width'] == 220
    np.testing.assert_array_equal(ds.flag, [1, 0, 1, 0, 1, 0])
    assert ds.get_cat_ids(0) == [4, 2, 1]


def test_golden_train_pipeline_item_matches_mmdet(golden_ann):
    data = load_golden('data_eval.pth')
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=data['train_pipeline'], classes=data['classes'],
                     img_prefix=str(golden_ann.parent / 'images') + '/')
    for i in (0, 1):
        out, ref = ds[i], data['pipeline'][f'train_{i}']
        np.testing.assert_allclose(out['img'].data.numpy(), ref['img'].numpy(), atol=1e-4)
        np.testing.assert_allclose(out['gt_bboxes'].data.numpy(), ref['gt_bboxes'].numpy(), atol=1e-4)
        np.testing.assert_array_equal(out['gt_labels'].data.numpy(), ref['gt_labels'].numpy())
        assert out['img_metas'].data['ori_filename'] == ref['img_metas']['ori_filename']


def test_rules_crowd_filtering_and_subsets(tmp_path):
    ann, img_prefix = basic_coco(str(tmp_path))
    ds = CocoDataset(ann_file=ann, pipeline=[], classes=('a', 'b', 'c'), img_prefix=img_prefix)
    # image 4 is smaller than 32 px and is filtered in training; image 3 has no annotation
    assert [d['id'] for d in ds.data_infos] == [1, 2] and ds.img_ids == [1, 2]
    a0 = ds.get_ann_info(0)
    np.testing.assert_array_equal(a0['bboxes'], [[2, 3, 22, 13], [30, 20, 40, 30]])
    np.testing.assert_array_equal(a0['labels'], [0, 2])  # non-contiguous ids 1, 9 -> labels 0, 2
    np.testing.assert_array_equal(a0['bboxes_ignore'], [[0, 0, 30, 30]])  # crowd
    a1 = ds.get_ann_info(1)
    np.testing.assert_array_equal(a1['labels'], [1])  # out-of-image and sub-pixel boxes left out

    keep_empty = CocoDataset(ann_file=ann, pipeline=[], classes=('a', 'b', 'c'), filter_empty_gt=False)
    assert [d['id'] for d in keep_empty.data_infos] == [1, 2, 3]
    test = CocoDataset(ann_file=ann, pipeline=[], classes=('a', 'b', 'c'), test_mode=True)
    assert len(test) == 4

    sub = CocoDataset(ann_file=ann, pipeline=[], classes=('c', 'a'))
    assert sub.cat_ids == [9, 1] and sub.cat2label == {9: 0, 1: 1}
    # image 2 stays: the empty-gt filter looks at raw annotations (it has two unusable 'a' boxes), as in mmdet
    assert [d['id'] for d in sub.data_infos] == [1, 2]
    np.testing.assert_array_equal(sub.get_ann_info(0)['labels'], [1, 0])
    assert sub.get_ann_info(1)['labels'].size == 0
    only_b = CocoDataset(ann_file=ann, pipeline=[], classes=('b',))
    assert [d['id'] for d in only_b.data_infos] == [1, 2]  # image 1 holds a crowd 'b'
    only_c = CocoDataset(ann_file=ann, pipeline=[], classes=('c',))
    assert [d['id'] for d in only_c.data_infos] == [1]


def test_classes_from_file_data_root_and_errors(tmp_path):
    ann, _ = basic_coco(str(tmp_path))
    (tmp_path / 'classes.txt').write_text('a\nb\n\nc\n')
    ds = CocoDataset(ann_file='ann.json', pipeline=[], classes=str(tmp_path / 'classes.txt'),
                     data_root=str(tmp_path), img_prefix='images/')
    assert ds.CLASSES == ['a', 'b', 'c'] and ds.ann_file == osp.join(str(tmp_path), 'ann.json')
    assert ds.img_prefix == osp.join(str(tmp_path), 'images/')
    with pytest.raises(ValueError, match=r"\['zebra'\] are not categories"):
        CocoDataset(ann_file=ann, pipeline=[], classes=('a', 'zebra'))
    with pytest.raises(FileNotFoundError, match='nope.json'):
        CocoDataset(ann_file=str(tmp_path / 'nope.json'), pipeline=[], classes=('a',))


def test_rle_masks_are_passed_through(tmp_path):
    from pycocotools import mask as mask_utils
    m = np.zeros((48, 64), np.uint8, order='F')
    m[5:20, 5:30] = 1
    rle = mask_utils.encode(m)
    rle['counts'] = rle['counts'].decode()
    from tests.datasets.helpers import write_coco
    ann, _ = write_coco(str(tmp_path), [(1, '1.png', 64, 48)],
                        [dict(id=1, image_id=1, category_id=1, bbox=[5, 5, 25, 15], segmentation=rle,
                              iscrowd=0)], [dict(id=1, name='a')])
    ds = CocoDataset(ann_file=ann, pipeline=[], classes=('a',))
    assert ds.get_ann_info(0)['masks'] == [rle]


def _perfect_results(ds, with_masks=False):
    from pycocotools import mask as mask_utils
    results = []
    for i in range(len(ds)):
        ann = ds.get_ann_info(i)
        per_class = [np.zeros((0, 5), np.float32) for _ in ds.CLASSES]
        segs = [[] for _ in ds.CLASSES]
        info = ds.data_infos[i]
        for b, lab, poly in zip(ann['bboxes'], ann['labels'], ann['masks']):
            per_class[lab] = np.vstack([per_class[lab], np.append(b, 0.9)[None].astype(np.float32)])
            rles = mask_utils.frPyObjects(poly, info['height'], info['width'])
            segs[lab].append(mask_utils.decode(mask_utils.merge(rles)).astype(bool))
        results.append((per_class, segs) if with_masks else per_class)
    return results


def test_evaluate_segm_proposal_and_json_files(tmp_path, golden_ann):
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=[], classes=CLASSES, test_mode=True)
    results = _perfect_results(ds, with_masks=True)
    prefix = str(tmp_path / 'new_dir' / 'res')  # the folder is created
    out = ds.evaluate(results, metric=['bbox', 'segm'], jsonfile_prefix=prefix, logger='silent')
    assert out['bbox_mAP'] == pytest.approx(1.0) and out['segm_mAP'] == pytest.approx(1.0)
    assert osp.isfile(prefix + '.bbox.json') and osp.isfile(prefix + '.segm.json')
    segm = json.load(open(prefix + '.segm.json'))
    assert isinstance(segm[0]['segmentation']['counts'], str) and segm[0]['category_id'] in ds.cat_ids
    assert set(ds.eval_dataframes) == {'bbox', 'segm'}
    # segm evaluation works on a copy: the dataset still holds its polygons
    assert isinstance(ds.get_ann_info(0)['masks'][0], list)

    det = _perfect_results(ds)
    prop = ds.evaluate(det, metric='proposal', logger='silent', metric_items=['AR@100'])
    assert list(prop) == ['AR@100'] and prop['AR@100'] == pytest.approx(1.0)
    fast = ds.evaluate([np.vstack(r) for r in det], metric='proposal_fast', logger='silent')
    assert fast['AR@100'] == pytest.approx(1.0)
    some = ds.evaluate(det, metric='bbox', logger='silent', metric_items=['mAP_50'], iou_thrs=[0.5])
    assert list(some) == ['bbox_mAP_50', 'bbox_mAP_copypaste']
    with pytest.raises(KeyError, match='not supported'):
        ds.evaluate(det, metric='mAP')
    with pytest.raises(KeyError, match='metric item'):
        ds.evaluate(det, metric='bbox', metric_items=['mAP_xl'], logger='silent')


def test_proposal_metric_names_follow_proposal_nums(golden_ann):
    """COCOeval summarises recall at the three proposal_nums: the items are named after them (mmdet would label
    them AR@100/300/1000 whatever the numbers), and each equals COCOeval's own stat."""
    from workbench.evaluation import coco_evaluate
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=[], classes=CLASSES, test_mode=True)
    det = _perfect_results(ds)
    for r in det[::2]:  # drop a class's boxes in every other image, so recall depends on what is counted
        r[0] = r[0][:0]
    out = ds.evaluate(det, metric='proposal', proposal_nums=(1, 2, 5), logger='silent')
    assert list(out) == ['AR@1', 'AR@2', 'AR@5', 'AR_s@5', 'AR_m@5', 'AR_l@5']
    stats = coco_evaluate(ds.coco, ds._results2json_lists(det)['proposal'], 'bbox', cat_ids=ds.cat_ids,
                          img_ids=ds.img_ids, max_dets=[1, 2, 5], use_cats=False, logger='silent').stats
    assert [out[k] for k in out] == [float(f'{v:.4f}') for v in stats[6:12]]
    assert out['AR@1'] < out['AR@5'] < 1.0
    with pytest.raises(KeyError, match=r"'AR@100' is not supported with proposal_nums \(1, 2, 5\)"):
        ds.evaluate(det, metric='proposal', proposal_nums=(1, 2, 5), metric_items=['AR@100'], logger='silent')
    with pytest.raises(ValueError, match='proposal_nums must hold 3 numbers'):
        ds.evaluate(det, metric='bbox', proposal_nums=(1, 2), logger='silent')
    with pytest.raises(ValueError, match='length of results'):
        ds.evaluate(det[:2], metric='bbox')


def test_format_results_proposals_and_temp_dir(golden_ann):
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=[], classes=CLASSES, test_mode=True)
    props = [np.array([[1, 2, 11, 22, 0.5]], np.float32) for _ in range(len(ds))]
    files, tmp = ds.format_results(props)
    try:
        data = json.load(open(files['proposal']))
        assert data[0] == dict(image_id=1, bbox=[1.0, 2.0, 10.0, 20.0], score=0.5, category_id=1)
    finally:
        tmp.cleanup()
    assert not osp.exists(files['proposal'])


def test_det2json_numbers_equal_the_row_by_row_conversion(golden_ann):
    """The vectorised conversion gives mmdet's numbers: xyxy2xywh of each row (widths in float64 after the
    conversion) and float(score), in image, class, row order."""
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=[], classes=CLASSES, test_mode=True)
    rng = np.random.default_rng(0)
    results = []
    for _ in range(len(ds)):
        per_class = []
        for _ in CLASSES:
            xy = rng.uniform(0, 300, (int(rng.integers(0, 4)), 2))
            boxes = np.hstack([xy, xy + rng.uniform(1, 90, xy.shape), rng.uniform(0, 1, (len(xy), 1))])
            per_class.append(boxes.astype(np.float32))
        results.append(per_class)
    expected = [dict(image_id=ds.img_ids[i], bbox=ds.xyxy2xywh(row), score=float(row[4]),
                     category_id=ds.cat_ids[label])
                for i in range(len(ds)) for label, boxes in enumerate(results[i]) for row in boxes]
    assert expected and ds._det2json(results) == expected
    props = [np.vstack(r) for r in results]
    assert ds._proposal2json(props) == [dict(d, category_id=1) for d in expected]


def test_evaluate_several_metrics_at_once_equals_one_by_one(tmp_path, golden_ann):
    """evaluate() keeps the result dicts in memory; a second metric on the same detections must not see the keys
    the first one's loadRes added, and the json files written on request hold the same detections."""
    ds = CocoDataset(ann_file=str(golden_ann), pipeline=[], classes=CLASSES, test_mode=True)
    det = _perfect_results(ds)
    for r in det:  # a shifted copy of every box: not a perfect score
        for lab, boxes in enumerate(r):
            if len(boxes):
                shifted = boxes.copy()
                shifted[:, :4] += 7
                shifted[:, 4] = 0.95
                r[lab] = np.vstack([boxes, shifted])
    both = ds.evaluate(det, metric=['bbox', 'proposal'], logger='silent', jsonfile_prefix=str(tmp_path / 'r'))
    alone = {**ds.evaluate(det, metric='bbox', logger='silent'), **ds.evaluate(det, metric='proposal', logger='silent')}
    assert both == alone
    assert 0 < both['bbox_mAP'] < 1
    assert json.load(open(tmp_path / 'r.bbox.json')) == ds._det2json(det)
