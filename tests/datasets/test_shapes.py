import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from workbench.datasets import CocoDataset, make_shapes

KW = dict(num_train=6, num_val=3, img_size=(96, 64), seed=7)


def digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            h.update(f.encode())
            h.update(open(os.path.join(dirpath, f), 'rb').read())
    return h.hexdigest()


@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    return make_shapes(str(tmp_path_factory.mktemp('shapes')), **KW)


def test_deterministic_and_seed_dependent(shapes, tmp_path):
    again = make_shapes(str(tmp_path / 'again'), **KW)
    assert digest(shapes['root']) == digest(again['root'])
    other = make_shapes(str(tmp_path / 'other'), **dict(KW, seed=8))
    assert open(other['train_ann']).read() != open(shapes['train_ann']).read()
    # image i does not depend on how many images are asked for
    more = make_shapes(str(tmp_path / 'more'), **dict(KW, num_train=8))
    a = json.load(open(more['train_ann']))
    b = json.load(open(shapes['train_ann']))
    assert [x for x in a['annotations'] if x['image_id'] <= 6] == b['annotations']


def test_annotations_are_valid(shapes):
    from pycocotools.coco import COCO
    for split in ('train', 'val'):
        coco = COCO(shapes[f'{split}_ann'])
        assert len(coco.imgs) == KW[f'num_{split}'] and len(coco.anns) > 0
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == ['rect', 'ellipse', 'triangle', 'cross']
        for ann in coco.anns.values():
            img = coco.imgs[ann['image_id']]
            x, y, w, h = ann['bbox']
            assert w >= 1 and h >= 1 and x >= 0 and y >= 0
            assert x + w <= img['width'] - 1 and y + h <= img['height'] - 1
            assert ann['area'] > 0 and ann['iscrowd'] == 0
            for poly in ann['segmentation']:
                pts = np.array(poly).reshape(-1, 2)
                assert len(pts) >= 3
                area = 0.5 * abs(np.dot(pts[:, 0], np.roll(pts[:, 1], -1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], -1)))
                assert area > 0
                assert pts[:, 0].min() >= x and pts[:, 0].max() <= x + w
            # the mask lies inside the box and is not empty
            m = coco.annToMask(ann)
            assert m.sum() > 0
            ys, xs = np.nonzero(m)
            assert xs.min() >= x - 1 and xs.max() <= x + w + 1
        sizes = {(im['width'], im['height']) for im in coco.imgs.values()}
        assert sizes <= {(96, 64), (64, 96)}
        for im in coco.imgs.values():
            assert os.path.isfile(os.path.join(shapes[f'{split}_img_dir'], im['file_name']))


def test_cached_and_forced(shapes):
    path = os.path.join(shapes['train_img_dir'], '000000.png')
    before = os.stat(path).st_mtime_ns
    make_shapes(shapes['root'], **KW)
    assert os.stat(path).st_mtime_ns == before
    os.remove(os.path.join(shapes['val_img_dir'], '000001.png'))  # incomplete -> regenerated
    make_shapes(shapes['root'], **KW)
    assert os.path.isfile(os.path.join(shapes['val_img_dir'], '000001.png'))


def test_loads_as_coco_dataset_with_pipeline(shapes):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True, with_mask=True)]
    ds = CocoDataset(ann_file=shapes['train_ann'], img_prefix=shapes['train_img_dir'] + '/', pipeline=pipeline,
                     classes=('rect', 'ellipse', 'triangle', 'cross'))
    out = ds[0]
    assert out['img'].shape[:2] == (ds.data_infos[0]['height'], ds.data_infos[0]['width'])
    assert len(out['gt_bboxes']) == len(out['gt_labels']) == len(out['gt_masks'])


def test_other_classes_and_bad_arguments(tmp_path):
    p = make_shapes(str(tmp_path / 's'), num_train=2, num_val=0, img_size=64, classes=('star', 'hexagon'))
    d = json.load(open(p['train_ann']))
    assert [c['name'] for c in d['categories']] == ['star', 'hexagon'] and d['images'][0]['width'] == 64
    with pytest.raises(ValueError, match='unknown shape classes'):
        make_shapes(str(tmp_path / 'x'), classes=('blob',))
    with pytest.raises(ValueError, match='img_size'):
        make_shapes(str(tmp_path / 'x'), img_size=(16, 16))
    with pytest.raises(ValueError, match='scale_range'):
        make_shapes(str(tmp_path / 'x'), scale_range=(0.5, 0.2))


def test_script_entry_point(tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, os.path.join(repo, 'datasets', 'make_shapes.py'), str(tmp_path / 'cli'),
                          '--num-train', '2', '--num-val', '1', '--img-size', '64', '48'],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert os.path.isfile(tmp_path / 'cli' / 'annotations' / 'instances_val.json')


def test_cli_subcommand(tmp_path, capsys):
    from workbench.cli import main
    assert main(['make-shapes', str(tmp_path / 'c'), '--num-train', '1', '--num-val', '1', '--img-size', '64', '48',
                 '--classes', 'star', 'rect', '--no-mixed-orientation']) == 0
    assert 'shapes dataset ready' in capsys.readouterr().out
    d = json.load(open(tmp_path / 'c' / 'annotations' / 'instances_train.json'))
    assert [c['name'] for c in d['categories']] == ['star', 'rect'] and d['images'][0]['width'] == 64
    with pytest.raises(SystemExit):
        main(['make-shapes', str(tmp_path / 'd'), '--classes', 'blob'])
