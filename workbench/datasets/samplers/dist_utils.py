"""Rank / world size and a seed shared across processes, for the samplers (works without torch.distributed)."""
import numpy as np
import torch
import torch.distributed as dist


def get_dist_info():
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def sync_random_seed(seed=None, device='cpu'):
    """``seed``, or a random one drawn on rank 0 and broadcast, so all ranks shuffle identically."""
    if seed is None:
        seed = int(np.random.randint(2 ** 31))
    rank, world_size = get_dist_info()
    if world_size == 1:
        return seed
    t = torch.tensor(seed if rank == 0 else 0, dtype=torch.int32, device=device)
    dist.broadcast(t, src=0)
    return int(t.item())
