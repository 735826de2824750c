"""Distributed training on CPU: 2 gloo processes give the loss sequence of 1 process with the same global batch;
results of distributed testing are gathered in dataset order."""
import json
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader, DistributedSampler

from workbench.engine import IterBasedRunner, build_optimizer, collect_results_cpu, get_dist_info, \
    multi_gpu_test, set_random_seed, single_gpu_test
from workbench.parallel import MMDataParallel, MMDistributedDataParallel

from .helpers import QUIET
from .toy import RecordHook, ToyDataset, ToyModel

ITERS = 6


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _train(model, loader, work_dir):
    optimizer = build_optimizer(model, dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
    runner = IterBasedRunner(model, optimizer=optimizer, work_dir=work_dir, logger=QUIET, max_iters=ITERS)
    runner.register_training_hooks(lr_config=dict(policy='step', step=[4], by_epoch=False),
                                   optimizer_config=dict(grad_clip=dict(max_norm=5.0)))
    rec = RecordHook()
    runner.register_hook(rec, 'LOWEST')
    runner.run([loader], [('train', 1)])
    return [r['loss'] for r in rec.records]


def _worker(rank, world_size, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world_size)
    try:
        torch.set_num_threads(1)
        set_random_seed(0)
        model = MMDistributedDataParallel(ToyModel())
        dataset = ToyDataset(n=8)
        sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=False)
        loader = DataLoader(dataset, batch_size=2, sampler=sampler)
        local = _train(model, loader, os.path.join(out_dir, f'rank{rank}'))
        # the global-batch loss of each iteration is the mean of the ranks' (equal-sized) batch means
        losses = torch.tensor(local, dtype=torch.float64)
        dist.all_reduce(losses)
        losses /= world_size

        val = ToyDataset(n=7, seed=3)  # odd size: the sampler pads, collection must cut the padding
        val_loader = DataLoader(val, batch_size=2, sampler=DistributedSampler(val, world_size, rank, shuffle=False))
        results = multi_gpu_test(model, val_loader, tmpdir=os.path.join(out_dir, 'collect'))
        parts = collect_results_cpu([f'r{rank}i{i}' for i in range(rank, 7, world_size)], 7)
        if rank == 0:
            assert get_dist_info() == (0, world_size)
            state = {k: v.tolist() for k, v in model.module.state_dict().items()}
            with open(os.path.join(out_dir, 'dist.json'), 'w') as f:
                json.dump(dict(losses=losses.tolist(), state=state, results=[r.tolist() for r in results],
                               parts=parts), f)
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_gloo_processes_match_single_process(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    with open(tmp_path / 'dist.json') as f:
        got = json.load(f)

    set_random_seed(0)
    model = MMDataParallel(ToyModel())
    loader = DataLoader(ToyDataset(n=8), batch_size=4, shuffle=False)
    single = _train(model, loader, str(tmp_path / 'single'))
    assert len(got['losses']) == ITERS
    for i, (a, b) in enumerate(zip(got['losses'], single)):
        assert a == pytest.approx(b, abs=1e-5), f'iteration {i}: 2 processes {a} vs 1 process {b}'
    for k, v in model.module.state_dict().items():
        torch.testing.assert_close(torch.tensor(got['state'][k], dtype=v.dtype), v, atol=1e-5, rtol=1e-5)

    # distributed test results come back in dataset order, padding removed
    val = ToyDataset(n=7, seed=3)
    expected = single_gpu_test(model, DataLoader(val, batch_size=2), progress=False)
    assert len(got['results']) == 7
    torch.testing.assert_close(torch.tensor(got['results']), torch.stack(expected), atol=1e-5, rtol=1e-5)
    assert got['parts'] == [f'r{i % 2}i{i}' for i in range(7)]
