"""Bad input gives a message naming the file / image id; skip_invalid=True drops exactly the bad items with ONE
warning."""
import os
import warnings

import numpy as np
import pytest

from tests.datasets.helpers import CATS, basic_coco, write_coco
from workbench.datasets import CocoDataset, DataItemError

PIPE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True)]
CLASSES = ('a', 'b', 'c')


def build(ann, img_prefix, **kw):
    kw.setdefault('classes', CLASSES)
    pipeline = PIPE[:1] if kw.get('test_mode') else PIPE
    return CocoDataset(ann_file=ann, pipeline=pipeline, img_prefix=img_prefix, **kw)


def build_skipping(ann, img_prefix, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter('always')
        ds = build(ann, img_prefix, skip_invalid=True, **kw)
    msgs = [str(w.message) for w in rec if 'skip_invalid=True dropped' in str(w.message)]
    assert len(msgs) == 1, msgs
    return ds, msgs[0]


def reference(tmp_path):
    ann, prefix = basic_coco(str(tmp_path / 'ref'))
    ds = build(ann, prefix, test_mode=True)
    return {d['id']: ds.get_ann_info(i) for i, d in enumerate(ds.data_infos)}


def assert_same_ann(a, b):
    for k in ('bboxes', 'labels', 'bboxes_ignore'):
        np.testing.assert_array_equal(a[k], b[k])


def test_missing_image_file(tmp_path):
    ann, prefix = basic_coco(str(tmp_path))
    os.remove(os.path.join(prefix, '2.png'))
    ds = build(ann, prefix)
    assert ds[0]['img'].shape == (48, 64, 3)
    with pytest.raises(DataItemError, match=r"image id 2, file '.*2\.png'\): image file does not exist"):
        ds[1]
    ds2, msg = build_skipping(ann, prefix)
    assert '2.png' in msg and 'image id 2' in msg and 'does not exist' in msg
    assert ds2.img_ids == [1] and [d['id'] for d in ds2.data_infos] == [1]
    assert_same_ann(ds2.get_ann_info(0), reference(tmp_path)[1])


def test_corrupt_image(tmp_path):
    ann, prefix = basic_coco(str(tmp_path))
    with open(os.path.join(prefix, '1.png'), 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n not really a png')
    ds = build(ann, prefix, test_mode=True)
    with pytest.raises(DataItemError, match=r"image id 1, file '.*1\.png'\): image file cannot be decoded"):
        ds[0]
    ds2, msg = build_skipping(ann, prefix, test_mode=True)
    assert '1.png' in msg and 'cannot be decoded' in msg
    assert ds2.img_ids == [2, 3, 4] and len(ds2) == 3
    ref = reference(tmp_path)
    for i, img_id in enumerate(ds2.img_ids):
        assert_same_ann(ds2.get_ann_info(i), ref[img_id])
    assert ds2[0]['img'].shape == (60, 40, 3)


def test_image_broken_after_loading_is_skipped_in_training(tmp_path):
    ann, prefix = basic_coco(str(tmp_path))
    ds = build(ann, prefix, skip_invalid=True)
    assert len(ds) == 2
    with open(os.path.join(prefix, '2.png'), 'wb') as f:
        f.write(b'garbage')
    np.random.seed(0)
    with pytest.warns(UserWarning, match=r"image id 2, file '.*2\.png'\): image file cannot be decoded.*skipped"):
        out = ds[1]  # replaced by another image of the same aspect group... or any valid one
    assert out['img'] is not None
    assert [it.image_id for it in ds.invalid_items] == [2]


def test_negative_size_box(tmp_path):
    images = [(1, '1.png', 64, 48), (2, '2.png', 64, 48)]
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 20, 10]),
            dict(id=2, image_id=1, category_id=5, bbox=[30, 20, -10, 10]),
            dict(id=3, image_id=2, category_id=9, bbox=[5, 5, 10, 10])]
    ann, prefix = write_coco(str(tmp_path), images, anns, CATS)
    with pytest.raises(ValueError) as e:
        build(ann, prefix)
    msg = str(e.value)
    assert "'1.png' (image id 1)" in msg and 'annotation id 2 has a negative-size bbox [30, 20, -10, 10]' in msg
    assert 'ann.json' in msg
    ds, wmsg = build_skipping(ann, prefix)
    assert 'annotation id 2' in wmsg and 'dropped 1 annotation(s) and 0 image(s)' in wmsg
    np.testing.assert_array_equal(ds.get_ann_info(0)['bboxes'], [[2, 3, 22, 13]])
    np.testing.assert_array_equal(ds.get_ann_info(1)['labels'], [2])
    assert 2 not in ds.coco.anns and len(ds.coco.anns) == 2


def test_unknown_category_id(tmp_path):
    images = [(1, '1.png', 64, 48)]
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 20, 10]),
            dict(id=2, image_id=1, category_id=42, bbox=[30, 20, 10, 10])]
    ann, prefix = write_coco(str(tmp_path), images, anns, CATS)
    with pytest.raises(ValueError, match=r"'1\.png' \(image id 1\): annotation id 2 has unknown category id 42"):
        build(ann, prefix)
    ds, wmsg = build_skipping(ann, prefix)
    assert 'unknown category id 42' in wmsg
    np.testing.assert_array_equal(ds.get_ann_info(0)['labels'], [0])
    # a known category that is simply not selected is no error (class subsetting)
    anns[1]['category_id'] = 9
    ann2, _ = write_coco(str(tmp_path), images, anns, CATS, name='ok.json', make_images=False)
    ok = build(ann2, prefix, classes=('a',))
    np.testing.assert_array_equal(ok.get_ann_info(0)['labels'], [0])


def test_annotation_of_unknown_image(tmp_path):
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 20, 10]),
            dict(id=2, image_id=77, category_id=1, bbox=[2, 3, 20, 10])]
    ann, prefix = write_coco(str(tmp_path), [(1, '1.png', 64, 48)], anns, CATS)
    with pytest.raises(ValueError, match=r'image id 77\): annotation id 2 refers to an image id that is not'):
        build(ann, prefix)


def test_empty_annotation_list(tmp_path):
    ann, prefix = write_coco(str(tmp_path), [(1, '1.png', 64, 48)], [], CATS)
    with pytest.raises(ValueError, match=r"'.*ann\.json' has an empty annotation list.*test_mode=True"):
        build(ann, prefix)
    # inference on unlabelled images is fine
    ds = build(ann, prefix, test_mode=True)
    assert len(ds) == 1 and ds.get_ann_info(0)['bboxes'].shape == (0, 4)
    # annotations exist, but none of the selected classes: nothing left to train on
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 20, 10])]
    ann2, _ = write_coco(str(tmp_path), [(1, '1.png', 64, 48)], anns, CATS, name='b.json', make_images=False)
    with pytest.raises(ValueError, match=r"no training image left in '.*b\.json'"):
        build(ann2, prefix, classes=('c',))
    no_images, _ = write_coco(str(tmp_path), [], [], CATS, name='c.json')
    with pytest.raises(ValueError, match=r"'.*c\.json' lists no images"):
        build(no_images, prefix, test_mode=True)


def test_duplicate_annotation_ids(tmp_path):
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 20, 10]),
            dict(id=1, image_id=2, category_id=1, bbox=[2, 3, 20, 10])]
    ann, prefix = write_coco(str(tmp_path), [(1, '1.png', 64, 48), (2, '2.png', 64, 48)], anns, CATS)
    with pytest.raises(ValueError, match='not unique'):
        build(ann, prefix)


def test_pipeline_errors_keep_their_type_and_name_the_item(tmp_path):
    ann, prefix = basic_coco(str(tmp_path))
    ds = CocoDataset(ann_file=ann, pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')],
                     classes=CLASSES, img_prefix=prefix, test_mode=True)  # LoadAnnotations needs ann_info
    with pytest.raises(KeyError) as e:
        ds[0]
    notes = getattr(e.value, '__notes__', [])
    if hasattr(e.value, 'add_note'):
        assert any("image id 1, file '" in n for n in notes)
