"""Every kernel in cuda/ compiles with NVRTC (no GPU needed): a syntax or type error fails CPU CI."""
import pytest

from workbench.ops import _cuda

KERNELS = _cuda.kernel_names()

# The entry points the Python side launches, per file: a renamed/removed kernel fails here, not on a GPU user.
ENTRIES = {
    'nms.cu': ['nms_mask_f32', 'nms_mask_f64', 'nms_reduce'],
    'bbox_overlaps.cu': ['bbox_overlaps_f32', 'bbox_overlaps_f64'],
    'roi_align.cu': [f'roi_align_{d}_{t}' for d in ('forward', 'backward') for t in ('f32', 'f64')],
    'roi_pool.cu': [f'roi_pool_{d}_{t}' for d in ('forward', 'backward') for t in ('f32', 'f64')],
    'focal_loss.cu': [f'sigmoid_focal_{d}_{t}' for d in ('forward', 'backward') for t in ('f32', 'f64')],
}


def _nvrtc_available():
    try:
        _cuda._unshadow_cuda_namespace()
        from cupy_backends.cuda.libs import nvrtc
        nvrtc.getVersion()
        return True
    except Exception:  # noqa: BLE001
        return False


def test_all_kernels_present():
    assert set(ENTRIES) <= set(KERNELS), f'missing kernel sources: {set(ENTRIES) - set(KERNELS)}'


@pytest.mark.skipif(not _nvrtc_available(), reason='NVRTC not installed (pip install workbench[cuda])')
@pytest.mark.parametrize('name', KERNELS)
def test_kernel_compiles(name):
    ptx = _cuda.compile_ptx(name)
    entries = {line.split()[-1].rstrip('(') for line in ptx.splitlines() if '.entry' in line}
    missing = set(ENTRIES.get(name, ())) - entries
    assert not missing, f'cuda/{name}: kernels {sorted(missing)} are not exported (extern "C") by the source'


def test_compile_error_is_reported(monkeypatch):
    if not _nvrtc_available():
        pytest.skip('NVRTC not installed')
    monkeypatch.setattr(_cuda, 'kernel_source', lambda name: 'extern "C" __global__ void k() { int x = ; }')
    with pytest.raises(RuntimeError, match='NVRTC failed to compile cuda/bad.cu'):
        _cuda.compile_ptx('bad.cu')


def test_missing_cupy_error(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == 'cupy' or name.startswith('cupy.'):
            raise ImportError('no cupy')
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, '__import__', fake_import)
    with pytest.raises(RuntimeError, match=r'pip install workbench\[cuda\]'):
        _cuda.require_cupy()
