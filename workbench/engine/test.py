"""Running a model over a data loader for evaluation (mmdet 2.x ``single_gpu_test`` / ``multi_gpu_test``).

The model is called as mmdet detectors are: ``model(return_loss=False, rescale=True, **data)`` returning one result
per image. Results come back in dataset order; ``multi_gpu_test`` gathers the ranks' shares (files under
``tmpdir``, or through the process group with ``gpu_collect``) and returns them on rank 0 (None elsewhere).
"""
from __future__ import annotations

from typing import Optional

import torch

from .dist_utils import collect_results_cpu, collect_results_gpu, get_dist_info


def _progress(total: int, disable: bool):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc='test', unit='img', disable=disable, leave=False)


def single_gpu_test(model, data_loader, show: bool = False, out_dir: Optional[str] = None,
                    show_score_thr: float = 0.3, progress: bool = True) -> list:
    """Results of ``model`` on every sample of ``data_loader`` (showing/saving drawings is left to the
    visualisation module; ``show``/``out_dir`` are accepted for mmdet signature compatibility)."""
    model.eval()
    results = []
    bar = _progress(len(data_loader.dataset), not progress)
    for data in data_loader:
        with torch.no_grad():
            result = model(return_loss=False, rescale=True, **data)
        results.extend(result)
        bar.update(len(result))
    bar.close()
    return results


def multi_gpu_test(model, data_loader, tmpdir: Optional[str] = None, gpu_collect: bool = False) -> Optional[list]:
    """Each rank tests its sampler's share; rank 0 receives all results in dataset order."""
    model.eval()
    results = []
    rank, world_size = get_dist_info()
    bar = _progress(len(data_loader.dataset), rank != 0)
    for data in data_loader:
        with torch.no_grad():
            result = model(return_loss=False, rescale=True, **data)
        results.extend(result)
        bar.update(len(result) * world_size)
    bar.close()
    if gpu_collect:
        return collect_results_gpu(results, len(data_loader.dataset))
    return collect_results_cpu(results, len(data_loader.dataset), tmpdir)
