"""`workbench train`: mmdet's tools/train.py work-dir layout, checkpoint meta, and one-line errors."""
import json
import os.path as osp

import pytest
import torch

from tests.cli.conftest import run_main
from workbench.cli.train import default_work_dir

SHAPES = ('rect', 'ellipse', 'triangle', 'cross')


@pytest.mark.slow
def test_train_writes_mmdet_work_dir(trained):
    wd = trained['work_dir']
    stem = osp.basename(trained['log_json'])[:-len('.log.json')]
    for name in ('tiny_retinanet_shapes.py', f'{stem}.log', 'epoch_1.pth', 'latest.pth'):
        assert osp.isfile(osp.join(wd, name)), name
    with open(osp.join(wd, f'{stem}.log')) as f:
        text = f.read()
    assert 'Environment info' in text and 'Set random seed to 0, deterministic: True' in text
    assert 'Epoch [1][4/4]' in text  # 8 images, 2 per batch
    records = [json.loads(line) for line in open(trained['log_json'])]
    train = [r for r in records if r.get('mode') == 'train']
    val = [r for r in records if r.get('mode') == 'val']
    assert [r['iter'] for r in train] == [1, 2, 3, 4]
    assert all(torch.isfinite(torch.tensor(r['loss'])) for r in train)
    assert len(val) == 1 and 'bbox_mAP' in val[0]  # evaluation interval 1, validation on by default
    ckpt = torch.load(osp.join(wd, 'latest.pth'), map_location='cpu', weights_only=False)
    meta = ckpt['meta']
    assert tuple(meta['CLASSES']) == SHAPES
    assert meta['seed'] == 0 and meta['exp_name'] == 'tiny_retinanet_shapes.py'
    assert 'PyTorch' in meta['env_info'] and 'max_epochs=1' in meta['config']
    assert meta['epoch'] == 1
    # the dumped config is loadable and has the run's values
    from workbench.config import Config
    dumped = Config.fromfile(osp.join(wd, 'tiny_retinanet_shapes.py'))
    assert dumped.runner.max_epochs == 1 and dumped.work_dir == wd  # dumped before seeding, as mmdet


def test_default_work_dir_is_work_dirs_config_stem():
    assert default_work_dir('configs/retinanet/retinanet_r50_fpn_1x_coco.py') == \
        osp.join('.', 'work_dirs', 'retinanet_r50_fpn_1x_coco')
    assert default_work_dir('workbench::shapes/retinanet_r18_fpn_shapes.py') == \
        osp.join('.', 'work_dirs', 'retinanet_r18_fpn_shapes')


def _one_error_line(code, out, err, *needles):
    """The error is one line followed by one hint line and nothing else (training log lines may come first)."""
    lines = err.strip().splitlines()
    assert code == 1
    errors = [i for i, line in enumerate(lines) if line.startswith('workbench train: error: ')]
    assert errors == [len(lines) - 2], err
    assert lines[-1].startswith('hint: ')
    for needle in needles:
        assert needle in lines[-2]
    return lines[-2:]


def test_missing_config_is_one_line_with_hint(tmp_path):
    missing = tmp_path / 'nope.py'
    lines = _one_error_line(*run_main(['train', missing, '--work-dir', tmp_path / 'wd']), 'FileNotFoundError',
                            str(missing))
    assert 'check the path' in lines[1]
    assert not (tmp_path / 'wd').exists()


def test_bad_cfg_options_key_is_one_line_with_hint(tiny_config, tmp_path):
    code, out, err = run_main(['train', tiny_config, '--work-dir', tmp_path / 'wd',
                               '--cfg-options', 'data.train.pipeline.99.type=Resize'])
    lines = _one_error_line(code, out, err, 'KeyError', 'data.train.pipeline.99')
    assert 'check the key' in lines[1]
    code, out, err = run_main(['train', tiny_config, '--work-dir', tmp_path / 'wd2',
                               '--cfg-options', 'model.backbone.depth.layers=3'])
    _one_error_line(code, out, err, 'model.backbone.depth')


def test_unknown_model_type_names_it(tiny_config, tmp_path):
    code, out, err = run_main(['train', tiny_config, '--work-dir', tmp_path / 'wd', '--no-validate',
                               '--cfg-options', 'model.backbone.type=NoSuchNet'])
    _one_error_line(code, out, err, 'KeyError', "NoSuchNet is not in the 'model' registry")


def test_renamed_options_flag_is_explained(tiny_config, tmp_path):
    code, _, err = run_main(['train', tiny_config, '--options', 'a=1'])
    assert code == 1 and '--cfg-options' in err


def test_debug_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        run_main(['train', tmp_path / 'nope.py', '--debug'])


def test_command_line_choices_reach_the_config(tiny_config, tmp_path):
    from workbench import cli
    from workbench.cli.train import prepare_config

    ckpt = tmp_path / 'epoch_1.pth'
    ckpt.write_bytes(b'x')
    args = cli.build_parser().parse_args(['train', tiny_config, '--work-dir', str(tmp_path / 'wd'), '--resume-from',
                                          str(ckpt), '--auto-resume', '--amp', '--auto-scale-lr', '--device', 'cpu',
                                          '--cfg-options', 'optimizer.lr=0.5'])
    cfg = prepare_config(args)
    assert cfg.work_dir == str(tmp_path / 'wd') and cfg.resume_from == str(ckpt) and cfg.auto_resume
    assert cfg.fp16 == dict(loss_scale='dynamic') and cfg.device == 'cpu'
    assert cfg.auto_scale_lr.enable and cfg.optimizer.lr == 0.5
    plain = prepare_config(cli.build_parser().parse_args(['train', tiny_config]))
    assert plain.work_dir == osp.join('.', 'work_dirs', 'tiny_retinanet_shapes')
    assert 'fp16' not in plain and not plain.auto_resume and plain.resume_from is None
    with pytest.raises(FileNotFoundError, match='--resume-from checkpoint not found'):
        prepare_config(cli.build_parser().parse_args(['train', tiny_config, '--resume-from', 'nope.pth']))


@pytest.mark.slow
def test_channels_last_training_matches_contiguous(trained, tmp_path):
    """`memory_format='channels_last'` (faster on CPU) trains the same model: same seed, same logged losses up to
    float rounding, and its checkpoint loads into a contiguous model."""
    work_dir = tmp_path / 'cl'
    code, _, err = run_main(['train', trained['config'], '--work-dir', work_dir, '--seed', '0', '--deterministic',
                             '--cfg-options', 'memory_format=channels_last'])
    assert code == 0, err

    def train_losses(log_json):
        return [r['loss'] for r in map(json.loads, open(log_json)) if r.get('mode') == 'train']
    log = next(work_dir.glob('*.log.json'))
    assert train_losses(log) == pytest.approx(train_losses(trained['log_json']), rel=1e-3)
    saved = torch.load(work_dir / 'latest.pth', map_location='cpu', weights_only=True)['state_dict']
    assert saved['backbone.conv1.weight'].is_contiguous(memory_format=torch.channels_last)  # it trained that way
    from workbench.apis import init_detector
    model = init_detector(trained['config'], str(work_dir / 'latest.pth'))
    assert model.backbone.conv1.weight.is_contiguous()
    channels_last = init_detector(trained['config'], str(work_dir / 'latest.pth'),
                                  cfg_options=dict(memory_format='channels_last'))
    assert channels_last.backbone.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(model.state_dict().values(), channels_last.state_dict().values()):
        assert torch.equal(a, b)
