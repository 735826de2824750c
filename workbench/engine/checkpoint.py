"""Saving and loading checkpoints with mmcv 1.x semantics (``mmcv.runner.checkpoint``).

Checkpoint files are dicts ``{'meta': ..., 'state_dict': ..., 'optimizer': ...}`` as MMDetection 2.x writes them;
bare state_dicts load too. Sources: local paths, ``http(s)://`` (torch.hub cache, the ``-<sha256 prefix>`` in the
file name is checked on download), ``torchvision://NAME`` (torchvision's ImageNet weights) and ``open-mmlab://NAME``
(a JSON model-zoo map shipped in ``workbench/model_zoo/open_mmlab.json``, overridable from
``$WORKBENCH_HOME/open_mmlab.json``).

Files are read with ``torch.load(weights_only=True)`` unless the caller opts out, so a checkpoint cannot run code.
Writes go to a temporary file in the target folder, are fsync'ed and then renamed over the target, so a crash
never leaves a truncated checkpoint behind.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import os.path as osp
import pickle
import re
import tempfile
import time
import zipfile
from collections import OrderedDict, namedtuple
from importlib import resources
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from .logging import print_log

DEFAULT_REVISE_KEYS = [(r'^module\.', '')]
ENV_WORKBENCH_HOME = 'WORKBENCH_HOME'
DEFAULT_CACHE_DIR = '~/.cache'
# torch.hub's convention: name-<at least 8 hex digits of the sha256>.ext
HASH_REGEX = re.compile(r'-([a-f0-9]{8,})\.')


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read (truncated, not a checkpoint, or refused as unsafe)."""


LoadReport = namedtuple('LoadReport', ['missing_keys', 'unexpected_keys', 'mismatched_keys'])


# ---------------------------------------------------------------------------------------------------------------------
# module helpers
# ---------------------------------------------------------------------------------------------------------------------
def is_module_wrapper(module: nn.Module) -> bool:
    """True for DataParallel / DistributedDataParallel and workbench's wrappers (anything exposing ``.module``
    as a wrapper registered by class)."""
    wrappers = (nn.DataParallel, nn.parallel.DistributedDataParallel)
    return isinstance(module, wrappers) or getattr(module, '_workbench_module_wrapper', False)


def _contains_wrapper(module: nn.Module) -> bool:
    return any(is_module_wrapper(m) for m in module.modules() if m is not module)


def get_state_dict(module: nn.Module, destination: Optional[OrderedDict] = None, prefix: str = '',
                   keep_vars: bool = False) -> OrderedDict:
    """``module.state_dict()`` with every (Distributed)DataParallel wrapper removed, at the top and inside."""
    if is_module_wrapper(module):
        module = module.module
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()  # type: ignore[attr-defined]
    if not _contains_wrapper(module):
        for k, v in module.state_dict(keep_vars=keep_vars).items():
            destination[prefix + k] = v
        return destination
    # a wrapper somewhere inside: walk the tree and skip the wrappers' own level of naming
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            get_state_dict(child, destination, prefix + name + '.', keep_vars)
    return destination


def weights_to_cpu(state_dict: Dict[str, torch.Tensor]) -> OrderedDict:
    """A copy of ``state_dict`` with every tensor on the CPU (metadata kept)."""
    out = OrderedDict((k, v.cpu() if isinstance(v, torch.Tensor) else v) for k, v in state_dict.items())
    out._metadata = getattr(state_dict, '_metadata', OrderedDict())  # type: ignore[attr-defined]
    return out


def load_state_dict(module: nn.Module, state_dict: Dict[str, torch.Tensor], strict: bool = False,
                    logger: Union[logging.Logger, str, None] = None) -> LoadReport:
    """Load ``state_dict`` into ``module``, reporting missing, unexpected and shape-mismatched keys.

    Shape-mismatched entries are skipped (not copied). The report is always logged; with ``strict=True`` any
    missing, unexpected or mismatched key raises ``RuntimeError`` listing them. BN ``num_batches_tracked`` buffers
    absent from the source are not counted as missing (old checkpoints do not have them), as mmcv does.
    """
    if is_module_wrapper(module):
        module = module.module
    own = module.state_dict()
    unexpected = [k for k in state_dict if k not in own]
    mismatched = []
    filtered = OrderedDict()
    for k, v in state_dict.items():
        if k not in own:
            continue
        if isinstance(v, torch.Tensor) and isinstance(own[k], torch.Tensor) and v.shape != own[k].shape:
            mismatched.append((k, tuple(v.shape), tuple(own[k].shape)))
            continue
        filtered[k] = v
    filtered._metadata = getattr(state_dict, '_metadata', OrderedDict())  # type: ignore[attr-defined]
    missing = [k for k in own if k not in state_dict and 'num_batches_tracked' not in k]
    module.load_state_dict(filtered, strict=False)

    lines = []
    if unexpected:
        lines.append('unexpected key in source state_dict: ' + ', '.join(unexpected))
    if missing:
        lines.append('missing keys in source state_dict: ' + ', '.join(missing))
    for k, src, dst in mismatched:
        lines.append(f'size mismatch for {k}: copying a param with shape {src} from checkpoint, '
                     f'the shape in current model is {dst}.')
    if lines:
        msg = 'The model and loaded state dict do not match exactly\n\n' + '\n'.join(lines) + '\n'
        if strict:
            raise RuntimeError(msg)
        print_log(msg, logger=logger if logger is not None else logging.getLogger('workbench'),
                  level=logging.WARNING)
    return LoadReport(missing, unexpected, [k for k, _, _ in mismatched])


# ---------------------------------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------------------------------
def _numpy_safe_globals() -> list:
    # numpy scalars/dtypes appear in some mmdet checkpoints' meta (e.g. best scores); they carry no code
    try:
        import numpy as np
        items = [np.dtype, np.ndarray]
        core = getattr(np, '_core', None) or np.core
        items += [core.multiarray.scalar, core.multiarray._reconstruct]
        items += [type(np.dtype(t)) for t in ('float64', 'float32', 'int64', 'int32', 'bool', 'uint8')]
        return items
    except Exception:  # noqa: BLE001 - numpy layout differs between versions; plain tensors still load
        return []


def _torch_load(filename: str, map_location=None, weights_only: bool = True) -> Any:
    """``torch.load`` with errors that name the file and say what is wrong with it."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    try:
        if weights_only:
            with torch.serialization.safe_globals(_numpy_safe_globals()):
                return torch.load(filename, map_location=map_location, weights_only=True)
        return torch.load(filename, map_location=map_location, weights_only=False)
    except pickle.UnpicklingError as e:
        text = str(e)
        if 'Weights only load failed' in text or 'Unsupported global' in text or 'unsupported' in text.lower():
            what = re.search(r'GLOBAL ([\w.]+)', text)
            what = f' (it references {what.group(1)})' if what else ''
            raise CheckpointError(
                f'{filename}: refused to load: the file contains pickled Python objects other than tensors, '
                f'numbers, strings and containers{what}, which could run arbitrary code. If you trust the file, '
                'pass weights_only=False.') from e
        raise CheckpointError(f'{filename}: not a readable checkpoint ({text.splitlines()[0] if text else e!r}); '
                              'the file may be truncated or corrupted') from e
    except (EOFError, zipfile.BadZipFile) as e:
        raise CheckpointError(f'{filename}: the checkpoint is truncated or corrupted ({e!r})') from e
    except RuntimeError as e:
        text = str(e)
        if any(s in text for s in ('failed finding central directory', 'PytorchStreamReader', 'unexpected EOF',
                                   'invalid header', 'file read failed')):
            raise CheckpointError(f'{filename}: the checkpoint is truncated or corrupted '
                                  f'({text.splitlines()[0]})') from e
        raise


def _get_workbench_home() -> str:
    return osp.expanduser(os.getenv(ENV_WORKBENCH_HOME,
                                    osp.join(os.getenv('XDG_CACHE_HOME', DEFAULT_CACHE_DIR), 'workbench')))


def get_open_mmlab_urls() -> Dict[str, str]:
    """The ``open-mmlab://`` map: the packaged JSON, updated by ``$WORKBENCH_HOME/open_mmlab.json`` (or the mmcv
    spelling ``open-mmlab.json``) where that file exists."""
    with resources.files('workbench.model_zoo').joinpath('open_mmlab.json').open('r') as f:
        urls = json.load(f)
    home = _get_workbench_home()
    for name in ('open_mmlab.json', 'open-mmlab.json'):
        path = osp.join(home, name)
        if osp.isfile(path):
            with open(path) as f:
                try:
                    external = json.load(f)
                except json.JSONDecodeError as e:
                    raise ValueError(f'{path}: not valid JSON ({e})') from e
            if not isinstance(external, dict):
                raise ValueError(f'{path}: must hold a JSON object mapping names to URLs or paths')
            urls.update(external)
    return urls


def get_torchvision_url(name: str) -> str:
    """The download URL of torchvision's ImageNet weights for model ``name`` (IMAGENET1K_V1, as mmcv uses)."""
    import torchvision.models as tvm
    try:
        weights = tvm.get_model_weights(name)
    except (ValueError, KeyError) as e:
        raise KeyError(f'torchvision://{name}: torchvision has no model named {name!r}') from e
    chosen = getattr(weights, 'IMAGENET1K_V1', None) or weights.DEFAULT
    return chosen.url


def _download(url: str, dst: str) -> None:
    """Fetch ``url`` to ``dst`` (tests replace this; nothing else in the module touches the network)."""
    torch.hub.download_url_to_file(url, dst, hash_prefix=None, progress=True)


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def cached_download(url: str, model_dir: Optional[str] = None) -> str:
    """The local path of ``url`` in the torch.hub checkpoint cache, downloading it first if needed.

    When the file name carries a ``-<hex>`` suffix (``resnet50-0676ba61.pth``) the download's sha256 must start
    with it, otherwise the file is deleted and ``RuntimeError`` raised.
    """
    if model_dir is None:
        model_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    name = osp.basename(url.split('?')[0])
    cached = osp.join(model_dir, name)
    if osp.isfile(cached):
        return cached
    fd, tmp = tempfile.mkstemp(prefix='.' + name + '.', suffix='.partial', dir=model_dir)
    os.close(fd)
    try:
        _download(url, tmp)
        match = HASH_REGEX.search(name)
        if match:
            digest = _sha256(tmp)
            if not digest.startswith(match.group(1)):
                raise RuntimeError(f'{url}: downloaded file has sha256 {digest[:len(match.group(1))]}..., but the '
                                   f'file name says {match.group(1)}; the download is corrupted or the URL is wrong')
        os.replace(tmp, cached)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return cached


def _resolve(filename: str) -> str:
    """Turn any supported checkpoint name into a local file path (downloading into the cache if needed)."""
    if filename.startswith(('http://', 'https://')):
        return cached_download(filename)
    if filename.startswith('torchvision://'):
        return cached_download(get_torchvision_url(filename[len('torchvision://'):]))
    if filename.startswith('open-mmlab://'):
        key = filename[len('open-mmlab://'):]
        urls = get_open_mmlab_urls()
        if key not in urls:
            raise KeyError(f'{filename}: no entry {key!r} in the open-mmlab model zoo map; add it to '
                           f'{osp.join(_get_workbench_home(), "open_mmlab.json")}')
        target = urls[key]
        if target.startswith(('http://', 'https://')):
            return cached_download(target)
        # relative entries are files under WORKBENCH_HOME, as mmcv resolves them under MMCV_HOME
        path = target if osp.isabs(target) else osp.join(_get_workbench_home(), target)
        return path
    if '://' in filename:
        raise ValueError(f'{filename}: unsupported checkpoint scheme; use a path, http(s)://, torchvision:// '
                         'or open-mmlab://')
    return osp.expanduser(filename)


def _load_checkpoint(filename: str, map_location=None, logger=None, weights_only: bool = True) -> Any:
    """Read a checkpoint (any supported scheme) and return what was saved, unchanged."""
    path = _resolve(filename)
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {filename} not found' + (f' (resolved to {path})' if path != filename
                                                                       else ''))
    return _torch_load(path, map_location=map_location, weights_only=weights_only)


def _state_dict_of(checkpoint: Any, filename: str) -> 'OrderedDict[str, torch.Tensor]':
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{filename}: expected a dict (a state_dict or a checkpoint with "state_dict"), '
                              f'found {type(checkpoint).__name__}')
    state_dict = checkpoint['state_dict'] if 'state_dict' in checkpoint else checkpoint
    if not isinstance(state_dict, dict):
        raise CheckpointError(f'{filename}: "state_dict" is a {type(state_dict).__name__}, not a dict')
    return state_dict


def _load_checkpoint_with_prefix(prefix: str, filename: str, map_location=None,
                                 weights_only: bool = True) -> 'OrderedDict[str, torch.Tensor]':
    """The entries of the checkpoint's state_dict under ``prefix`` ('backbone.'), with the prefix removed."""
    checkpoint = _load_checkpoint(filename, map_location=map_location, weights_only=weights_only)
    state_dict = _state_dict_of(checkpoint, filename)
    if not prefix.endswith('.'):
        prefix += '.'
    out = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items() if k.startswith(prefix))
    if not out:
        raise KeyError(f'{filename}: no key starts with {prefix!r} in the checkpoint')
    return out


def load_checkpoint(model: nn.Module, filename: str, map_location=None, strict: bool = False,
                    logger: Union[logging.Logger, str, None] = None,
                    revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS,
                    weights_only: bool = True) -> Dict[str, Any]:
    """Load a checkpoint's weights into ``model`` and return the whole checkpoint.

    Args:
        filename: local path, ``http(s)://...``, ``torchvision://NAME`` or ``open-mmlab://NAME``.
        map_location: as ``torch.load``.
        strict: raise when keys are missing, unexpected or of another shape (they are always reported).
        revise_keys: ``(regex, replacement)`` pairs applied in order to every key; the default strips the
            ``module.`` prefix that (Distributed)DataParallel adds.
        weights_only: refuse files that pickle anything but tensors and plain containers. Pass False only for
            files you trust.
    """
    checkpoint = _load_checkpoint(filename, map_location, logger, weights_only=weights_only)
    state_dict = _state_dict_of(checkpoint, filename)
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    for pattern, repl in revise_keys:
        state_dict = OrderedDict((re.sub(pattern, repl, k), v) for k, v in state_dict.items())
    state_dict._metadata = metadata  # type: ignore[attr-defined]
    load_state_dict(model, state_dict, strict=strict, logger=logger)
    return checkpoint


# ---------------------------------------------------------------------------------------------------------------------
# writing files
# ---------------------------------------------------------------------------------------------------------------------
def atomic_torch_save(obj: Any, filename: str) -> None:
    """``torch.save`` to a temporary file next to ``filename``, fsync, then rename over it.

    Readers see the old file or the complete new one, never a partial write; on error the temporary file is
    removed and the old file is untouched.
    """
    folder = osp.dirname(osp.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(filename) + '.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def save_checkpoint(model: nn.Module, filename: str, optimizer=None, meta: Optional[dict] = None,
                    extra: Optional[dict] = None) -> None:
    """Write ``{'meta', 'state_dict', 'optimizer'}`` atomically (mmcv's layout, loadable by mmdet 2.x).

    ``meta`` gains ``workbench_version`` and ``time`` (and ``CLASSES`` when the model has them); the runner adds
    ``epoch``, ``iter`` and the config text. ``optimizer`` may be an Optimizer or a dict of them. ``extra`` adds
    top-level entries (the runner stores RNG states there for exact resumption).
    """
    from workbench import __version__

    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise TypeError(f'meta must be a dict or None, but got {type(meta).__name__}')
    meta = dict(meta)
    meta.update(workbench_version=__version__, time=time.asctime())
    inner = model.module if is_module_wrapper(model) else model
    if getattr(inner, 'CLASSES', None) is not None:
        meta.update(CLASSES=inner.CLASSES)
    checkpoint: Dict[str, Any] = {'meta': meta, 'state_dict': weights_to_cpu(get_state_dict(model))}
    if isinstance(optimizer, torch.optim.Optimizer):
        checkpoint['optimizer'] = optimizer.state_dict()
    elif isinstance(optimizer, dict):
        checkpoint['optimizer'] = {name: optim.state_dict() for name, optim in optimizer.items()}
    elif optimizer is not None:
        raise TypeError(f'optimizer must be an Optimizer, a dict of them or None, got {type(optimizer).__name__}')
    if extra:
        checkpoint.update(extra)
    atomic_torch_save(checkpoint, filename)


def publish_checkpoint(in_file: str, out_file: str, weights_only: bool = True) -> str:
    """mmdet's publish_model: drop the optimizer state, save, and rename to ``NAME-<sha256[:8]>.pth``.

    Returns the final path.
    """
    checkpoint = _torch_load(in_file, map_location='cpu', weights_only=weights_only)
    if isinstance(checkpoint, dict):
        checkpoint.pop('optimizer', None)
        # runner-only resumption state is of no use to someone loading weights
        checkpoint.pop('rng_state', None)
    atomic_torch_save(checkpoint, out_file)
    digest = _sha256(out_file)
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    final = f'{stem}-{digest[:8]}.pth'
    os.replace(out_file, final)
    return final
