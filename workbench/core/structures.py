"""A tidy per-image detection result for notebooks, convertible to and from mmdet 2.x's list-per-class format."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np


def _as_numpy(x):
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


@dataclass
class DetectionResult:
    """Detections of one image: ``boxes`` (n, 4) float32 x1y1x2y2, ``scores`` (n,), ``labels`` (n,) int64, optional
    ``masks`` (list of n HxW bool arrays) and ``class_names`` (indexed by label)."""

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    masks: Optional[List[np.ndarray]] = None
    class_names: Optional[Sequence[str]] = field(default=None)

    def __post_init__(self):
        self.boxes = _as_numpy(self.boxes).astype(np.float32).reshape(-1, 4)
        self.scores = _as_numpy(self.scores).astype(np.float32).reshape(-1)
        self.labels = _as_numpy(self.labels).astype(np.int64).reshape(-1)
        n = len(self.boxes)
        if len(self.scores) != n or len(self.labels) != n:
            raise ValueError(f'DetectionResult: {n} boxes but {len(self.scores)} scores and {len(self.labels)} labels')
        if self.masks is not None and len(self.masks) != n:
            raise ValueError(f'DetectionResult: {n} boxes but {len(self.masks)} masks')
        if self.class_names is not None and n and self.labels.max() >= len(self.class_names):
            raise ValueError(f'DetectionResult: label {int(self.labels.max())} has no name among '
                             f'{len(self.class_names)} class_names')

    def __len__(self):
        return len(self.boxes)

    @property
    def num_classes(self) -> Optional[int]:
        return None if self.class_names is None else len(self.class_names)

    @classmethod
    def from_mmdet(cls, result, class_names: Optional[Sequence[str]] = None) -> 'DetectionResult':
        """From one image's mmdet 2.x result: a list per class of (n, 5) arrays, or a (bbox_results,
        segm_results) pair (masks: a list per class of HxW arrays or RLE dicts, decoded with pycocotools)."""
        segm_result = None
        if isinstance(result, tuple):
            if len(result) != 2:
                raise ValueError(f'DetectionResult.from_mmdet: a tuple result must be (bbox, segm), got {len(result)}')
            result, segm_result = result
            if isinstance(segm_result, tuple):  # (segms, mask scores) from mask-scoring heads
                segm_result = segm_result[0]
        if not isinstance(result, (list, tuple)):
            raise TypeError(f'DetectionResult.from_mmdet: expected a list per class of (n, 5) arrays, got '
                            f'{type(result).__name__}')
        if class_names is not None and len(result) != len(class_names):
            raise ValueError(f'DetectionResult.from_mmdet: {len(result)} classes in the result but '
                             f'{len(class_names)} class_names')
        arrays = [_as_numpy(r).reshape(-1, 5) for r in result]
        dets = np.concatenate(arrays, axis=0) if arrays else np.zeros((0, 5), np.float32)
        labels = np.concatenate([np.full(len(a), i, dtype=np.int64) for i, a in enumerate(arrays)]) \
            if arrays else np.zeros((0, ), np.int64)
        masks = None
        if segm_result is not None:
            masks = [cls._decode_mask(m) for per_class in segm_result for m in per_class]
        return cls(dets[:, :4], dets[:, 4], labels, masks, class_names)

    @staticmethod
    def _decode_mask(mask):
        if isinstance(mask, dict):
            from pycocotools import mask as mask_util
            return mask_util.decode(mask).astype(bool)
        return _as_numpy(mask).astype(bool)

    def to_mmdet(self, num_classes: Optional[int] = None):
        """mmdet 2.x format: a list per class of (n, 5) float32 arrays (plus a segm list when masks exist)."""
        num_classes = num_classes if num_classes is not None else self.num_classes
        if num_classes is None:
            num_classes = int(self.labels.max()) + 1 if len(self) else 0
        dets = np.concatenate([self.boxes, self.scores[:, None]], axis=1).astype(np.float32)
        bbox_result = [dets[self.labels == i] for i in range(num_classes)]
        if self.masks is None:
            return bbox_result
        segm_result = [[m for m, lab in zip(self.masks, self.labels) if lab == i] for i in range(num_classes)]
        return bbox_result, segm_result

    def filter(self, score_thr: float = 0.0) -> 'DetectionResult':
        """The detections with score >= ``score_thr``."""
        keep = self.scores >= score_thr
        masks = None if self.masks is None else [m for m, k in zip(self.masks, keep) if k]
        return DetectionResult(self.boxes[keep], self.scores[keep], self.labels[keep], masks, self.class_names)

    def to_dataframe(self):
        """One row per detection: x1, y1, x2, y2, width, height, score, label, class_name."""
        import pandas as pd
        names = [self.class_names[i] if self.class_names is not None else str(i) for i in self.labels]
        return pd.DataFrame({
            'x1': self.boxes[:, 0], 'y1': self.boxes[:, 1], 'x2': self.boxes[:, 2], 'y2': self.boxes[:, 3],
            'width': self.boxes[:, 2] - self.boxes[:, 0], 'height': self.boxes[:, 3] - self.boxes[:, 1],
            'score': self.scores, 'label': self.labels, 'class_name': names
        })

    def draw(self, img, score_thr=0.3, color=(72, 101, 241), thickness=2, show=False, out_file=None):
        """Minimal box drawing with OpenCV on a BGR image (workbench.visualization draws richer figures)."""
        import cv2
        img = np.ascontiguousarray(img).copy()
        det = self.filter(score_thr)
        for box, score, label in zip(det.boxes, det.scores, det.labels):
            x1, y1, x2, y2 = [int(round(v)) for v in box]
            cv2.rectangle(img, (x1, y1), (x2, y2), color, thickness)
            name = self.class_names[label] if self.class_names is not None else str(label)
            cv2.putText(img, f'{name}|{score:.2f}', (x1, max(y1 - 2, 0)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1)
        if out_file is not None:
            cv2.imwrite(str(out_file), img)
        if show:
            import matplotlib.pyplot as plt
            plt.imshow(img[..., ::-1])
            plt.axis('off')
            plt.show()
        if not (show or out_file):
            return img
        return None
