"""Downloading and unpacking dataset archives: resumable-safe download to ``<file>.part``, checksum verification
(md5 / sha256), and extraction of zip / tar archives that refuses members escaping the target folder.

Used by ``datasets/download_coco.py`` and ``datasets/download_voc.py``.
"""
import hashlib
import os
import os.path as osp
import shutil
import tarfile
import time
import urllib.request
import zipfile

# Official archives and their md5 checksums.
COCO2017 = {
    'train2017': ('http://images.cocodataset.org/zips/train2017.zip', 'cced6f7f71b7629ddf16f17bbcfab6b2'),
    'val2017': ('http://images.cocodataset.org/zips/val2017.zip', '442b8da7639aecaf257c1dceb8ba8c80'),
    'test2017': ('http://images.cocodataset.org/zips/test2017.zip', '77ad2c53ac5d0aea611d422c0938fb35'),
    'annotations': ('http://images.cocodataset.org/annotations/annotations_trainval2017.zip',
                    'f4bbac642086de4f52a3fdda2de5fa2c'),
}
VOC = {
    '2007_trainval': ('http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar',
                      'c52e279531787c972589f7e41ab4ae64'),
    '2007_test': ('http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar',
                  'b6e924de25625d8de591ea690078ad9f'),
    '2012_trainval': ('http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar',
                      '6cd6e144f989b92b3379bac3b3de84fd'),
}


class ChecksumError(ValueError):
    """A file's checksum differs from the expected one."""


def file_hash(path, algorithm='md5', chunk_size=1 << 20):
    h = hashlib.new(algorithm)
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk_size), b''):
            h.update(block)
    return h.hexdigest()


def verify_file(path, md5=None, sha256=None):
    """Raise ChecksumError (naming the file, expected and actual digests) unless the file matches."""
    if not osp.isfile(path):
        raise FileNotFoundError(f"'{path}' does not exist")
    for algo, expected in (('md5', md5), ('sha256', sha256)):
        if expected is None:
            continue
        actual = file_hash(path, algo)
        if actual.lower() != expected.lower():
            raise ChecksumError(f"'{path}': {algo} is {actual}, expected {expected} (corrupt or incomplete "
                                'download: delete it and download again)')
    return True


def download_file(url, dest, md5=None, sha256=None, retries=3, timeout=60, progress=True, opener=None):
    """Download ``url`` to ``dest`` unless a file with the right checksum is already there.

    The data goes to ``dest + '.part'`` and is renamed only after the checksum matched, so an interrupted download
    never looks complete. ``opener`` (default ``urllib.request.urlopen``) is replaceable for tests.
    """
    if osp.isfile(dest):
        try:
            verify_file(dest, md5, sha256)
            return dest
        except ChecksumError:
            os.remove(dest)
    os.makedirs(osp.dirname(osp.abspath(dest)), exist_ok=True)
    opener = opener or urllib.request.urlopen
    part = dest + '.part'
    last_error = None
    for attempt in range(1, retries + 1):
        try:
            with opener(url, timeout=timeout) as resp, open(part, 'wb') as out:
                total = int(resp.headers.get('Content-Length', 0) or 0) if hasattr(resp, 'headers') else 0
                done, t0, last_print = 0, time.time(), 0.0
                while True:
                    block = resp.read(1 << 20)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    if progress and time.time() - last_print > 2:
                        last_print = time.time()
                        pct = f' {100 * done / total:5.1f}%' if total else ''
                        rate = done / max(time.time() - t0, 1e-6) / 1e6
                        print(f'  {osp.basename(dest)}: {done / 1e6:.0f} MB{pct} ({rate:.1f} MB/s)', flush=True)
            verify_file(part, md5, sha256)
            os.replace(part, dest)
            return dest
        except ChecksumError:
            if osp.exists(part):
                os.remove(part)
            raise
        except OSError as e:  # network errors (URLError is an OSError)
            last_error = e
            if attempt < retries:
                time.sleep(min(2 ** attempt, 30))
    raise ConnectionError(f"could not download {url} to '{dest}' after {retries} attempts: {last_error}")


def _safe_target(out_dir, name):
    target = osp.realpath(osp.join(out_dir, name))
    root = osp.realpath(out_dir)
    if target != root and not target.startswith(root + os.sep):
        raise ValueError(f"archive member '{name}' would be written outside '{out_dir}'; refusing to extract")
    return target


def extract_archive(path, out_dir, marker=True):
    """Extract a .zip / .tar / .tar.gz / .tgz / .tar.bz2 archive into ``out_dir``.

    With ``marker``, a ``.<archive name>.extracted`` file records a finished extraction so a second call does
    nothing. Members with absolute paths or '..' that would land outside ``out_dir`` are refused, as are links.
    """
    os.makedirs(out_dir, exist_ok=True)
    done = osp.join(out_dir, f'.{osp.basename(path)}.extracted')
    if marker and osp.isfile(done):
        return out_dir
    lower = path.lower()
    if lower.endswith('.zip'):
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ValueError(f"'{path}': member '{bad}' is corrupt (CRC mismatch)")
            for info in zf.infolist():
                _safe_target(out_dir, info.filename)
            zf.extractall(out_dir)
    elif lower.endswith(('.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tar.xz')):
        with tarfile.open(path) as tf:
            members = tf.getmembers()
            for m in members:
                _safe_target(out_dir, m.name)
                if m.issym() or m.islnk():
                    raise ValueError(f"'{path}': member '{m.name}' is a link; refusing to extract")
            tf.extractall(out_dir, members=members)
    else:
        raise ValueError(f"'{path}': unknown archive type (expected .zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)")
    if marker:
        with open(done, 'w') as f:
            f.write(path + '\n')
    return out_dir


def fetch(name, url, md5, download_dir, extract_dir, delete=False, **kwargs):
    """Download (with checksum) and extract one archive; optionally delete the archive afterwards."""
    archive = osp.join(download_dir, url.rsplit('/', 1)[1])
    print(f'{name}: {url} -> {archive}')
    download_file(url, archive, md5=md5, **kwargs)
    print(f'{name}: extracting to {extract_dir}')
    extract_archive(archive, extract_dir)
    if delete:
        os.remove(archive)
    return extract_dir


def disk_free_gb(path):
    """Free space (GB) on the file system that holds ``path`` (its closest existing ancestor)."""
    path = osp.abspath(path)
    while not osp.exists(path):
        path = osp.dirname(path)
    return shutil.disk_usage(path).free / 1e9
