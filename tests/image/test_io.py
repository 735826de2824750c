"""workbench.image read/decode/write (mmcv 1.x imread/imfrombytes/imwrite semantics)."""
import cv2
import numpy as np
import pytest

from workbench.image import imfrombytes, imread, imwrite


@pytest.fixture
def color_png(tmp_path):
    rng = np.random.RandomState(0)
    img = rng.randint(0, 256, (7, 9, 3), dtype=np.uint8)
    path = tmp_path / 'color.png'
    assert cv2.imwrite(str(path), img)
    return path, img


def test_imread_path_bgr_and_rgb(color_png):
    path, img = color_png
    np.testing.assert_array_equal(imread(str(path)), img)
    np.testing.assert_array_equal(imread(path), img)  # pathlib.Path
    np.testing.assert_array_equal(imread(str(path), channel_order='rgb'), img[..., ::-1])


def test_imread_grayscale_and_unchanged(color_png, tmp_path):
    path, img = color_png
    gray = imread(str(path), flag='grayscale')
    assert gray.shape == (7, 9)
    # the PNG decoder converts to gray itself and may round differently from cvtColor
    assert np.abs(gray.astype(int) - cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)).max() <= 1
    rgba = np.dstack([img, np.full((7, 9), 200, np.uint8)])
    p4 = tmp_path / 'rgba.png'
    cv2.imwrite(str(p4), rgba)
    assert imread(str(p4), flag='unchanged').shape == (7, 9, 4)
    assert imread(str(p4)).shape == (7, 9, 3)


def test_imread_ndarray_is_returned_as_is(color_png):
    _, img = color_png
    assert imread(img) is img


def test_imread_and_imfrombytes_from_bytes(color_png):
    path, img = color_png
    data = path.read_bytes()
    np.testing.assert_array_equal(imfrombytes(data), img)
    np.testing.assert_array_equal(imread(data), img)
    np.testing.assert_array_equal(imfrombytes(data, channel_order='rgb'), img[..., ::-1])


def test_missing_file_error_names_the_file(tmp_path):
    missing = tmp_path / 'nope' / 'missing.jpg'
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        imread(str(missing))


def test_corrupt_file_error_names_the_file(tmp_path):
    bad = tmp_path / 'corrupt.png'
    bad.write_bytes(b'\x89PNG\r\n\x1a\n this is not really a png')
    with pytest.raises(ValueError, match='corrupt.png'):
        imread(str(bad))
    empty = tmp_path / 'empty.jpg'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match='empty.jpg'):
        imread(str(empty))


def test_bad_arguments():
    with pytest.raises(TypeError):
        imread(123)
    with pytest.raises(ValueError, match='flag'):
        imfrombytes(b'xx', flag='colour')
    with pytest.raises(ValueError, match='channel_order'):
        imfrombytes(b'xx', channel_order='rbg')


def test_imwrite_roundtrip_creates_folders(color_png, tmp_path):
    _, img = color_png
    out = tmp_path / 'a' / 'b' / 'out.png'
    assert imwrite(img, str(out)) is True
    np.testing.assert_array_equal(imread(str(out)), img)
    with pytest.raises(ValueError, match='extension'):
        imwrite(img, str(tmp_path / 'noext'))


def test_pillow_backend_matches_cv2(color_png):
    pytest.importorskip('PIL')
    from workbench.image import imresize, use_backend
    path, img = color_png
    data = path.read_bytes()
    np.testing.assert_array_equal(imfrombytes(data, backend='pillow'), img)
    np.testing.assert_array_equal(imfrombytes(data, backend='pillow', channel_order='rgb'), img[..., ::-1])
    assert imfrombytes(data, flag='grayscale', backend='pillow').shape == (7, 9)
    assert imresize(img, (4, 3), backend='pillow', interpolation='nearest').shape == (3, 4, 3)
    with pytest.raises(ValueError):
        use_backend('turbojpeg')
    use_backend('pillow')
    try:
        np.testing.assert_array_equal(imread(str(path)), img)
    finally:
        use_backend('cv2')


def test_ignore_orientation_flags(color_png):
    path, img = color_png
    np.testing.assert_array_equal(imread(str(path), flag='color_ignore_orientation'), img)
    np.testing.assert_array_equal(imread(str(path), flag='color_ignore_orientation', channel_order='rgb'),
                                  img[..., ::-1])
    assert imread(str(path), flag='grayscale_ignore_orientation').shape == (7, 9)
