"""workbench.ops._cpu_parallel and the RoI ops that use it: slices of channels on several threads must give
torchvision's single call bit for bit, forward and backward."""
import importlib
import threading

import pytest
import torch
import torchvision

from workbench.ops import _cpu_parallel, roi_align, roi_pool

roi_align_module = importlib.import_module('workbench.ops.roi_align')


@pytest.fixture
def threads(monkeypatch):
    """Split every call (no minimum work) over the given number of torch threads."""
    before = torch.get_num_threads()
    monkeypatch.setattr(roi_align_module, '_MIN_OUTPUTS_PER_THREAD', 1)

    def set_threads(n):
        torch.set_num_threads(n)
    yield set_threads
    torch.set_num_threads(before)


def test_even_slices_cover_the_range():
    assert _cpu_parallel.even_slices(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert _cpu_parallel.even_slices(2, 5) == [(0, 1), (1, 2)]
    assert _cpu_parallel.even_slices(7, 1) == [(0, 7)]


def test_split_count_follows_threads_and_work(threads):
    threads(3)
    assert _cpu_parallel.split_count(10 ** 6, 1000) == 3
    assert _cpu_parallel.split_count(2500, 1000) == 2
    assert _cpu_parallel.split_count(10, 1000) == 1
    threads(1)
    assert _cpu_parallel.split_count(10 ** 6, 1000) == 1


def test_run_pieces_keeps_order_and_uses_threads():
    names = []

    def piece(i):
        names.append(threading.current_thread().name)
        return i * i
    assert _cpu_parallel.run_pieces(piece, [(i,) for i in range(5)]) == [0, 1, 4, 9, 16]
    assert names.count(threading.current_thread().name) >= 1
    assert any(n.startswith('workbench-ops') for n in names)


def test_run_pieces_does_not_nest():
    """A piece that itself fans out runs its inner pieces on its own thread (no pool-in-pool deadlock)."""
    def inner(i):
        return threading.current_thread().name

    def outer(i):
        return _cpu_parallel.run_pieces(inner, [(0,), (1,)])
    results = _cpu_parallel.run_pieces(outer, [(0,), (1,), (2,)])
    for names in results[1:]:                      # pieces run by pool threads
        assert len(set(names)) == 1 and names[0].startswith('workbench-ops')


def fpn_level(n, c, h, w, k, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, h, w, generator=g)
    xy = torch.rand(k, 2, generator=g) * torch.tensor([w, h]) * 8 - 8
    wh = torch.rand(k, 2, generator=g) * 100 + 1
    b = torch.randint(0, n, (k, 1), generator=g).float()
    return x, torch.cat([b, xy, xy + wh], 1)


@pytest.mark.parametrize('n_threads', [1, 2, 3])
@pytest.mark.parametrize('batch', [1, 2])
@pytest.mark.parametrize('sampling_ratio, aligned', [(0, True), (2, False)])
def test_roi_align_slices_equal_one_call(threads, n_threads, batch, sampling_ratio, aligned):
    threads(n_threads)
    x, rois = fpn_level(batch, 7, 12, 16, 30, seed=n_threads)
    ours, theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = roi_align(ours, rois, (3, 4), 0.125, sampling_ratio, 'avg', aligned)
    ref = torchvision.ops.roi_align(theirs, rois, (3, 4), 0.125, sampling_ratio, aligned)
    assert torch.equal(out, ref)
    grad = torch.randn(out.shape[::-1], generator=torch.Generator().manual_seed(1)).permute(3, 2, 1, 0)
    assert not grad.is_contiguous()  # the kernels read the gradient through its strides
    out.backward(grad)
    ref.backward(grad)
    assert torch.equal(ours.grad, theirs.grad)


@pytest.mark.parametrize('n_threads', [1, 2, 3])
def test_roi_pool_slices_equal_one_call(threads, n_threads):
    threads(n_threads)
    x, rois = fpn_level(2, 5, 10, 12, 25, seed=n_threads)
    ours, theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = roi_pool(ours, rois, (3, 3), 0.125)
    ref = torchvision.ops.roi_pool(theirs, rois, (3, 3), 0.125)
    assert torch.equal(out, ref)
    grad = torch.randn(out.shape, generator=torch.Generator().manual_seed(2))
    out.backward(grad)
    ref.backward(grad)
    assert torch.equal(ours.grad, theirs.grad)


def test_roi_align_max_mode_is_thread_count_independent(threads):
    x, rois = fpn_level(1, 6, 10, 10, 12, seed=4)
    threads(1)
    one = roi_align(x, rois, 2, 0.125, 2, 'max', True)
    threads(3)
    assert torch.equal(roi_align(x, rois, 2, 0.125, 2, 'max', True), one)


def test_gradcheck_split(threads):
    threads(2)
    x, rois = fpn_level(1, 4, 6, 6, 3, seed=5)
    x = x.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: roi_align(t, rois.double(), 2, 0.5, 2, 'avg', True), (x,))


@pytest.mark.parametrize('op', ['roi_align', 'roi_pool'])
def test_bfloat16_is_computed_in_float32(op):
    """CPU autocast hands the RoI ops bfloat16 maps; torchvision's CPU kernels lack bfloat16 (roi_pool entirely,
    roi_align's backward), so the ops compute in float32 and return bfloat16, differentiably."""
    x, rois = fpn_level(1, 4, 10, 10, 6, seed=6)
    xb = x.bfloat16().requires_grad_()
    fn = (lambda t: roi_align(t, rois, 2, 0.125, 2)) if op == 'roi_align' else (lambda t: roi_pool(t, rois, 2, 0.125))
    out = fn(xb)
    assert out.dtype == torch.bfloat16
    assert torch.equal(out, fn(xb.detach().float()).bfloat16())
    out.float().sum().backward()
    assert xb.grad.dtype == torch.bfloat16 and xb.grad.abs().sum() > 0


def test_concurrent_callers_and_thread_count_changes(threads):
    """Several user threads running RoI ops while the thread count changes: every result equals one call."""
    from concurrent.futures import ThreadPoolExecutor
    x, rois = fpn_level(1, 6, 12, 12, 20, seed=7)
    expected = torchvision.ops.roi_align(x, rois, (2, 2), 0.125, 2, True)

    def call(i):
        if i % 5 == 0:
            torch.set_num_threads(2 + i % 3)
        return torch.equal(roi_align(x, rois, 2, 0.125, 2), expected)
    threads(2)
    with ThreadPoolExecutor(4) as users:
        assert all(users.map(call, range(40)))
