"""Model wrappers (DataContainer unwrapping), dist helpers in a single process, SyncBN conversion, seeding."""
import random

import numpy as np
import pytest
import torch
import torch.nn as nn

from workbench.engine import (collect_results_cpu, get_dist_info, get_rng_state, init_dist, init_random_seed,
                              master_only, set_random_seed, set_rng_state)
from workbench.engine.checkpoint import get_state_dict
from workbench.parallel import (DataContainer, MMDataParallel, collate, convert_sync_batchnorm,
                                revert_sync_batchnorm, scatter_to)

from .toy import ToyModel


def test_scatter_unwraps_collated_data_containers():
    samples = [dict(img=DataContainer(torch.ones(3, 4, 5), stack=True),
                    img_metas=DataContainer(dict(id=i), cpu_only=True),
                    gt=DataContainer(torch.zeros(i + 1, 4))) for i in range(2)]
    batch = collate(samples, samples_per_gpu=2)
    out = scatter_to(batch, torch.device('cpu'))
    assert out['img'].shape == (2, 3, 4, 5)
    assert out['img_metas'] == [dict(id=0), dict(id=1)]
    assert [g.shape[0] for g in out['gt']] == [1, 2]
    two_chunks = collate(samples, samples_per_gpu=1)
    with pytest.raises(ValueError, match='2 device chunks'):
        scatter_to(two_chunks, None)


def test_mm_data_parallel_train_step_and_state_dict():
    torch.manual_seed(0)
    model = ToyModel()
    wrapped = MMDataParallel(model)
    data = dict(x=DataContainer([torch.randn(4, 4)], stack=True), y=DataContainer([torch.randn(4, 1)], stack=True))
    out = wrapped.train_step(data, None)
    assert out['num_samples'] == 4 and out['loss'].requires_grad
    assert list(get_state_dict(wrapped)) == list(model.state_dict())
    preds = wrapped(return_loss=False, x=DataContainer([torch.randn(2, 4)]))
    assert len(preds) == 2
    with pytest.raises(ValueError, match='one device'):
        MMDataParallel(model, device_ids=[0, 1])


def test_single_process_dist_helpers(tmp_path):
    assert get_dist_info() == (0, 1)
    assert collect_results_cpu([1, 2, 3], 2) == [1, 2]

    @master_only
    def f():
        return 'rank0'

    assert f() == 'rank0'
    with pytest.raises(ValueError, match='launcher'):
        init_dist('slurm')


def test_init_dist_names_missing_env(monkeypatch):
    for var in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(RuntimeError, match='RANK'):
        init_dist('pytorch', backend='gloo')


def test_sync_bn_round_trip():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm2d(4)))
    model[1].running_mean.fill_(0.5)
    synced = convert_sync_batchnorm(model)
    assert isinstance(synced[1], nn.SyncBatchNorm) and isinstance(synced[2][0], nn.SyncBatchNorm)
    back = revert_sync_batchnorm(synced)
    assert type(back[1]) is nn.BatchNorm2d and type(back[2][0]) is nn.BatchNorm2d
    assert torch.equal(back[1].running_mean, torch.full((4,), 0.5))
    back.eval()
    assert back(torch.randn(1, 3, 2, 2)).shape == (1, 4, 2, 2)


def test_seeding_and_rng_state_round_trip():
    set_random_seed(3)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    set_random_seed(3)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a
    state = get_rng_state()
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == b
    assert init_random_seed(7) == 7 and 0 <= init_random_seed() < 2 ** 31
    # the state is plain data: it survives a weights_only round trip
    import io
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    set_rng_state(torch.load(buf, weights_only=True))
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == b


@pytest.mark.gpu
def test_fp16_hook_on_cuda(tmp_path):
    from workbench.engine import Fp16OptimizerHook, IterBasedRunner, build_optimizer

    from .helpers import QUIET
    from .toy import make_loader

    torch.manual_seed(0)
    model = ToyModel().cuda()
    dtypes = []
    model.fc1.register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    runner = IterBasedRunner(MMDataParallel(model, device_ids=[0]),
                             optimizer=build_optimizer(model, dict(type='SGD', lr=0.01)), work_dir=str(tmp_path),
                             logger=QUIET, max_iters=4)
    runner.register_training_hooks(lr_config=None, optimizer_config=Fp16OptimizerHook(loss_scale='dynamic'),
                                   checkpoint_config=dict(interval=4, by_epoch=False))
    runner.run([make_loader()], [('train', 1)])
    assert dtypes and all(d == torch.float16 for d in dtypes)
    ck = torch.load(tmp_path / 'iter_4.pth', weights_only=True)
    assert ck['meta']['fp16']['loss_scaler']['scale'] > 0
