"""Helpers shared by the datasets: reading annotation files, class lists, and the invalid-item bookkeeping of
``skip_invalid``."""
import json
import os.path as osp
import pickle
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np


def load_file(path):
    """Load a .json, .pkl/.pickle or .yaml/.yml annotation file, naming the file in any error."""
    if not isinstance(path, str):
        raise TypeError(f'annotation file must be a path string, got {type(path).__name__}')
    if not osp.isfile(path):
        raise FileNotFoundError(f"annotation file '{path}' does not exist")
    ext = osp.splitext(path)[1].lower()
    try:
        if ext == '.json':
            with open(path, encoding='utf-8') as f:
                return json.load(f)
        if ext in ('.pkl', '.pickle'):
            with open(path, 'rb') as f:
                return pickle.load(f)
        if ext in ('.yaml', '.yml'):
            import yaml
            with open(path, encoding='utf-8') as f:
                return yaml.safe_load(f)
    except (ValueError, pickle.UnpicklingError, EOFError) as e:
        raise ValueError(f"annotation file '{path}' cannot be parsed: {e}") from e
    raise ValueError(f"annotation file '{path}': unsupported extension {ext!r} (use .json, .pkl or .yaml)")


def dump_file(obj, path):
    """Write ``obj`` as .json or .pkl according to the extension."""
    ext = osp.splitext(path)[1].lower()
    if ext == '.json':
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(obj, f)
    elif ext in ('.pkl', '.pickle'):
        with open(path, 'wb') as f:
            pickle.dump(obj, f)
    else:
        raise ValueError(f"cannot write '{path}': unsupported extension {ext!r} (use .json or .pkl)")


def list_from_file(path):
    """Non-empty, stripped lines of a text file (class lists, image-id lists)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f"list file '{path}' does not exist")
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


@dataclass
class InvalidItem:
    """One problem found in a dataset: a bad annotation (kind 'annotation') or an unusable image ('image')."""
    kind: str
    filename: str
    image_id: Any
    detail: str
    index: Optional[int] = None  # index into data_infos at the time it was found
    key: Any = None  # which annotation: an ann id (COCO) or (field, row) (middle format)
    at_runtime: bool = False  # found while loading the item (not at construction)

    def __str__(self):
        return f"'{self.filename}' (image id {self.image_id}): {self.detail}"


def format_items(items, limit=None):
    shown = items if limit is None else items[:limit]
    lines = [f'  - {it}' for it in shown]
    if limit is not None and len(items) > limit:
        lines.append(f'  ... and {len(items) - limit} more')
    return '\n'.join(lines)


def image_problem(path):
    """None if ``path`` is a readable image, else why not (missing, empty, or cannot be decoded)."""
    if not osp.exists(path):
        return 'image file does not exist'
    if osp.getsize(path) == 0:
        return 'image file is empty (0 bytes)'
    try:
        from PIL import Image
        with Image.open(path) as im:
            im.verify()  # parses the whole structure (PNG: chunk CRCs) without decoding pixels
    except Exception as e:  # noqa: BLE001 - PIL raises many types for bad files
        # PIL cannot read some formats cv2 can; fall back to a real decode before calling it corrupt
        import cv2
        if cv2.imread(path, cv2.IMREAD_UNCHANGED) is None:
            return f'image file cannot be decoded (corrupt or not an image: {type(e).__name__}: {e})'
    return None


def image_decode_problem(path):
    """Like ``image_problem`` but fully decodes the image (used after a pipeline failure)."""
    problem = image_problem(path)
    if problem is not None:
        return problem
    import cv2
    if cv2.imread(path, cv2.IMREAD_UNCHANGED) is None:
        return 'image file cannot be decoded (corrupt or not an image)'
    return None


def bbox_array(rows):
    return np.array(rows, dtype=np.float32).reshape(-1, 4)


def get_loading_pipeline(pipeline):
    """The loading steps (LoadImageFromFile, LoadAnnotations, LoadPanopticAnnotations) of a pipeline config, e.g.
    to show ground truth of a training set without augmentation (browse_dataset, analyze_results)."""
    from ..registry import PIPELINES
    loading_types = [PIPELINES.get(name) for name in ('LoadImageFromFile', 'LoadAnnotations',
                                                      'LoadPanopticAnnotations') if name in PIPELINES]
    out = [cfg for cfg in pipeline if PIPELINES.get(cfg['type']) in loading_types]
    if len(out) != 2:
        raise ValueError('the pipeline must include one image loading and one annotation loading step, found '
                         f'{[c["type"] for c in out]} in {[c["type"] for c in pipeline]}')
    return out


def replace_ImageToTensor(pipelines):  # noqa: N802 - mmdet's name
    """``ImageToTensor`` -> ``DefaultFormatBundle`` in (test) pipelines so images of different sizes batch."""
    from ..apis.inference import replace_image_to_tensor
    return replace_image_to_tensor(pipelines)
