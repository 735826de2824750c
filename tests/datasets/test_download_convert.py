"""Download / extraction / conversion helpers on small local files (no network)."""
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

from tests.datasets.helpers import write_image
from tests.datasets.test_voc_dataset import make_voc
from workbench.datasets import CocoDataset
from workbench.datasets.converters import images_to_coco, voc_to_coco
from workbench.datasets.download import (ChecksumError, download_file, extract_archive, file_hash, verify_file)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def md5(data):
    return hashlib.md5(data).hexdigest()


class FakeResponse(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.headers = {'Content-Length': str(len(data))}


def test_download_verifies_and_skips(tmp_path):
    data = b'x' * 3000
    calls = []

    def opener(url, timeout):
        calls.append(url)
        return FakeResponse(data)

    dest = str(tmp_path / 'sub' / 'a.zip')
    download_file('http://example/a.zip', dest, md5=md5(data), opener=opener, progress=False)
    assert open(dest, 'rb').read() == data and not os.path.exists(dest + '.part')
    download_file('http://example/a.zip', dest, md5=md5(data), opener=opener, progress=False)
    assert len(calls) == 1  # already there with the right checksum
    with pytest.raises(ChecksumError, match=r"b\.zip.*md5 is .* expected 0+"):
        download_file('http://example/b.zip', str(tmp_path / 'b.zip'), md5='0' * 32, opener=opener, progress=False)
    assert not os.path.exists(tmp_path / 'b.zip') and not os.path.exists(str(tmp_path / 'b.zip') + '.part')


def test_download_retries_then_reports(tmp_path):
    attempts = []

    def flaky(url, timeout):
        attempts.append(1)
        if len(attempts) < 2:
            raise OSError('connection reset')
        return FakeResponse(b'ok')

    import workbench.datasets.download as dl
    orig = dl.time.sleep
    dl.time.sleep = lambda s: None
    try:
        download_file('http://x/f', str(tmp_path / 'f'), opener=flaky, progress=False)
        assert len(attempts) == 2

        def dead(url, timeout):
            raise OSError('no route to host')
        with pytest.raises(ConnectionError, match=r'http://x/g.*after 2 attempts.*no route'):
            download_file('http://x/g', str(tmp_path / 'g'), opener=dead, retries=2, progress=False)
    finally:
        dl.time.sleep = orig


def test_verify_and_hash(tmp_path):
    p = tmp_path / 'f.bin'
    p.write_bytes(b'abc')
    assert file_hash(str(p)) == md5(b'abc')
    assert verify_file(str(p), md5=md5(b'abc'), sha256=hashlib.sha256(b'abc').hexdigest())
    with pytest.raises(ChecksumError, match='sha256'):
        verify_file(str(p), sha256='1' * 64)
    with pytest.raises(FileNotFoundError, match='nope'):
        verify_file(str(tmp_path / 'nope'))


def test_extract_zip_and_tar_with_marker(tmp_path):
    z = tmp_path / 'a.zip'
    with zipfile.ZipFile(z, 'w') as zf:
        zf.writestr('val2017/1.jpg', b'img')
        zf.writestr('annotations/instances_val2017.json', b'{}')
    out = tmp_path / 'coco'
    extract_archive(str(z), str(out))
    assert (out / 'val2017' / '1.jpg').read_bytes() == b'img'
    (out / 'val2017' / '1.jpg').write_bytes(b'changed')
    extract_archive(str(z), str(out))  # marker: not extracted again
    assert (out / 'val2017' / '1.jpg').read_bytes() == b'changed'
    t = tmp_path / 'b.tar'
    with tarfile.open(t, 'w') as tf:
        info = tarfile.TarInfo('VOCdevkit/VOC2007/x.txt')
        info.size = 2
        tf.addfile(info, io.BytesIO(b'hi'))
    extract_archive(str(t), str(tmp_path / 'voc'))
    assert (tmp_path / 'voc' / 'VOCdevkit' / 'VOC2007' / 'x.txt').read_bytes() == b'hi'


def test_extract_refuses_escaping_members_and_unknown_types(tmp_path):
    z = tmp_path / 'evil.zip'
    with zipfile.ZipFile(z, 'w') as zf:
        zf.writestr('../../escape.txt', b'no')
    with pytest.raises(ValueError, match='outside'):
        extract_archive(str(z), str(tmp_path / 'out'))
    assert not (tmp_path / 'escape.txt').exists()
    t = tmp_path / 'link.tar'
    with tarfile.open(t, 'w') as tf:
        info = tarfile.TarInfo('l')
        info.type = tarfile.SYMTYPE
        info.linkname = '/etc/passwd'
        tf.addfile(info)
    with pytest.raises(ValueError, match='link'):
        extract_archive(str(t), str(tmp_path / 'out2'))
    (tmp_path / 'x.rar').write_bytes(b'')
    with pytest.raises(ValueError, match='unknown archive type'):
        extract_archive(str(tmp_path / 'x.rar'), str(tmp_path / 'out3'))


def test_download_coco_script_with_local_mirror(tmp_path):
    mirror = tmp_path / 'mirror'
    mirror.mkdir()
    with zipfile.ZipFile(mirror / 'val2017.zip', 'w') as zf:
        zf.writestr('val2017/000.jpg', b'img')
    out = subprocess.run([sys.executable, os.path.join(REPO, 'datasets', 'download_coco.py'), '--out',
                          str(tmp_path / 'data'), '--parts', 'val2017', '--mirror', f'file://{mirror}',
                          '--no-checksum'], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / 'data' / 'coco' / 'val2017' / '000.jpg').read_bytes() == b'img'
    # with the official checksum the local fake archive is rejected before anything is unpacked
    bad = subprocess.run([sys.executable, os.path.join(REPO, 'datasets', 'download_coco.py'), '--out',
                          str(tmp_path / 'data2'), '--parts', 'val2017', '--mirror', f'file://{mirror}'],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and 'ChecksumError' in bad.stderr and '442b8da7639aecaf257c1dceb8ba8c80' in bad.stderr
    assert not (tmp_path / 'data2' / 'coco' / 'val2017').exists()


def test_voc_to_coco_matches_voc_dataset(tmp_path):
    ann, prefix = make_voc(tmp_path)
    devkit = str(tmp_path / 'VOCdevkit')
    coco = voc_to_coco(devkit, '2007', 'trainval')
    assert [im['file_name'] for im in coco['images']][0] == 'VOC2007/JPEGImages/000001.jpg'
    assert len(coco['categories']) == 20 and coco['categories'][0] == dict(supercategory='none', id=0,
                                                                           name='aeroplane')
    dog = [a for a in coco['annotations'] if a['category_id'] == 11][0]
    assert dog['bbox'] == [10, 10, 19, 29] and dog['iscrowd'] == 0
    cat = [a for a in coco['annotations'] if a['category_id'] == 7][0]
    assert cat['iscrowd'] == 1  # difficult
    out = subprocess.run([sys.executable, os.path.join(REPO, 'datasets', 'pascal_voc_to_coco.py'), devkit, '-o',
                          str(tmp_path / 'vc'), '--years', '2007'], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    path = tmp_path / 'vc' / 'voc07_trainval.json'
    from workbench.evaluation import voc_classes
    ds = CocoDataset(ann_file=str(path), pipeline=[], classes=voc_classes(), img_prefix=devkit + '/',
                     test_mode=True)
    from workbench.datasets import VOCDataset
    voc = VOCDataset(ann_file=ann, img_prefix=prefix, pipeline=[], test_mode=True)
    import numpy as np
    for i in range(len(ds)):
        a, b = ds.get_ann_info(i), voc.get_ann_info(i)
        np.testing.assert_array_equal(a['bboxes'], b['bboxes'])
        np.testing.assert_array_equal(a['labels'], b['labels'])
        np.testing.assert_array_equal(a['bboxes_ignore'], b['bboxes_ignore'])
    with pytest.raises(FileNotFoundError, match='VOC2099'):
        voc_to_coco(devkit, '2099', 'trainval')


def test_images2coco(tmp_path):
    img_dir = tmp_path / 'imgs'
    (img_dir / 'sub').mkdir(parents=True)
    write_image(img_dir / 'b.png', 30, 20)
    write_image(img_dir / 'sub' / 'a.jpg', 10, 40)
    (img_dir / 'notes.txt').write_text('x')
    (tmp_path / 'classes.txt').write_text('cat\ndog\n')
    coco = images_to_coco(str(img_dir), str(tmp_path / 'classes.txt'))
    assert [(im['file_name'], im['width'], im['height']) for im in coco['images']] == [('b.png', 30, 20),
                                                                                       ('sub/a.jpg', 10, 40)]
    assert coco['categories'] == [dict(id=1, name='cat'), dict(id=2, name='dog')] and coco['annotations'] == []
    assert len(images_to_coco(str(img_dir), ['x'], exclude_extensions=['jpg'])['images']) == 1
    out = subprocess.run([sys.executable, os.path.join(REPO, 'datasets', 'images2coco.py'), str(img_dir),
                          str(tmp_path / 'classes.txt'), 'test.json'], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    ds = CocoDataset(ann_file=str(tmp_path / 'test.json'), pipeline=[dict(type='LoadImageFromFile')],
                     classes=('cat', 'dog'), img_prefix=str(img_dir) + '/', test_mode=True)
    assert ds[1]['img'].shape == (40, 10, 3)
    (img_dir / 'broken.png').write_bytes(b'nope')
    with pytest.raises(ValueError, match=r'broken\.png'):
        images_to_coco(str(img_dir), ['x'])
