"""``workbench.runner.checkpoint``: the checkpoint functions under mmcv's module path."""
from workbench.engine.checkpoint import *  # noqa: F401,F403
from workbench.engine.checkpoint import (DEFAULT_REVISE_KEYS, CheckpointError, _load_checkpoint,  # noqa: F401
                                         _load_checkpoint_with_prefix, atomic_torch_save, cached_download,
                                         get_open_mmlab_urls, get_state_dict, get_torchvision_url, is_module_wrapper,
                                         load_checkpoint, load_state_dict, publish_checkpoint, save_checkpoint,
                                         weights_to_cpu)
