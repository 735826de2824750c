"""Checkpoint save/load: round trip, atomic writes, unsafe and truncated files, key reports, URL schemes."""
import hashlib
import json
import os
import shutil
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn

from workbench.engine import checkpoint as ck
from workbench.engine.checkpoint import (CheckpointError, _load_checkpoint_with_prefix, get_state_dict,
                                         load_checkpoint, publish_checkpoint, save_checkpoint, weights_to_cpu)

from .toy import ToyModel


def _model(seed=0, **kw):
    torch.manual_seed(seed)
    return ToyModel(bn=True, **kw)


def test_round_trip_identical_outputs(tmp_path):
    model = _model(0)
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train_step(dict(x=torch.randn(4, 4), y=torch.randn(4, 1)))['loss'].backward()
    optim.step()
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(model, path, optimizer=optim, meta=dict(epoch=1, iter=10, config='a = 1'))
    ckpt = torch.load(path, weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict', 'optimizer'}
    assert ckpt['meta']['epoch'] == 1 and ckpt['meta']['config'] == 'a = 1'
    assert 'workbench_version' in ckpt['meta'] and 'time' in ckpt['meta']
    other = _model(1)
    x = torch.randn(3, 4)
    model.eval(), other.eval()
    assert not torch.equal(model(x, return_loss=False)[0], other(x, return_loss=False)[0])
    returned = load_checkpoint(other, path, strict=True)
    assert returned['meta']['iter'] == 10
    for a, b in zip(model(x, return_loss=False), other(x, return_loss=False)):
        assert torch.equal(a, b)
    assert not list(tmp_path.glob('.*tmp'))


def test_unwraps_data_parallel_and_revises_module_prefix(tmp_path):
    model = _model(0)
    wrapped = nn.DataParallel(model)
    assert list(get_state_dict(wrapped)) == list(model.state_dict())
    # a bare state_dict saved from the wrapper (keys start with 'module.') loads into the plain model
    path = str(tmp_path / 'bare.pth')
    torch.save(wrapped.state_dict(), path)
    other = _model(1)
    load_checkpoint(other, path, strict=True)
    assert torch.equal(other.fc1.weight, model.fc1.weight)


def test_weights_to_cpu_keeps_metadata():
    sd = _model().state_dict()
    out = weights_to_cpu(sd)
    assert list(out) == list(sd) and hasattr(out, '_metadata')


def test_report_missing_unexpected_mismatched(tmp_path, caplog):
    model = _model(0)
    sd = model.state_dict()
    sd['extra.weight'] = torch.zeros(1)
    sd['fc2.weight'] = torch.zeros(1, 3)  # wrong shape
    del sd['fc1.bias']
    path = str(tmp_path / 'm.pth')
    torch.save({'state_dict': sd, 'meta': {}}, path)
    with pytest.raises(RuntimeError) as err:
        load_checkpoint(_model(1), path, strict=True)
    text = str(err.value)
    assert 'unexpected key in source state_dict: extra.weight' in text
    assert 'missing keys in source state_dict: fc1.bias' in text
    assert 'size mismatch for fc2.weight: copying a param with shape (1, 3)' in text
    # non-strict: loads what fits, reports, keeps the mismatched parameter as it was
    target = _model(1)
    before = target.fc2.weight.clone()
    report = ck.load_state_dict(target, sd)
    assert report.missing_keys == ['fc1.bias'] and report.unexpected_keys == ['extra.weight']
    assert report.mismatched_keys == ['fc2.weight']
    assert torch.equal(target.fc2.weight, before) and torch.equal(target.fc1.weight, model.fc1.weight)


def test_num_batches_tracked_not_reported_missing(tmp_path):
    model = _model(0)
    sd = OrderedDict((k, v) for k, v in model.state_dict().items() if 'num_batches_tracked' not in k)
    path = str(tmp_path / 'old.pth')
    torch.save(sd, path)
    load_checkpoint(_model(1), path, strict=True)


def test_prefix_loading(tmp_path):
    outer = nn.Module()
    outer.backbone = _model(0)
    path = str(tmp_path / 'det.pth')
    save_checkpoint(outer, path)
    sd = _load_checkpoint_with_prefix('backbone', path)
    assert set(sd) == set(outer.backbone.state_dict())
    with pytest.raises(KeyError, match="no key starts with 'neck.'"):
        _load_checkpoint_with_prefix('neck.', path)


class _Payload:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_arbitrary_pickle_payload_refused(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': {'x': _Payload()}}, path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(_model(), path)
    assert 'evil.pth' in str(err.value) and 'weights_only=False' in str(err.value)


def test_weights_only_opt_out(tmp_path):
    path = str(tmp_path / 'trusted.pth')
    model = _model()
    torch.save({'state_dict': model.state_dict(), 'meta': {'classes': OrderedDict(a=1), 'obj': nn.ReLU()}}, path)
    with pytest.raises(CheckpointError):
        load_checkpoint(_model(1), path)
    out = load_checkpoint(_model(1), path, weights_only=False)
    assert isinstance(out['meta']['obj'], nn.ReLU)


def test_numpy_scalars_in_meta_are_allowed(tmp_path):
    import numpy as np
    path = str(tmp_path / 'np.pth')
    torch.save({'state_dict': _model().state_dict(), 'meta': {'best_score': np.float64(0.5)}}, path)
    assert load_checkpoint(_model(1), path)['meta']['best_score'] == 0.5


def test_truncated_checkpoint_clear_error(tmp_path):
    path = str(tmp_path / 'epoch_3.pth')
    save_checkpoint(_model(), path)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match=r'epoch_3\.pth.*truncated or corrupted'):
        load_checkpoint(_model(), path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint(_model(), str(tmp_path / 'nope.pth'))


def test_atomic_save_crash_keeps_previous(tmp_path, monkeypatch):
    path = str(tmp_path / 'latest_ckpt.pth')
    model = _model(0)
    save_checkpoint(model, path, meta=dict(epoch=1))
    good = open(path, 'rb').read()
    real_save = torch.save

    def crashing_save(obj, f, *args, **kwargs):
        f.write(b'PK\x03\x04 partial bytes of a checkpoint')  # a partial write, then the "crash"
        raise OSError('disk full (simulated)')

    monkeypatch.setattr(torch, 'save', crashing_save)
    with pytest.raises(OSError, match='simulated'):
        save_checkpoint(_model(1), path, meta=dict(epoch=2))
    monkeypatch.setattr(torch, 'save', real_save)
    assert open(path, 'rb').read() == good
    assert load_checkpoint(_model(1), path)['meta']['epoch'] == 1
    assert sorted(os.listdir(tmp_path)) == ['latest_ckpt.pth']  # no temp file left


def test_publish_model(tmp_path):
    model = _model()
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    src = str(tmp_path / 'epoch_12.pth')
    save_checkpoint(model, src, optimizer=optim, meta=dict(epoch=12))
    final = publish_checkpoint(src, str(tmp_path / 'retina.pth'))
    digest = hashlib.sha256(open(final, 'rb').read()).hexdigest()
    assert final == str(tmp_path / f'retina-{digest[:8]}.pth')
    out = torch.load(final, weights_only=True)
    assert 'optimizer' not in out and out['meta']['epoch'] == 12
    assert not os.path.exists(tmp_path / 'retina.pth')


# -- URL schemes (no network: the download function is replaced by a local copy) -------------------------------------
@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    hub = tmp_path / 'hub'
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(hub))
    served = {}

    def fake_download(url, dst):
        if url not in served:
            raise RuntimeError(f'unexpected download of {url}')
        shutil.copy(served[url], dst)

    monkeypatch.setattr(ck, '_download', fake_download)
    return served, hub


def _saved_with_hash(tmp_path, name, model):
    path = str(tmp_path / f'{name}.pth')
    save_checkpoint(model, path)
    digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    return path, digest


def test_http_download_cache_and_hash(tmp_path, fake_hub):
    served, hub = fake_hub
    model = _model(0)
    path, digest = _saved_with_hash(tmp_path, 'src', model)
    url = f'https://example.com/models/toy-{digest[:8]}.pth'
    served[url] = path
    target = _model(1)
    load_checkpoint(target, url, strict=True)
    assert torch.equal(target.fc1.weight, model.fc1.weight)
    assert (hub / 'checkpoints' / f'toy-{digest[:8]}.pth').is_file()
    # served from the cache the second time
    del served[url]
    load_checkpoint(_model(1), url)


def test_http_hash_mismatch(tmp_path, fake_hub):
    served, hub = fake_hub
    path, digest = _saved_with_hash(tmp_path, 'src', _model(0))
    bad = 'deadbeef' if not digest.startswith('deadbeef') else 'cafebabe'
    url = f'https://example.com/toy-{bad}.pth'
    served[url] = path
    with pytest.raises(RuntimeError, match='sha256'):
        load_checkpoint(_model(1), url)
    assert not list((hub / 'checkpoints').iterdir())


def test_torchvision_scheme(tmp_path, fake_hub, monkeypatch):
    served, _ = fake_hub
    url = ck.get_torchvision_url('resnet18')
    assert url.startswith('https://download.pytorch.org/models/resnet18-')
    model = _model(0)
    name = url.rsplit('/', 1)[1]
    # the real file name carries a hash; serve a file that matches it by skipping the hash check for this test
    monkeypatch.setattr(ck, 'HASH_REGEX', __import__('re').compile(r'(?!)'))
    path = str(tmp_path / name)
    save_checkpoint(model, path)
    served[url] = path
    target = _model(1)
    load_checkpoint(target, 'torchvision://resnet18')
    assert torch.equal(target.fc2.weight, model.fc2.weight)
    with pytest.raises(KeyError, match='torchvision has no model'):
        ck.get_torchvision_url('resnet_does_not_exist')


def test_open_mmlab_scheme_and_home_override(tmp_path, fake_hub, monkeypatch):
    served, _ = fake_hub
    urls = ck.get_open_mmlab_urls()
    assert urls['detectron2/resnet50_caffe'].endswith('resnet50_msra-5891d200.pth')
    home = tmp_path / 'wbhome'
    home.mkdir()
    monkeypatch.setenv('WORKBENCH_HOME', str(home))
    model = _model(0)
    save_checkpoint(model, str(home / 'local_toy.pth'))
    path, digest = _saved_with_hash(tmp_path, 'remote', model)
    served[f'https://example.com/toy-{digest[:8]}.pth'] = path
    (home / 'open_mmlab.json').write_text(json.dumps({
        'toy_local': 'local_toy.pth', 'toy_remote': f'https://example.com/toy-{digest[:8]}.pth',
        'vgg16_caffe': 'overridden.pth'}))
    assert ck.get_open_mmlab_urls()['vgg16_caffe'] == 'overridden.pth'
    for key in ('toy_local', 'toy_remote'):
        target = _model(1)
        load_checkpoint(target, f'open-mmlab://{key}', strict=True)
        assert torch.equal(target.fc1.weight, model.fc1.weight)
    with pytest.raises(KeyError, match='no entry'):
        load_checkpoint(_model(), 'open-mmlab://unknown_model')


def test_unknown_scheme():
    with pytest.raises(ValueError, match='unsupported checkpoint scheme'):
        load_checkpoint(_model(), 's3://bucket/x.pth')


def test_runner_checkpoint_alias_module():
    from workbench.runner import checkpoint as rc
    assert rc.load_checkpoint is load_checkpoint and rc.save_checkpoint is save_checkpoint
