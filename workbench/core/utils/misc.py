"""Small helpers used throughout heads and detectors (mmdet 2.x ``mmdet.core.utils.misc``)."""
from __future__ import annotations

from functools import partial

import numpy as np
import torch
import torch.distributed as dist


def multi_apply(func, *args, **kwargs):
    """Apply ``func`` to each tuple of elements of ``args`` (e.g. per level) and transpose the results.

    ``multi_apply(f, [a0, a1], [b0, b1])`` with ``f`` returning ``(x, y)`` gives ``([x0, x1], [y0, y1])``.
    """
    pfunc = partial(func, **kwargs) if kwargs else func
    map_results = map(pfunc, *args)
    return tuple(map(list, zip(*map_results)))


def unmap(data, count, inds, fill=0):
    """Scatter ``data`` (one row per true entry of ``inds``) back into a tensor of ``count`` rows filled with
    ``fill``."""
    if data.dim() == 1:
        ret = data.new_full((count, ), fill)
        ret[inds.type(torch.bool)] = data
    else:
        ret = data.new_full((count, ) + data.size()[1:], fill)
        ret[inds.type(torch.bool), :] = data
    return ret


def reduce_mean(tensor):
    """Mean of ``tensor`` over distributed processes (the tensor itself when not distributed)."""
    if not (dist.is_available() and dist.is_initialized()):
        return tensor
    tensor = tensor.clone()
    dist.all_reduce(tensor.div_(dist.get_world_size()), op=dist.ReduceOp.SUM)
    return tensor


def mask2ndarray(mask):
    """A mask structure, ndarray or tensor as an ndarray."""
    if hasattr(mask, 'to_ndarray'):
        return mask.to_ndarray()
    if isinstance(mask, np.ndarray):
        return mask
    if isinstance(mask, torch.Tensor):
        return mask.detach().cpu().numpy()
    raise TypeError(f'Unsupported {type(mask)} data type')


def flip_tensor(src_tensor, flip_direction):
    """Flip an (N, C, H, W) tensor 'horizontal', 'vertical' or 'diagonal'."""
    if src_tensor.ndim != 4:
        raise ValueError(f'flip_tensor expects a 4-D tensor, got shape {tuple(src_tensor.shape)}')
    dims = {'horizontal': [3], 'vertical': [2], 'diagonal': [2, 3]}
    if flip_direction not in dims:
        raise ValueError(f"flip_direction must be one of {list(dims)}, got {flip_direction!r}")
    return torch.flip(src_tensor, dims[flip_direction])


def select_single_mlvl(mlvl_tensors, batch_id, detach=True):
    """From per-level batched tensors, the per-level tensors of image ``batch_id`` (detached by default)."""
    if not isinstance(mlvl_tensors, (list, tuple)):
        raise TypeError(f'mlvl_tensors must be a list or tuple, got {type(mlvl_tensors).__name__}')
    if detach:
        return [t[batch_id].detach() for t in mlvl_tensors]
    return [t[batch_id] for t in mlvl_tensors]


def filter_scores_and_topk(scores, score_thr, topk, results=None):
    """Keep (prior, class) entries of ``scores`` (N, C) above ``score_thr`` and the ``topk`` best of those.

    Returns:
        scores (K,), labels (K,), keep_idxs (K,) prior indices, and ``results`` (a tensor, list or dict of tensors
        indexed by prior) filtered to ``keep_idxs`` (None when not given).
    """
    num_classes = scores.size(1)
    # flat (row-major) indices of the valid entries: one nonzero pass (a boolean-mask gather would run a second)
    # and half the index memory of 2-D nonzero; the order is the same as torch.nonzero(valid_mask)'s rows
    valid_flat = torch.nonzero((scores > score_thr).reshape(-1)).squeeze(1)
    scores = scores.reshape(-1).index_select(0, valid_flat)
    num_topk = min(topk, valid_flat.size(0))
    if 0 <= num_topk < scores.numel():
        # a partial selection: a full sort of every (prior, class) score cost ~8x more on CPU (benchmarks/inference.py)
        scores, idxs = scores.topk(num_topk)
    else:
        scores, idxs = scores.sort(descending=True)
        # slicing kept for num_topk < 0 (nms_pre=-1 drops the last entry, as mmdet 2.x does)
        scores, idxs = scores[:num_topk], idxs[:num_topk]
    topk_flat = valid_flat[idxs]
    keep_idxs = torch.div(topk_flat, num_classes, rounding_mode='floor')
    labels = topk_flat - keep_idxs * num_classes

    filtered = None
    if results is not None:
        if isinstance(results, dict):
            filtered = {k: v[keep_idxs] for k, v in results.items()}
        elif isinstance(results, list):
            filtered = [r[keep_idxs] for r in results]
        elif isinstance(results, torch.Tensor):
            filtered = results[keep_idxs]
        else:
            raise NotImplementedError(f'Only supports dict or list or Tensor, but get {type(results)}.')
    return scores, labels, keep_idxs, filtered


def center_of_mass(mask, esp=1e-6):
    """(row, column) centre of mass of a 2-D mask."""
    h, w = mask.shape
    grid_h = torch.arange(h, device=mask.device)[:, None]
    grid_w = torch.arange(w, device=mask.device)
    normalizer = mask.sum().float().clamp(min=esp)
    return (mask * grid_h).sum() / normalizer, (mask * grid_w).sum() / normalizer


def generate_coordinate(featmap_sizes, device='cuda'):
    """A (N, 2, H, W) map of normalised (x, y) coordinates in [-1, 1] for an (N, C, H, W) feature size."""
    x_range = torch.linspace(-1, 1, featmap_sizes[-1], device=device)
    y_range = torch.linspace(-1, 1, featmap_sizes[-2], device=device)
    y, x = torch.meshgrid(y_range, x_range, indexing='ij')
    y = y.expand([featmap_sizes[0], 1, -1, -1])
    x = x.expand([featmap_sizes[0], 1, -1, -1])
    return torch.cat([x, y], 1)
