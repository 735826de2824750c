"""FileClient (spec §4.4, §15.8): the disk and HTTP backends, singletons, URI prefixes, custom backends."""
import http.server
import io
import threading
from functools import partial

import pytest

from workbench import fileio
from workbench.fileio import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend


def test_singleton_and_backend_choice():
    client = FileClient(backend='disk')
    assert FileClient(backend='disk') is client and FileClient() is FileClient()
    assert isinstance(client.client, HardDiskBackend) and client.name == 'HardDiskBackend'
    assert isinstance(FileClient(prefix='https').client, HTTPBackend)
    assert isinstance(FileClient(backend='disk', prefix='http').client, HardDiskBackend)  # backend wins


def test_parse_uri_prefix_and_infer_client():
    assert FileClient.parse_uri_prefix('s3://path/of/your/file') == 's3'
    assert FileClient.parse_uri_prefix('cluster:s3://path') == 's3'
    assert FileClient.parse_uri_prefix('/local/path') is None
    assert isinstance(FileClient.infer_client(uri='http://host/a.pth').client, HTTPBackend)
    assert isinstance(FileClient.infer_client(uri='/tmp/x').client, HardDiskBackend)
    assert isinstance(FileClient.infer_client({'backend': 'disk'}).client, HardDiskBackend)
    with pytest.raises(TypeError, match='uri should be a str or Path'):
        FileClient.parse_uri_prefix(3)


def test_unshipped_backends_say_so():
    with pytest.raises(ValueError, match="backend 'petrel' is not supported.*does not ship.*register_backend"):
        FileClient(backend='petrel')
    with pytest.raises(ValueError, match="prefix 's3' is not supported"):
        FileClient.infer_client(uri='s3://bucket/x.json')


def test_disk_backend_operations(tmp_path):
    client = FileClient()
    target = tmp_path / 'sub' / 'a.bin'
    client.put(b'\x00\x01', target)  # creates the folder
    client.put_text('héllo', tmp_path / 'sub' / 'b.txt')
    assert client.get(target) == b'\x00\x01' and client.get_text(tmp_path / 'sub' / 'b.txt') == 'héllo'
    assert client.exists(target) and client.isfile(target) and client.isdir(tmp_path / 'sub')
    assert client.join_path(str(tmp_path), 'sub', 'a.bin') == str(target)
    with client.get_local_path(str(target)) as path:
        assert path == str(target)
    (tmp_path / 'sub' / 'deep').mkdir()
    (tmp_path / 'sub' / 'deep' / 'c.txt').write_text('x')
    assert list(client.list_dir_or_file(tmp_path / 'sub')) == ['a.bin', 'b.txt', 'deep']
    assert list(client.list_dir_or_file(tmp_path / 'sub', list_dir=False, suffix='.txt', recursive=True)) == [
        'b.txt', 'deep/c.txt']
    with pytest.raises(TypeError, match='`suffix` should be None when `list_dir` is True'):
        list(client.list_dir_or_file(tmp_path, suffix='.txt'))
    client.remove(target)
    assert not client.exists(target)


@pytest.fixture
def http_dir(tmp_path):
    (tmp_path / 'test.json').write_text('{"a": [1, 2]}')
    (tmp_path / 'names.txt').write_text('1 cat\n2 dog cow\n')
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


def test_http_backend_reads_and_load_uses_it(http_dir):
    client = FileClient.infer_client(uri=http_dir)
    assert client.get(f'{http_dir}/test.json') == b'{"a": [1, 2]}'
    assert client.get_text(f'{http_dir}/test.json') == '{"a": [1, 2]}'
    with client.get_local_path(f'{http_dir}/test.json') as path:
        assert open(path).read() == '{"a": [1, 2]}'
    assert not __import__('os').path.exists(path)  # the temporary copy is gone
    assert fileio.load(f'{http_dir}/test.json') == {'a': [1, 2]}
    assert fileio.dict_from_file(f'{http_dir}/names.txt') == {'1': 'cat', '2': ['dog', 'cow']}
    with pytest.raises(NotImplementedError, match='HTTPBackend backend does not support put'):
        client.put(b'x', f'{http_dir}/new.bin')


def test_register_backend_doc_example_and_prefixes():
    class NewBackend(BaseStorageBackend):
        def get(self, filepath):
            return filepath

        def get_text(self, filepath, encoding='utf-8'):
            return filepath

    store = {}

    try:
        FileClient.register_backend('new', NewBackend)
        assert FileClient(backend='new').get('abc') == 'abc'
        with pytest.raises(KeyError, match='new is already registered as a storage backend'):
            FileClient.register_backend('new', NewBackend)

        @FileClient.register_backend('mem', prefixes='mem')
        class MemBackend(BaseStorageBackend):
            def get(self, filepath):
                return store[filepath]

            def get_text(self, filepath, encoding='utf-8'):
                return store[filepath].decode(encoding)

            def put(self, obj, filepath):
                store[filepath] = obj

            def put_text(self, obj, filepath):
                store[filepath] = obj.encode()

        fileio.dump({'k': 1}, 'mem://x.json')
        fileio.dump([1, 2], 'mem://x.pkl')
        assert store['mem://x.json'] == b'{"k": 1}'
        assert fileio.load('mem://x.json') == {'k': 1} and fileio.load('mem://x.pkl') == [1, 2]
        store['plain.json'] = b'[3]'
        assert fileio.load('plain.json', file_client_args={'backend': 'mem'}) == [3]
        with pytest.raises(TypeError, match='derived from BaseStorageBackend'):
            FileClient.register_backend('bad', dict)
    finally:
        for name in ('new', 'mem'):
            FileClient._backends.pop(name, None)
        FileClient._prefix_to_backends.pop('mem', None)
        FileClient._instances = {k: v for k, v in FileClient._instances.items()
                                 if not k.startswith(('new:', 'mem:', 'None:mem'))}


def test_load_from_file_object_is_unaffected():
    assert fileio.load(io.StringIO('[1]'), file_format='json') == [1]
