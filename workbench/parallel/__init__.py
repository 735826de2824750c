"""Batching and device placement of samples (mmcv 1.x ``mmcv.parallel`` semantics)."""
from .data_container import DataContainer

__all__ = ['DataContainer']
from .collate import collate  # noqa: E402

__all__ += ['collate']

# engine side (model wrappers); appended by the engine owner
from .data_parallel import (MMDataParallel, MMDistributedDataParallel, convert_sync_batchnorm,  # noqa: E402
                            is_module_wrapper, revert_sync_batchnorm, scatter_to)

__all__ += ['MMDataParallel', 'MMDistributedDataParallel', 'scatter_to', 'is_module_wrapper',
            'convert_sync_batchnorm', 'revert_sync_batchnorm']
