import pickle
import warnings

import numpy as np
import pytest

from tests.datasets.helpers import write_image
from workbench.datasets import CustomDataset
from workbench.registry import DATASETS


def middle(tmp_path, infos, name='ann.pkl'):
    path = tmp_path / name
    with open(path, 'wb') as f:
        pickle.dump(infos, f)
    return str(path)


def info(fname, w, h, boxes, labels, ignore=None):
    ann = dict(bboxes=np.array(boxes, np.float32).reshape(-1, 4), labels=np.array(labels, np.int64))
    if ignore is not None:
        ann['bboxes_ignore'] = np.array(ignore, np.float32).reshape(-1, 4)
        ann['labels_ignore'] = np.zeros(len(ann['bboxes_ignore']), np.int64)
    return dict(filename=fname, width=w, height=h, ann=ann)


@pytest.fixture
def infos():
    return [info('a.png', 64, 48, [[1, 1, 20, 20], [30, 10, 50, 40]], [0, 1]),
            info('b.png', 40, 60, [[5, 5, 30, 30]], [1], ignore=[[0, 0, 4, 4]]),
            info('c.png', 20, 20, [[1, 1, 5, 5]], [0])]


class MyDataset(CustomDataset):
    CLASSES = ('cat', 'dog')


def test_middle_format_basics(tmp_path, infos):
    ann = middle(tmp_path, infos)
    with pytest.warns(UserWarning, match='does not support filtering empty gt'):
        ds = CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'))
    assert len(ds) == 2  # c.png is smaller than 32 px
    np.testing.assert_array_equal(ds.flag, [1, 0])
    assert ds.get_cat_ids(0) == [0, 1]
    assert ds.get_cat2imgs() == {0: [0], 1: [0, 1]}
    test = CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'), test_mode=True)
    assert len(test) == 3
    results = {}
    test.pre_pipeline(results)
    assert results == dict(img_prefix='', seg_prefix=None, proposal_file=None, bbox_fields=[], mask_fields=[],
                           seg_fields=[])
    assert 'cat' in repr(test) and 'number of images 3' in repr(test)


def test_classes_sources(tmp_path, infos):
    ann = middle(tmp_path, infos)
    assert MyDataset(ann_file=ann, pipeline=[], test_mode=True).CLASSES == ('cat', 'dog')
    (tmp_path / 'names.txt').write_text('x\ny\nz\n')
    assert MyDataset.get_classes(str(tmp_path / 'names.txt')) == ['x', 'y', 'z']
    assert CustomDataset.get_classes(['p', 'q']) == ['p', 'q']
    assert CustomDataset.get_classes(('p', 'q')) == ('p', 'q')
    with pytest.raises(ValueError, match='classes must be'):
        CustomDataset.get_classes(3)
    assert DATASETS.get('CustomDataset') is CustomDataset


def test_items_go_through_the_pipeline(tmp_path, infos):
    for i in infos:
        write_image(tmp_path / i['filename'], i['width'], i['height'])
    ann = middle(tmp_path, infos)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True)]
    ds = CustomDataset(ann_file=ann, pipeline=pipeline, classes=('cat', 'dog'), img_prefix=str(tmp_path),
                       filter_empty_gt=False)
    out = ds[1]
    assert out['img'].shape == (60, 40, 3)
    np.testing.assert_array_equal(out['gt_bboxes'], infos[1]['ann']['bboxes'])
    np.testing.assert_array_equal(out['gt_bboxes_ignore'], infos[1]['ann']['bboxes_ignore'])
    test = CustomDataset(ann_file=ann, pipeline=pipeline[:1], classes=('cat', 'dog'), img_prefix=str(tmp_path),
                         test_mode=True)
    assert 'gt_bboxes' not in test[0] and test[0]['img'].shape == (48, 64, 3)


def test_proposals_follow_filtering(tmp_path, infos):
    ann = middle(tmp_path, infos)
    props = [np.full((1, 5), i, np.float32) for i in range(3)]
    prop_file = middle(tmp_path, props, 'props.pkl')
    ds = CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'), proposal_file=prop_file,
                       filter_empty_gt=False)
    assert [p[0, 0] for p in ds.proposals] == [0, 1]
    with pytest.raises(ValueError, match='2 entries'):
        CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'),
                      proposal_file=middle(tmp_path, props[:2], 'p2.pkl'), filter_empty_gt=False)


def test_evaluate_map_and_recall(tmp_path, infos):
    ann = middle(tmp_path, infos)
    ds = CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'), test_mode=True)
    perfect = []
    for i in range(len(ds)):
        a = ds.get_ann_info(i)
        perfect.append([np.hstack([a['bboxes'][a['labels'] == c], np.ones((int((a['labels'] == c).sum()), 1))])
                        .astype(np.float32) for c in range(2)])
    out = ds.evaluate(perfect, metric='mAP', iou_thr=[0.5, 0.75], logger='silent')
    assert list(out) == ['AP50', 'AP75', 'mAP'] and out['mAP'] == pytest.approx(1.0)
    assert set(ds.eval_dataframes) == {'mAP@0.5', 'mAP@0.75'}
    assert ds.eval_dataframes['mAP@0.5']['n_gt'].tolist() == [2, 2]
    props = [np.vstack(r) for r in perfect]
    rec = ds.evaluate(props, metric='recall', proposal_nums=(1, 10), iou_thr=[0.5, 0.9], logger='silent')
    assert rec['recall@10@0.5'] == pytest.approx(1.0) and rec['recall@1@0.5'] == pytest.approx(0.75)
    assert rec['AR@10'] == pytest.approx(1.0)
    with pytest.raises(KeyError, match='not supported'):
        ds.evaluate(perfect, metric='bbox')
    with pytest.raises(ValueError, match='2 results for a dataset of 3'):
        ds.evaluate(perfect[:2])


def test_invalid_middle_annotations(tmp_path, infos):
    infos[0]['ann']['bboxes'][1] = [50, 10, 30, 40]  # x2 < x1
    infos[1]['ann']['labels'][0] = 7  # no class 7
    for i in infos:
        write_image(tmp_path / i['filename'], i['width'], i['height'])
    ann = middle(tmp_path, infos)
    with pytest.raises(ValueError) as e:
        CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'), test_mode=True)
    msg = str(e.value)
    assert "'a.png'" in msg and 'negative size' in msg and "'b.png'" in msg and 'labels[0] = 7' in msg
    assert 'skip_invalid=True' in msg
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter('always')
        ds = CustomDataset(ann_file=ann, pipeline=[], classes=('cat', 'dog'), test_mode=True, skip_invalid=True,
                           img_prefix=str(tmp_path))
    dropped = [w for w in rec if 'skip_invalid=True dropped' in str(w.message)]
    assert len(dropped) == 1 and "'a.png'" in str(dropped[0].message) and "'b.png'" in str(dropped[0].message)
    assert len(ds) == 3 and len(ds.invalid_items) == 2
    np.testing.assert_array_equal(ds.get_ann_info(0)['bboxes'], [[1, 1, 20, 20]])
    np.testing.assert_array_equal(ds.get_ann_info(0)['labels'], [0])
    assert ds.get_ann_info(1)['bboxes'].shape == (0, 4)
    np.testing.assert_array_equal(ds.get_ann_info(1)['bboxes_ignore'], [[0, 0, 4, 4]])  # nothing else lost
    np.testing.assert_array_equal(ds.get_ann_info(2)['bboxes'], [[1, 1, 5, 5]])


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pkl'):
        CustomDataset(ann_file=str(tmp_path / 'missing.pkl'), pipeline=[])
    bad = tmp_path / 'bad.json'
    bad.write_text('{not json')
    with pytest.raises(ValueError, match='bad.json'):
        CustomDataset(ann_file=str(bad), pipeline=[])
    ann = middle(tmp_path, [dict(filename='x.png', width=3)], 'nohead.pkl')
    with pytest.raises(ValueError, match="no 'height'"):
        CustomDataset(ann_file=ann, pipeline=[])


def test_loading_pipeline_helpers():
    from workbench.datasets import get_loading_pipeline, replace_ImageToTensor
    train = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
             dict(type='Resize', img_scale=(64, 64), keep_ratio=True), dict(type='RandomFlip', flip_ratio=0.5)]
    assert get_loading_pipeline(train) == train[:2]
    with pytest.raises(ValueError, match='annotation loading'):
        get_loading_pipeline(train[:1] + train[2:])
    test = [dict(type='LoadImageFromFile'),
            dict(type='MultiScaleFlipAug', img_scale=(64, 64), transforms=[dict(type='ImageToTensor', keys=['img'])])]
    with pytest.warns(UserWarning, match='DefaultFormatBundle'):
        out = replace_ImageToTensor(test)
    assert out[1]['transforms'] == [dict(type='DefaultFormatBundle')]
