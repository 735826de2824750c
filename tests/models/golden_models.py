"""Shared helpers for the golden small detectors (../shared/golden/models/NAME): build from the resolved
config, load the weights strictly, and prepare the inputs as MMDetection 2.28.2 had them."""
import copy

import numpy as np
import torch

from tests.golden import load_golden, require_golden

ONE_STAGE = ['retinanet', 'atss', 'fcos', 'yolov3', 'ssdlite']
TOL = dict(atol=1e-4, rtol=1e-4)


# both layouts must reproduce MMDetection: channels_last (faster on CPU) only changes float rounding
MEMORY_FORMATS = ['contiguous', 'channels_last']


def build_golden_model(name, memory_format=None):
    from workbench.config import Config
    from workbench.models import build_detector
    from workbench.utils import set_memory_format
    cfg = Config.fromfile(str(require_golden('models', name, 'config.py')))
    model = build_detector(cfg.model)
    state = load_golden('models', name, 'weights.pth')
    model.load_state_dict(state, strict=True)
    return set_memory_format(model, memory_format)


def load_io(name):
    return load_golden('models', name, 'io.pth')


def img_metas(io, n=1):
    """The fixture's meta with ``scale_factor`` back to a float32 numpy array (as mmdet's pipeline makes it)."""
    metas = []
    for _ in range(n):
        meta = copy.deepcopy(io['img_metas'][0])
        meta['scale_factor'] = np.asarray(meta['scale_factor'], dtype=np.float32)
        metas.append(meta)
    return metas


def _as_float_tensor(x):
    return x.detach().float() if torch.is_tensor(x) else torch.as_tensor(np.asarray(x)).float()


def assert_dets_match(bboxes, labels, gold_bboxes, gold_labels, atol=1e-4, rtol=1e-4, tie_eps=1e-7):
    """Same detections up to order. Rows are matched one-to-one (same label, all 5 values within tolerance).

    Scores that tie *exactly* (near-uniform random heads such as SSDLite's give dozens of equal scores, across
    classes) make the top-k, NMS order and ``max_per_img`` cut among them implementation-defined; rows in such tie
    groups are compared by their scores only, the others must match one-to-one.
    """
    b, g = _as_float_tensor(bboxes), _as_float_tensor(gold_bboxes)
    assert b.shape == g.shape, f'{tuple(b.shape)} detections, expected {tuple(g.shape)}'
    if len(g) == 0:
        return
    lab = torch.zeros(len(b), dtype=torch.long) if labels is None else torch.as_tensor(labels).long()
    glab = torch.zeros(len(g), dtype=torch.long) if gold_labels is None else torch.as_tensor(gold_labels).long()
    torch.testing.assert_close(b[:, 4].sort(descending=True)[0], g[:, 4].sort(descending=True)[0], atol=atol,
                               rtol=rtol)
    tied = ((g[:, None, 4] - g[None, :, 4]).abs() <= tie_eps).sum(1) > 1
    close = ((b[:, None, :] - g[None, :, :]).abs() <= atol + rtol * g[None, :, :].abs()).all(-1)
    close &= lab[:, None] == glab[None, :]
    used = torch.zeros(len(b), dtype=torch.bool)
    for j in torch.nonzero(~tied).flatten().tolist():
        cand = torch.nonzero(close[:, j] & ~used).flatten()
        assert len(cand), f'gold detection {g[j].tolist()} (label {int(glab[j])}) has no match'
        used[cand[0]] = True
    # rows left over are the exactly tied ones; their scores were compared above, and which of the equal-score
    # candidates (of any class) survive the top-k / NMS / max_per_img cuts is implementation-defined
    assert int((~used).sum()) == int(tied.sum())


def flatten_result(result):
    """mmdet 2.x per-class list -> (all (n, 5) rows, their labels)."""
    rows = [_as_float_tensor(r).reshape(-1, 5) for r in result]
    labels = torch.cat([torch.full((len(r), ), i, dtype=torch.long) for i, r in enumerate(rows)])
    return torch.cat(rows), labels


def grad_norm(model):
    """2-norm of all parameter gradients, accumulated in float64 (a float32 norm over ~1e6 large gradients is off
    by ~1e-4 relative)."""
    grads = [p.grad.detach().double().flatten() for p in model.parameters() if p.grad is not None]
    return torch.cat(grads).norm().float()


def has_trainable_bn(model):
    return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.training for m in model.modules())


def undo_train_forward_bn_update(model, io):
    """Fixture artefact: for models whose BN layers run in train mode (MobileNetV2 ones: yolov3, ssdlite),
    weights.pth holds the running statistics *after* the train-mode forward on ``train_batch``, while the eval
    outputs were recorded before it. One train-mode forward with momentum -m/(1-m) exactly inverts the update
    r' = (1-m) r + m b, restoring the statistics the eval outputs were computed with."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.momentum = -m.momentum / (1 - m.momentum)
    model.train()
    tb = io['train_batch']
    with torch.no_grad():
        model.bbox_head(model.extract_feat(tb["imgs"]))
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()
