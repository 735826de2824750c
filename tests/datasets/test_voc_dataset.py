import numpy as np
import pytest

from tests.datasets.helpers import write_image
from workbench.datasets import VOCDataset, XMLDataset


def obj(name, box, difficult=0):
    x1, y1, x2, y2 = box
    return (f'<object><name>{name}</name><difficult>{difficult}</difficult><bndbox><xmin>{x1}</xmin>'
            f'<ymin>{y1}</ymin><xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object>')


def make_voc(root, year='VOC2007', size=True):
    base = root / 'VOCdevkit' / year
    (base / 'Annotations').mkdir(parents=True)
    (base / 'JPEGImages').mkdir()
    (base / 'ImageSets' / 'Main').mkdir(parents=True)
    specs = {'000001': (64, 48, [obj('dog', (11, 11, 30, 40)), obj('cat', (40, 5, 60, 20), difficult=1),
                                 obj('person', (1, 1, 9, 9))]),
             '000002': (50, 70, [obj('person', (5.6, 5, 40, 60))]),
             '000003': (64, 48, [obj('horse', (2, 2, 20, 20))])}
    for img_id, (w, h, objs) in specs.items():
        size_xml = f'<size><width>{w}</width><height>{h}</height><depth>3</depth></size>' if size else ''
        (base / 'Annotations' / f'{img_id}.xml').write_text(
            f'<annotation><filename>{img_id}.jpg</filename>{size_xml}{"".join(objs)}</annotation>')
        write_image(base / 'JPEGImages' / f'{img_id}.jpg', w, h)
    (base / 'ImageSets' / 'Main' / 'trainval.txt').write_text('000001\n000002\n000003\n')
    return str(base / 'ImageSets' / 'Main' / 'trainval.txt'), str(base) + '/'


def test_voc_annotations_difficult_and_year(tmp_path):
    ann, prefix = make_voc(tmp_path)
    ds = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], test_mode=True)
    assert ds.year == 2007 and len(ds) == 3
    assert ds.data_infos[0] == dict(id='000001', filename='JPEGImages/000001.jpg', width=64, height=48)
    a = ds.get_ann_info(0)
    dog, cat, person = (ds.CLASSES.index(c) for c in ('dog', 'cat', 'person'))
    np.testing.assert_array_equal(a['bboxes'], [[10, 10, 29, 39], [0, 0, 8, 8]])  # 1-based -> 0-based
    np.testing.assert_array_equal(a['labels'], [dog, person])
    np.testing.assert_array_equal(a['bboxes_ignore'], [[39, 4, 59, 19]])  # difficult
    np.testing.assert_array_equal(a['labels_ignore'], [cat])
    np.testing.assert_array_equal(ds.get_ann_info(1)['bboxes'], [[4, 4, 39, 59]])  # float coordinate truncated
    assert ds.get_cat_ids(0) == [dog, cat, person]
    out = ds[0]
    assert out['img_info']['filename'] == 'JPEGImages/000001.jpg'


def test_voc_training_filters_and_min_size(tmp_path):
    ann, prefix = make_voc(tmp_path)
    ds = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], classes=('dog', 'person'))
    assert [d['id'] for d in ds.data_infos] == ['000001', '000002']  # 000003 only has a horse
    small = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], classes=('dog', 'person'), min_size=10)
    a = small.get_ann_info(0)
    np.testing.assert_array_equal(a['labels'], [0]) and np.testing.assert_array_equal(a['labels_ignore'], [1])


def test_voc_size_from_image_and_errors(tmp_path):
    ann, prefix = make_voc(tmp_path, year='VOC2012', size=False)
    ds = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], test_mode=True)
    assert ds.year == 2012 and ds.data_infos[1]['width'] == 50 and ds.data_infos[1]['height'] == 70
    ann2, prefix2 = make_voc(tmp_path / 'other', year='MyVOC')
    with pytest.raises(ValueError, match='cannot infer the year'):
        VOCDataset(ann_file=ann2, img_prefix=prefix2, pipeline=[], test_mode=True)
    assert VOCDataset(ann_file=ann2, img_prefix=prefix2, pipeline=[], test_mode=True, year=2012).year == 2012
    (tmp_path / 'other' / 'VOCdevkit' / 'MyVOC' / 'Annotations' / '000002.xml').unlink()
    with pytest.raises(FileNotFoundError, match=r'000002\.xml.*listed in'):
        VOCDataset(ann_file=ann2, img_prefix=prefix2, pipeline=[], test_mode=True, year=2012)
    with pytest.raises(ValueError, match='classes'):
        XMLDataset(ann_file=ann, img_prefix=prefix, pipeline=[])


def test_voc_negative_box_reported(tmp_path):
    ann, prefix = make_voc(tmp_path)
    xml = tmp_path / 'VOCdevkit' / 'VOC2007' / 'Annotations' / '000002.xml'
    xml.write_text(xml.read_text().replace('<xmax>40</xmax>', '<xmax>1</xmax>'))
    with pytest.raises(ValueError, match=r"000002\.xml' \(image id 000002\): object 0 \(person\) has a negative"):
        VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], test_mode=True)
    with pytest.warns(UserWarning, match='dropped 1 annotation'):
        ds = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], test_mode=True, skip_invalid=True)
    assert ds.get_ann_info(1)['bboxes'].shape == (0, 4) and len(ds.get_ann_info(0)['bboxes']) == 2


def test_voc_evaluate_uses_legacy_coordinates(tmp_path):
    ann, prefix = make_voc(tmp_path)
    ds = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], test_mode=True)
    results = []
    for i in range(len(ds)):
        a = ds.get_ann_info(i)
        results.append([np.hstack([a['bboxes'][a['labels'] == c], np.full(((a['labels'] == c).sum(), 1), 0.9)])
                        .astype(np.float32) for c in range(len(ds.CLASSES))])
    out = ds.evaluate(results, logger='silent')
    assert out['mAP'] == pytest.approx(1.0) and out['AP50'] == 1.0
    # shrink one box: box [4, 4, 39, 59] -> x2 = 32: IoU 28/35 = 0.8 (x2 - x1 widths), 29/36 = 0.806 (legacy +1)
    results[1][ds.CLASSES.index('person')][0, 2] -= 7
    out = ds.evaluate(results, iou_thr=0.803, logger='silent')
    assert out['mAP'] == pytest.approx(1.0)  # VOC evaluation uses the legacy convention
    from workbench.evaluation import eval_map
    anns = [ds.get_ann_info(i) for i in range(len(ds))]
    assert eval_map(results, anns, iou_thr=0.803, nproc=1, logger='silent')[0] < 1.0
