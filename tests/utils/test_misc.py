"""Misc helpers (spec §10.3): type checks, slice_list/concat_list, deprecated_api_warning, imports, paths."""
import os.path as osp
import warnings

import pytest

from workbench.utils import (check_file_exist, concat_list, deprecated_api_warning, import_modules_from_strings,
                             is_list_of, is_seq_of, is_str, is_tuple_of, mkdir_or_exist, scandir, slice_list)


def test_type_checks():
    assert is_str('a') and not is_str(1)
    assert is_seq_of([1, 2], int) and is_seq_of((1, 2), int) and not is_seq_of([1, 'a'], int)
    assert is_seq_of([1, 2.0], (int, float)) and not is_seq_of(1, int)
    assert is_seq_of([1], int, seq_type=list) and not is_seq_of((1,), int, seq_type=list)
    assert is_list_of([1, 2], int) and not is_list_of((1, 2), int)
    assert is_tuple_of((1, 2), int) and not is_tuple_of([1, 2], int)
    assert is_list_of([], int)
    with pytest.raises(TypeError, match='seq_type must be a type'):
        is_seq_of([1], int, seq_type='list')


def test_slice_and_concat():
    assert slice_list([1, 2, 3, 4, 5, 6], [1, 2, 3]) == [[1], [2, 3], [4, 5, 6]]
    assert slice_list([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    assert concat_list([[1, 2], [3], []]) == [1, 2, 3]
    with pytest.raises(ValueError, match=r'sum of lens \[1, 2\] = 3 does not match the list length 4'):
        slice_list([1, 2, 3, 4], [1, 2])
    with pytest.raises(ValueError, match='into pieces of length 3'):
        slice_list([1, 2, 3, 4], 3)
    with pytest.raises(TypeError, match='"lens" must be an int or a list of int'):
        slice_list([1], 'a')


def test_deprecated_api_warning_renames_arguments():
    @deprecated_api_warning({'iou_thr': 'iou_threshold'}, cls_name='NMS')
    def nms(boxes, iou_threshold=0.5):
        return iou_threshold

    with pytest.warns(DeprecationWarning, match='"iou_thr" is deprecated in `NMS.nms`, please use "iou_threshold"'):
        assert nms([], iou_thr=0.7) == 0.7
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert nms([], iou_threshold=0.3) == 0.3
        assert nms([], 0.2) == 0.2
    with pytest.raises(TypeError, match='pass only "iou_threshold", not both'):
        nms([], iou_thr=0.1, iou_threshold=0.2)


def test_import_modules_from_strings_doc_example():
    osp_, sys_ = import_modules_from_strings(['os.path', 'sys'])
    import os.path
    import sys
    assert osp_ is os.path and sys_ is sys
    assert import_modules_from_strings('os.path') is os.path
    with pytest.raises(ImportError, match="failed to import 'no_such_mod_q'"):
        import_modules_from_strings(['no_such_mod_q'])
    with pytest.warns(UserWarning, match='no_such_mod_q failed to import'):
        assert import_modules_from_strings(['os', 'no_such_mod_q'], allow_failed_imports=True)[1] is None
    assert import_modules_from_strings(None) is None
    with pytest.raises(TypeError, match='expected a module name'):
        import_modules_from_strings([1])


def test_mkdir_or_exist_and_check_file_exist(tmp_path):
    target = tmp_path / 'a' / 'b'
    mkdir_or_exist(target)
    mkdir_or_exist(str(target))  # again: no error
    mkdir_or_exist('')
    assert target.is_dir()
    with pytest.raises(FileNotFoundError, match='file ".*nope" does not exist'):
        check_file_exist(tmp_path / 'nope')


def test_scandir(tmp_path):
    for rel in ['a.py', 'b.TXT', 'sub/c.py', 'sub/deep/d.txt', '.hidden.py']:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text('')
    assert list(scandir(tmp_path)) == ['a.py', 'b.TXT']
    assert list(scandir(tmp_path, '.py')) == ['a.py']
    assert list(scandir(tmp_path, '.py', recursive=True)) == ['a.py', osp.join('sub', 'c.py')]
    assert list(scandir(str(tmp_path), ('.py', '.txt'), recursive=True)) == [
        'a.py', osp.join('sub', 'c.py'), osp.join('sub', 'deep', 'd.txt')]
    assert list(scandir(tmp_path, '.txt', case_sensitive=False)) == ['b.TXT']
    with pytest.raises(TypeError, match='"suffix" must be a string or tuple'):
        list(scandir(tmp_path, ['.py']))
    with pytest.raises(TypeError, match='"dir_path" must be a string or Path'):
        list(scandir(3))


def test_casts():
    from workbench.utils import iter_cast, list_cast, tuple_cast
    assert list_cast(['1', '2'], int) == [1, 2] and tuple_cast([1, 2], str) == ('1', '2')
    it = iter_cast(['1.5'], float)
    assert not isinstance(it, list) and list(it) == [1.5]
    assert iter_cast([1], str, return_type=list) == ['1']
    with pytest.raises(TypeError, match='inputs must be an iterable object'):
        list_cast(1, int)
    with pytest.raises(TypeError, match='"dst_type" must be a valid type'):
        list_cast([1], 'int')


def test_method_checks():
    from workbench.utils import has_method, is_method_overridden

    class Base:
        def foo(self):
            pass

        def bar(self):
            pass

    class Sub(Base):
        def foo(self):
            pass

    assert is_method_overridden('foo', Base, Sub) and not is_method_overridden('bar', Base, Sub)
    assert is_method_overridden('foo', Base, Sub())
    with pytest.raises(TypeError, match="base_class doesn't accept instance"):
        is_method_overridden('foo', Base(), Sub)
    assert has_method(Sub(), 'foo') and not has_method(Sub(), 'nope')


def test_requires_package_doc_example():
    from workbench.utils import requires_executable, requires_package

    @requires_package(['numpy', 'non_package'])
    def func():
        return 1

    with pytest.raises(ImportError, match='Prerequisites "non_package" are required in method "func" but not found'):
        func()
    assert requires_package('numpy')(lambda: 2)() == 2
    assert requires_executable('sh')(lambda: 3)() == 3
    with pytest.raises(ImportError, match='no_such_exe_zz'):
        requires_executable(['sh', 'no_such_exe_zz'])(lambda: 3)()


def test_digit_version_orders_pre_releases():
    from workbench.utils import digit_version
    assert digit_version('1.7.0') < digit_version('1.7.1a1') < digit_version('1.7.1b0') < digit_version('1.7.1rc1')
    assert digit_version('1.7.1rc1') < digit_version('1.7.1') < digit_version('1.10')
    assert digit_version('2.0.1+cu118') == digit_version('2.0.1')
    with pytest.raises(ValueError, match="failed to parse version 'abc'"):
        digit_version('abc')


def test_get_git_hash(tmp_path, monkeypatch):
    from workbench.utils import get_git_hash
    monkeypatch.chdir(tmp_path)  # not a git work tree
    assert get_git_hash() == 'unknown' and get_git_hash(fallback='none') == 'none'
    with pytest.raises(TypeError, match='digits must be None or an integer'):
        get_git_hash(digits='7')
