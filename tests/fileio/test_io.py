"""load/dump (spec §4.1-4.3, §15.8): paths, file objects, strings; custom handlers; list/dict_from_file."""
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import fileio
from workbench.fileio import BaseFileHandler, dict_from_file, list_from_file, register_handler

DATA = {'a': [1, 2.5, 'x', None, True], 'b': {'c': 'ü'}}


@pytest.mark.parametrize('ext', ['json', 'yaml', 'yml', 'pkl', 'pickle'])
def test_path_round_trip_by_extension(tmp_path, ext):
    path = tmp_path / f'test.{ext}'
    assert fileio.dump(DATA, path) is None
    assert fileio.load(path) == DATA
    assert fileio.load(str(path)) == DATA


def test_tutorial_file_objects_and_strings(tmp_path):
    path = tmp_path / 'test.json'
    fileio.dump(DATA, str(path))
    with open(path) as f:
        assert fileio.load(f, file_format='json') == DATA
    json_str = fileio.dump(DATA, file_format='json')
    assert isinstance(json_str, str) and fileio.load(io.StringIO(json_str), file_format='json') == DATA
    fileio.dump(DATA, str(tmp_path / 'out.pkl'))
    assert fileio.load(tmp_path / 'out.pkl') == DATA
    with open(tmp_path / 'test.yaml', 'w') as f:
        assert fileio.dump(DATA, f, file_format='yaml') is None
    assert fileio.load(tmp_path / 'test.yaml') == DATA
    pkl = fileio.dump(DATA, file_format='pkl')
    assert isinstance(pkl, bytes) and fileio.load(io.BytesIO(pkl), file_format='pickle') == DATA


def test_pickle_uses_protocol_2_by_default():
    assert fileio.dump([1], file_format='pkl')[:2] == b'\x80\x02'


def test_json_handles_numpy_sets_and_tuples():
    import numpy as np
    s = fileio.dump({'a': np.arange(3), 'b': np.float32(1.5), 'c': {3, 1}, 'd': (1, 2)}, file_format='json')
    assert fileio.load(io.StringIO(s), file_format='json') == {'a': [0, 1, 2], 'b': 1.5, 'c': [1, 3], 'd': [1, 2]}


def test_yaml_is_safe_and_writes_tuples_as_lists(tmp_path):
    assert fileio.dump({'t': (1, 2)}, file_format='yaml') == 't:\n- 1\n- 2\n'
    evil = tmp_path / 'evil.yaml'
    evil.write_text('!!python/object/apply:os.system ["echo hi"]\n')
    import yaml
    with pytest.raises(yaml.YAMLError):
        fileio.load(evil)


def test_errors(tmp_path):
    with pytest.raises(TypeError, match="unsupported format 'txt'.*supported: json"):
        fileio.load(tmp_path / 'a.txt')
    with pytest.raises(ValueError, match='pass file_format='):
        fileio.load(io.StringIO('{}'))
    with pytest.raises(ValueError, match='file_format must be given'):
        fileio.dump(DATA)
    with pytest.raises(FileNotFoundError, match='no such file: .*missing.json'):
        fileio.load(tmp_path / 'missing.json')
    with pytest.raises(TypeError, match='path or a file object'):
        fileio.load(3, file_format='json')


def test_custom_handler_registration(tmp_path):
    @register_handler('txt1')
    class TxtHandler1(BaseFileHandler):
        def load_from_fileobj(self, file):
            return file.read()

        def dump_to_fileobj(self, obj, file):
            file.write(str(obj))

        def dump_to_str(self, obj, **kwargs):
            return str(obj)

    try:
        path = tmp_path / 'a.txt1'
        fileio.dump('hello world', path)
        assert fileio.load(path) == 'hello world'
        assert fileio.dump(123, file_format='txt1') == '123'
        with pytest.raises(TypeError, match='child of BaseFileHandler'):
            register_handler('bad')(object)
    finally:
        fileio.file_handlers.pop('txt1', None)


@pytest.fixture
def texts(tmp_path):
    (tmp_path / 'a.txt').write_text('a\nb\nc\nd\ne\n')
    (tmp_path / 'b.txt').write_text('1 cat\n2 dog cow\n3 panda\n')
    return tmp_path


def test_list_from_file_doc_cases(texts):
    a = texts / 'a.txt'
    assert list_from_file(a) == ['a', 'b', 'c', 'd', 'e']
    assert list_from_file(a, offset=2) == ['c', 'd', 'e']
    assert list_from_file(a, max_num=2) == ['a', 'b']
    assert list_from_file(a, prefix='/mnt/') == ['/mnt/a', '/mnt/b', '/mnt/c', '/mnt/d', '/mnt/e']
    assert list_from_file(a, offset=3, max_num=1) == ['d']
    assert list_from_file(a, offset=10) == [] and list_from_file(a, max_num=-1) == list_from_file(a)


def test_dict_from_file_doc_cases(texts):
    b = texts / 'b.txt'
    assert dict_from_file(b) == {'1': 'cat', '2': ['dog', 'cow'], '3': 'panda'}
    assert dict_from_file(b, key_type=int) == {1: 'cat', 2: ['dog', 'cow'], 3: 'panda'}
    (texts / 'bad.txt').write_text('1 cat\nlonely\n')
    with pytest.raises(ValueError, match=r'bad.txt, line 2: expected a key and at least one value'):
        dict_from_file(texts / 'bad.txt')


json_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=5), c, max_size=4)),
    max_leaves=15)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(obj=json_like)
def test_round_trip_property(tmp_path, obj):
    for fmt in ('json', 'yaml', 'pkl'):
        path = tmp_path / f'x.{fmt}'
        fileio.dump(obj, path)
        assert fileio.load(path) == obj
        s = fileio.dump(obj, file_format=fmt)
        stream = io.BytesIO(s) if isinstance(s, bytes) else io.StringIO(s)
        assert fileio.load(stream, file_format=fmt) == obj
