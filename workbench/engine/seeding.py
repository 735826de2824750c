"""Random seeds and RNG state (mmdet 2.x ``set_random_seed`` / ``init_random_seed``), plus capturing and restoring
the python / numpy / torch (and CUDA) generators so a resumed run draws the same numbers as an uninterrupted one."""
from __future__ import annotations

import random
from typing import Optional

import numpy as np
import torch

from .dist_utils import broadcast_object, get_dist_info


def set_random_seed(seed: int, deterministic: bool = False, use_rank_shift: bool = False) -> None:
    """Seed python, numpy and torch (all devices). ``deterministic`` also makes cuDNN deterministic (and turns
    off its autotuner). ``use_rank_shift`` adds the rank so each process draws different numbers."""
    if use_rank_shift:
        seed += get_dist_info()[0]
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False


def init_random_seed(seed: Optional[int] = None, device: str = 'cpu') -> int:
    """``seed`` if given, else a random one drawn on rank 0 and shared with every rank."""
    if seed is not None:
        return seed
    seed = int(np.random.randint(2 ** 31))
    return int(broadcast_object(seed, src=0))


def get_rng_state() -> dict:
    """The state of every generator, as tensors / numbers / tuples only (loadable with weights_only=True)."""
    mt_name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        'python': random.getstate(),
        'numpy': (mt_name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)),
        'torch': torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what ``get_rng_state`` returned."""
    if 'python' in state:
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
    if 'numpy' in state:
        mt_name, keys, pos, has_gauss, cached = state['numpy']
        np.random.set_state((mt_name, np.asarray(keys, dtype=np.int64).astype(np.uint32), pos, has_gauss, cached))
    if 'torch' in state:
        torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        cuda_states = [s.cpu() for s in state['cuda']]
        if len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
