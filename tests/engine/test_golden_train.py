"""The golden 20-iteration RetinaNet run (MMDetection 2.28.2's own runner, golden/train_retinanet_20iters.pth):
same config, initial weights and data through workbench's engine give the same lr every iteration (exactly) and
the same losses (within 1e-3).

Needs: workbench.models.build_detector (RetinaNet), workbench.datasets.build_dataset / build_dataloader
(CocoDataset + pipelines + collate), workbench.config.Config.
"""
import pytest
import torch

from tests.golden import require_golden

from .helpers import QUIET
from .toy import Hook


class _Record(Hook):
    def __init__(self):
        self.records = []

    def after_train_iter(self, runner):
        lv = runner.outputs['log_vars']
        self.records.append(dict(iter=runner.iter, lr=runner.current_lr()[0], momentum=runner.current_momentum()[0],
                                 loss_cls=lv['loss_cls'], loss_bbox=lv['loss_bbox'], loss=lv['loss']))


@pytest.mark.slow
def test_golden_retinanet_20_iterations(tmp_path):
    path = require_golden('train_retinanet_20iters.pth')
    from workbench.config import Config
    from workbench.datasets import build_dataloader, build_dataset
    from workbench.engine import IterBasedRunner, build_optimizer, set_random_seed
    from workbench.models import build_detector
    from workbench.parallel import MMDataParallel

    golden = torch.load(path, weights_only=True)
    cfg = Config.fromstring(golden['config'], '.py')
    set_random_seed(cfg.seed)
    model = build_detector(cfg.model)
    model.load_state_dict(golden['init_state'], strict=True)
    train = cfg.data.train
    root = path.parent.parent  # file names in the golden config are relative to the folder holding golden/
    train['ann_file'] = str(root / train['ann_file'])
    train['img_prefix'] = str(root / train['img_prefix'])
    dataset = build_dataset(train)
    loader = build_dataloader(dataset, cfg.data.samples_per_gpu, cfg.data.workers_per_gpu, seed=cfg.seed,
                              runner_type=cfg.runner['type'])
    model = MMDataParallel(model)
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = IterBasedRunner(model, optimizer=optimizer, work_dir=str(tmp_path), logger=QUIET,
                             max_iters=cfg.runner['max_iters'])
    runner.register_training_hooks(cfg.lr_config, cfg.optimizer_config, cfg.checkpoint_config, cfg.log_config,
                                   cfg.get('momentum_config'))
    rec = _Record()
    runner.register_hook(rec, 'LOWEST')
    runner.run([loader], cfg.workflow)

    expected = golden['records']
    assert len(rec.records) == len(expected) == 20
    for got, exp in zip(rec.records, expected):
        assert got['iter'] == exp['iter']
        assert got['lr'] == exp['lr'], f"iteration {exp['iter']}: lr {got['lr']!r} != {exp['lr']!r}"
        assert got['momentum'] == exp['momentum']
        for key in ('loss_cls', 'loss_bbox', 'loss'):
            assert got[key] == pytest.approx(exp[key], abs=1e-3), \
                f"iteration {exp['iter']}: {key} {got[key]} != {exp[key]}"
    worst = max(abs(g[k] - e[k]) for g, e in zip(rec.records, expected) for k in ('loss_cls', 'loss_bbox', 'loss'))
    print(f'largest loss deviation from MMDetection over 20 iterations: {worst:.3g}')
    final = runner.model.module.state_dict()
    for key, value in golden['final_state'].items():
        if value.is_floating_point():
            torch.testing.assert_close(final[key], value, atol=1e-3, rtol=1e-3, msg=lambda m: f'{key}: {m}')


def test_load_checkpoint_reads_mmdet_state_dict_strictly(tmp_path):
    """A state_dict written by MMDetection 2.28.2 (golden/models/retinanet/weights.pth) loads with the safe
    loader, strictly, into the model built from its config; saving and reloading it gives the same tensors."""
    weights = require_golden('models', 'retinanet', 'weights.pth')
    config = require_golden('models', 'retinanet', 'config.py')
    from workbench.config import Config
    from workbench.engine import load_checkpoint, save_checkpoint
    from workbench.models import build_detector

    model = build_detector(Config.fromfile(str(config)).model)
    load_checkpoint(model, str(weights), strict=True)
    ref = torch.load(weights, weights_only=True)
    for key, value in ref.items():
        assert torch.equal(model.state_dict()[key], value), key
    save_checkpoint(model, str(tmp_path / 'x.pth'), meta=dict(epoch=1))
    again = build_detector(Config.fromfile(str(config)).model)
    ck = load_checkpoint(again, str(tmp_path / 'x.pth'), strict=True)
    assert ck['meta']['epoch'] == 1
    for key, value in ref.items():
        assert torch.equal(again.state_dict()[key], value), key
