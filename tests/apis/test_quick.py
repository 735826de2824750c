"""workbench.apis.quick: the cached small model the notebooks share."""
import os
import os.path as osp

import numpy as np
import pytest

from workbench.apis import quick as quick_mod
from workbench.apis.quick import CI_SETTINGS, FULL_SETTINGS, is_ci, quick_model, quick_settings, shapes_config
from workbench.datasets import make_shapes


@pytest.mark.parametrize('value,expected', [('', False), ('0', False), ('false', False), ('No', False),
                                            ('1', True), ('true', True), ('yes', True)])
def test_is_ci(monkeypatch, value, expected):
    monkeypatch.setenv('CI', value)
    assert is_ci() is expected
    assert quick_settings() == (CI_SETTINGS if expected else FULL_SETTINGS)


def test_is_ci_unset(monkeypatch):
    monkeypatch.delenv('CI', raising=False)
    assert not is_ci()
    assert quick_settings(ci=True) == CI_SETTINGS


def test_default_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv('WORKBENCH_CACHE', str(tmp_path))
    assert quick_mod.default_cache_dir() == str(tmp_path)


def test_shapes_config_overrides(tmp_path):
    data = make_shapes(str(tmp_path / 'd'), num_train=10, num_val=2, img_size=(64, 48), seed=0)
    cfg = shapes_config(data, img_scale=(96, 64), epochs=4, work_dir=str(tmp_path / 'w'))
    assert cfg.runner.max_epochs == 4
    assert cfg.data.train.ann_file == data['train_ann'] and cfg.data.test.ann_file == data['val_ann']
    assert cfg.data.val.img_prefix == data['val_img_dir'] + '/'
    resize = [s for s in cfg.data.train.pipeline if s['type'] == 'Resize'][0]
    assert tuple(resize['img_scale']) == (96, 64)
    msfa = [s for s in cfg.data.test.pipeline if s['type'] == 'MultiScaleFlipAug'][0]
    assert tuple(msfa['img_scale']) == (96, 64)
    # steps scale with the epochs (packaged: 9 and 11 of 12), warmup at most a quarter of the 2 x 4 iterations
    base = shapes_config(data, epochs=12)
    scaled = [max(1, round(s * 4 / base.runner.max_epochs)) for s in base.lr_config.step]
    assert cfg.lr_config.step == sorted(set(scaled))
    assert cfg.lr_config.warmup_iters == 2
    assert cfg.checkpoint_config.interval == 4 and cfg.data.workers_per_gpu == 0
    with pytest.raises(ValueError, match='epochs'):
        shapes_config(data, epochs=0)


@pytest.mark.slow
def test_quick_model_trains_once_and_caches(tmp_path):
    messages = []
    kwargs = dict(num_train=4, num_val=2, img_size=(64, 48), img_scale=(64, 48), epochs=1, log=messages.append)
    qm = quick_model(str(tmp_path), **kwargs)
    assert osp.isfile(qm.config) and osp.isfile(qm.checkpoint)
    assert messages[-1].startswith('training the quick model')
    mtime = os.path.getmtime(qm.checkpoint)

    again = quick_model(str(tmp_path), **kwargs)
    assert again.checkpoint == qm.checkpoint and os.path.getmtime(again.checkpoint) == mtime
    assert messages[-1].startswith('using the cached quick model')

    other = quick_model(str(tmp_path), **dict(kwargs, epochs=2))   # other settings: another cache entry
    assert other.work_dir != qm.work_dir

    model = qm.init()
    assert model.CLASSES == ('rect', 'ellipse', 'triangle', 'cross')
    dataset, results = qm.test(model)
    assert len(dataset) == len(results) == 2
    assert all(len(r) == 4 and all(np.asarray(d).shape[1] == 5 for d in r) for r in results)
