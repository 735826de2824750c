"""The CUDA paths of workbench.ops, run with their kernels emulated on the CPU (tests/ops/cuda_emulation.py).

The ops' own CUDA-path Python code (buffers, argument order, dtypes, autograd Functions) drives the real `.cu`
sources, compiled for the host, against the golden cases and the CPU paths. Where a GPU is present the tests in the
other files run the same checks on the device itself.
"""
import importlib

import pytest
import torch

from tests.ops.cuda_emulation import Emulator, compiler_available
from tests.ops.test_nms import random_boxes
from tests.ops.test_roi_align import make_rois
from tests.ops.tester import golden_ops
from workbench.ops import _cuda

pytestmark = pytest.mark.skipif(not compiler_available(), reason='needs a host C++20 compiler (g++) to emulate kernels')

nms_mod = importlib.import_module('workbench.ops.nms')
bbox_mod = importlib.import_module('workbench.ops.bbox')
ra_mod = importlib.import_module('workbench.ops.roi_align')
rp_mod = importlib.import_module('workbench.ops.roi_pool')
fl_mod = importlib.import_module('workbench.ops.focal_loss')


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    return Emulator(tmp_path_factory.mktemp('cuda_emu'))


@pytest.fixture
def emulated(emulator, monkeypatch):
    monkeypatch.setattr(_cuda, 'KernelLauncher', emulator.launcher_class())


@pytest.fixture
def nms_on_kernel(emulated, monkeypatch):
    """Route nms()/batched_nms() through the CUDA-path index function (bitmask + reduction kernels)."""
    monkeypatch.setattr(nms_mod, '_nms_index', nms_mod._nms_index_cuda)
    monkeypatch.setattr(nms_mod, '_CPU_PER_CLASS_MIN', 10 ** 9)


@pytest.mark.parametrize('name', ['nms_0.3', 'nms_0.5', 'nms_0.7', 'nms_0.5_offset1', 'nms_0.5_score0.3_max50'])
def test_nms_golden(nms_on_kernel, name):
    ops = golden_ops()
    case = ops['cases'][name]
    kw = {'nms_0.5_offset1': dict(offset=1), 'nms_0.5_score0.3_max50': dict(score_threshold=0.3, max_num=50)}
    dets, keep = nms_mod.nms(ops['boxes'], ops['scores'], float(name.split('_')[1]), **kw.get(name, {}))
    assert torch.equal(keep, case['keep'])
    torch.testing.assert_close(dets, case['dets'], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('name', ['batched', 'batched_agnostic', 'batched_split'])
def test_batched_nms_golden(nms_on_kernel, name):
    ops = golden_ops()
    case = ops['cases'][name]
    dets, keep = nms_mod.batched_nms(ops['boxes'], ops['scores'], ops['idxs'], case['cfg'])
    assert torch.equal(keep, case['keep'])
    torch.testing.assert_close(dets, case['dets'], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('n', [0, 1, 63, 64, 65, 700])
def test_nms_kernel_vs_cpu(emulated, n, dtype):
    """Sizes around the 64-box word boundary and several blocks."""
    boxes, scores = random_boxes(n, n, dtype)
    for offset in (0, 1):
        assert torch.equal(nms_mod._nms_index_cuda(boxes, scores, 0.5, offset),
                           nms_mod._nms_index_cpu(boxes, scores, 0.5, offset))


@pytest.mark.parametrize('name,mode,aligned,offset', [
    ('op_iou', 'iou', False, 0), ('op_iof', 'iof', False, 0), ('op_iou_offset1', 'iou', False, 1),
    ('giou', 'giou', False, 0), ('iou_aligned', 'iou', True, 0), ('iof_aligned', 'iof', True, 0),
    ('giou_aligned', 'giou', True, 0)])
def test_bbox_overlaps_golden(emulated, name, mode, aligned, offset):
    from tests.golden import load_golden
    d = load_golden('components.pth')['iou']
    b1 = d['bboxes1'][:20] if aligned else d['bboxes1']
    out = bbox_mod._overlaps_cuda(b1, d['bboxes2'], bbox_mod._MODES[mode], aligned, offset)
    torch.testing.assert_close(out, d[name], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('name', ['roi_align_alignedTrue_sr0', 'roi_align_alignedTrue_sr2',
                                  'roi_align_alignedFalse_sr0', 'roi_align_alignedFalse_sr2'])
def test_roi_align_golden(emulated, name):
    ops = golden_ops()
    case = ops['cases'][name]
    x = ops['feat'].clone().requires_grad_()
    out = ra_mod._RoIAlignCUDA.apply(x, ops['rois'], case['output_size'], case['spatial_scale'],
                                     case['sampling_ratio'], 'avg', case['aligned'])
    out.backward(case['grad_out'])
    torch.testing.assert_close(out.detach(), case['out'], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x.grad, case['grad_input'], atol=1e-5, rtol=1e-5)


def test_roi_align_max_golden(emulated):
    ops = golden_ops()
    out = ra_mod._RoIAlignCUDA.apply(ops['feat'], ops['rois'], (7, 7), 0.25, 2, 'max', True)
    torch.testing.assert_close(out, ops['cases']['roi_align_max']['out'], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('mode', ['avg', 'max'])
@pytest.mark.parametrize('aligned,sr', [(True, 0), (False, 2), (True, 3)])
def test_roi_align_kernel_vs_cpu(emulated, mode, aligned, sr):
    """Forward and input gradient against the CPU path, with rois off the map, tiny and zero-size."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 9, 11, generator=g, dtype=torch.float64)
    rois = make_rois(7, 2, 9, 11, 0, torch.float64, 'cpu', 0.5)
    rois = torch.cat([rois, torch.tensor([[1, 4., 4., 4., 4.], [0, -30., -30., -20., -20.]], dtype=torch.float64)])
    grad = torch.randn(rois.size(0), 3, 3, 4, generator=g, dtype=torch.float64)
    xa = x.clone().requires_grad_()
    out = ra_mod._RoIAlignCUDA.apply(xa, rois, (3, 4), 0.5, sr, mode, aligned)
    out.backward(grad)
    xb = x.clone().requires_grad_()
    exp = ra_mod.roi_align(xb, rois, (3, 4), 0.5, sr, mode, aligned)
    exp.backward(grad)
    torch.testing.assert_close(out.detach(), exp.detach(), atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(xa.grad, xb.grad, atol=1e-10, rtol=1e-10)


def test_roi_align_float32_and_empty(emulated):
    ops = golden_ops()
    case = ops['cases']['roi_align_alignedTrue_sr0']
    out = ra_mod._RoIAlignCUDA.apply(ops['feat'].float(), ops['rois'].float(), (7, 7), 0.25, 0, 'avg', True)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, case['out'].float(), atol=1e-5, rtol=1e-5)
    empty = ra_mod._RoIAlignCUDA.apply(ops['feat'], ops['rois'][:0], (7, 7), 0.25, 0, 'avg', True)
    assert empty.shape == (0, 4, 7, 7)


def test_roi_pool_golden(emulated):
    ops = golden_ops()
    case = ops['cases']['roi_pool']
    x = ops['feat'].clone().requires_grad_()
    out = rp_mod._RoIPoolCUDA.apply(x, ops['rois'], case['output_size'], case['spatial_scale'])
    out.backward(case['grad_out'])
    torch.testing.assert_close(out.detach(), case['out'], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x.grad, case['grad_input'], atol=1e-5, rtol=1e-5)


def test_roi_pool_kernel_vs_cpu(emulated):
    g = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 9, 11, generator=g, dtype=torch.float32)
    rois = torch.cat([make_rois(7, 2, 9, 11, 3, torch.float32, 'cpu', 0.5),
                      torch.tensor([[0, -30., -30., -20., -20.]])])  # entirely off the map: empty bins
    grad = torch.randn(rois.size(0), 3, 2, 3, generator=g)
    xa = x.clone().requires_grad_()
    out = rp_mod._RoIPoolCUDA.apply(xa, rois, (2, 3), 0.5)
    out.backward(grad)
    xb = x.clone().requires_grad_()
    exp = rp_mod.roi_pool(xb, rois, (2, 3), 0.5)
    exp.backward(grad)
    torch.testing.assert_close(out.detach(), exp.detach())
    torch.testing.assert_close(xa.grad, xb.grad)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_focal_loss_golden_and_grad(emulated, dtype):
    case = golden_ops()['cases']['sigmoid_focal_loss']
    pred = case['pred'].to(dtype).requires_grad_()
    loss = fl_mod._FocalCUDA.apply(pred, case['target'], case['gamma'], case['alpha']) \
        * case['weight'].to(dtype)[:, None]
    loss.sum().backward()
    torch.testing.assert_close(loss.detach(), case['loss_none'].to(dtype), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(pred.grad, case['grad_pred_of_sum'].to(dtype), atol=1e-5, rtol=1e-5)


def test_focal_loss_kernel_vs_cpu_extremes(emulated):
    """Large logits (saturated sigmoid) and gamma < 1, where the closed-form gradient needs care."""
    pred = torch.tensor([[-40., 0., 40.], [25., -25., 3.], [0.5, -0.5, 1e-3]], dtype=torch.float64)
    target = torch.tensor([2, 3, 0])
    for gamma, alpha in ((2.0, 0.25), (0.5, 0.7), (0.0, 0.5)):
        xa = pred.clone().requires_grad_()
        out = fl_mod._FocalCUDA.apply(xa, target, gamma, alpha)
        out.sum().backward()
        xb = pred.clone().requires_grad_()
        exp = fl_mod._focal_torch(xb, target, gamma, alpha)
        exp.sum().backward()
        torch.testing.assert_close(out.detach(), exp.detach(), atol=1e-12, rtol=1e-9)
        torch.testing.assert_close(xa.grad, xb.grad, atol=1e-12, rtol=1e-9)


def test_wrong_argument_count_is_caught(emulator):
    """The emulator checks the Python side against the kernel signature (what a GPU would not report)."""
    launcher = emulator.launcher_class()('bbox_overlaps.cu', None)
    with pytest.raises(TypeError, match='takes 8 arguments'):
        launcher('bbox_overlaps_f32', (1,), (1,), (torch.zeros(4),))
