"""The configs shipped in workbench/configs: workbench:: names, MMDetection 2.x values, mmdet files load unchanged."""
import os

import pytest

from tests.golden import require_golden
from workbench.config import Config, packaged_configs_dir, resolve_config_path

BASES = ['_base_/default_runtime.py', '_base_/schedules/schedule_1x.py', '_base_/schedules/schedule_2x.py',
         '_base_/schedules/schedule_20e.py', '_base_/datasets/coco_detection.py',
         '_base_/datasets/coco_instance.py', '_base_/datasets/voc0712.py']
RUNTIME_KEYS = ['checkpoint_config', 'log_config', 'custom_hooks', 'dist_params', 'log_level', 'load_from',
                'resume_from', 'workflow', 'opencv_num_threads', 'mp_start_method', 'auto_scale_lr']
DATA_KEYS = ['dataset_type', 'data_root', 'img_norm_cfg', 'train_pipeline', 'test_pipeline', 'data', 'evaluation']
SCHEDULE_KEYS = ['optimizer_config', 'lr_config', 'runner']


@pytest.mark.parametrize('name', BASES)
def test_packaged_bases_load_by_short_name(name):
    cfg = Config.fromfile(f'workbench::{name}')
    assert cfg.filename == os.path.join(packaged_configs_dir(), *name.split('/'))
    assert len(cfg) > 0


def test_resolve_config_path_forms(tmp_path):
    assert resolve_config_path('workbench::a/b.py') == os.path.join(packaged_configs_dir(), 'a', 'b.py')
    assert resolve_config_path('x.py', str(tmp_path)) == str(tmp_path / 'x.py')
    assert resolve_config_path('~/x.py') == os.path.expanduser('~/x.py')


def test_user_config_can_inherit_packaged_bases(write):
    path = write('mine.py', """
        _base_ = ['workbench::_base_/datasets/coco_detection.py', 'workbench::_base_/schedules/schedule_1x.py']
        data = dict(samples_per_gpu=4)
    """)
    cfg = Config.fromfile(path)
    assert cfg.data.samples_per_gpu == 4 and cfg.data.workers_per_gpu == 2
    assert cfg.key_origins()['data.samples_per_gpu'] == path


def test_schedule_values():
    for name, step, epochs in [('1x', [8, 11], 12), ('2x', [16, 22], 24), ('20e', [16, 19], 20)]:
        cfg = Config.fromfile(f'workbench::_base_/schedules/schedule_{name}.py')
        assert cfg.optimizer == dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
        assert cfg.lr_config == dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=step)
        assert cfg.runner == dict(type='EpochBasedRunner', max_epochs=epochs)


def test_voc_values():
    cfg = Config.fromfile('workbench::_base_/datasets/voc0712.py')
    assert cfg.data.train.type == 'RepeatDataset' and cfg.data.train.times == 3
    assert cfg.data.train.dataset.ann_file == ['data/VOCdevkit/VOC2007/ImageSets/Main/trainval.txt',
                                               'data/VOCdevkit/VOC2012/ImageSets/Main/trainval.txt']
    assert cfg.data.test.ann_file == 'data/VOCdevkit/VOC2007/ImageSets/Main/test.txt'
    assert cfg.train_pipeline[2] == dict(type='Resize', img_scale=(1000, 600), keep_ratio=True)
    assert cfg.evaluation == dict(interval=1, metric='mAP')


@pytest.mark.parametrize('model, dataset', [('retinanet', 'coco_detection'), ('faster_rcnn', 'coco_detection'),
                                            ('mask_rcnn', 'coco_instance')])
def test_bases_match_the_mmdet_2_28_resolved_configs(model, dataset):
    golden = Config.fromfile(require_golden('models', model, 'config.py'))
    ours = Config.fromstring(
        f"_base_ = ['workbench::_base_/datasets/{dataset}.py', 'workbench::_base_/schedules/schedule_1x.py', "
        "'workbench::_base_/default_runtime.py']\n", 'py')
    for key in RUNTIME_KEYS + DATA_KEYS + SCHEDULE_KEYS:
        assert ours[key] == golden[key], key


@pytest.mark.parametrize('model', ['retinanet', 'fcos', 'atss', 'faster_rcnn', 'mask_rcnn', 'cascade_rcnn',
                                   'yolov3', 'ssdlite'])
def test_mmdet_resolved_configs_load_unchanged(model):
    path = require_golden('models', model, 'config.py')
    cfg = Config.fromfile(path)
    namespace = {}
    exec(compile(path.read_text(), str(path), 'exec'), namespace)  # noqa: S102 - the reference reading
    expected = {k: v for k, v in namespace.items() if not k.startswith('__')}
    assert cfg.to_dict() == expected
    assert Config.fromstring(cfg.dump(), 'py').to_dict() == expected  # and dump back unchanged
