"""Image access and instance thumbnails shared by the widgets (plain functions; the widgets only lay them out)."""
from __future__ import annotations

import io
import os
from typing import List, Optional, Sequence

import numpy as np


def load_image_rgb(dataset, index: int) -> np.ndarray:
    """The original image of ``dataset[index]`` as RGB uint8, read from ``img_prefix`` + ``filename``.

    Datasets that can load an image themselves may define ``load_image(index)`` (returning RGB), which wins.
    """
    if hasattr(dataset, 'load_image'):
        return dataset.load_image(index)
    import cv2

    info = dataset.data_infos[index]
    prefix = getattr(dataset, 'img_prefix', None) or ''
    path = os.path.join(prefix, info['filename'])
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'image {index} of the dataset could not be read: {path}')
    return img[..., ::-1].copy()


def crop_around(img: np.ndarray, boxes: Sequence[Sequence[float]], margin: float = 0.5, min_size: int = 48):
    """Crop the region holding ``boxes`` plus ``margin`` (fraction of its size); returns (crop, (x0, y0))."""
    boxes = np.asarray([b for b in boxes if b is not None], dtype=np.float64).reshape(-1, 4)
    h, w = img.shape[:2]
    if len(boxes) == 0:
        return img, (0, 0)
    x1, y1 = boxes[:, 0].min(), boxes[:, 1].min()
    x2, y2 = boxes[:, 2].max(), boxes[:, 3].max()
    mx, my = max((x2 - x1) * margin, min_size / 2), max((y2 - y1) * margin, min_size / 2)
    x0, y0 = int(max(0, np.floor(x1 - mx))), int(max(0, np.floor(y1 - my)))
    xe, ye = int(min(w, np.ceil(x2 + mx))), int(min(h, np.ceil(y2 + my)))
    return img[y0:ye, x0:xe], (x0, y0)


def instance_thumbnail(img: np.ndarray, gt_box=None, det_box=None, size: int = 160, caption: Optional[str] = None):
    """A small RGB array showing a GT box (dashed blue) and a detection (solid red) on a crop around both."""
    from matplotlib.figure import Figure
    import matplotlib.patches as mpatches

    from workbench.visualization.image import figure_to_rgb

    crop, (x0, y0) = crop_around(img, [gt_box, det_box])
    ch, cw = crop.shape[:2]
    scale = size / max(ch, cw, 1)
    fig = Figure(figsize=(max(cw * scale, 1) / 100, max(ch * scale, 1) / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.imshow(crop)
    ax.axis('off')
    for box, color, style in ((gt_box, (0.24, 0.4, 1.0), '--'), (det_box, (0.95, 0.2, 0.2), '-')):
        if box is not None:
            bx = [float(box[0]) - x0, float(box[1]) - y0, float(box[2]) - x0, float(box[3]) - y0]
            ax.add_patch(mpatches.Rectangle((bx[0], bx[1]), bx[2] - bx[0], bx[3] - bx[1], fill=False,
                                            edgecolor=color, linewidth=2, linestyle=style))
    if caption:
        ax.text(2, 2, caption, fontsize=7, color='white', va='top',
                bbox=dict(facecolor='black', alpha=0.6, pad=1, edgecolor='none'))
    ax.set_xlim(0, cw)
    ax.set_ylim(ch, 0)
    return figure_to_rgb(fig)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an RGB array as PNG (for ipywidgets.Image)."""
    import cv2
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise ValueError('could not encode image as PNG')
    return buf.tobytes()


def figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=fig.dpi)
    return buf.getvalue()


def instance_boxes(results, annotations, row) -> tuple:
    """(gt_box, det_box) of one instance row (image_index, gt_index, det_label, det_index) of an analysis table."""
    gt_box = det_box = None
    ann = annotations[int(row['image_index'])]
    gt_index = row.get('gt_index')
    if gt_index is not None and not (isinstance(gt_index, float) and np.isnan(gt_index)):
        gt_box = ann.bboxes[int(gt_index)]
    det_label, det_index = row.get('det_label'), row.get('det_index')
    if det_label is not None and not (isinstance(det_label, float) and np.isnan(det_label)):
        res = results[int(row['image_index'])]
        res = res[0] if isinstance(res, tuple) else res
        det_box = np.asarray(res[int(det_label)])[int(det_index), :4]
    return gt_box, det_box


def gallery_items(results, dataset, annotations, rows, limit: int = 24, caption_key: Optional[str] = None
                  ) -> List[np.ndarray]:
    """Thumbnails for the first ``limit`` instance rows (a DataFrame)."""
    thumbs = []
    cache = {}
    for _, row in rows.head(limit).iterrows():
        i = int(row['image_index'])
        if i not in cache:
            cache[i] = load_image_rgb(dataset, i)
        gt_box, det_box = instance_boxes(results, annotations, row)
        caption = f'img {i}'
        if 'score' in row and row['score'] is not None and not np.isnan(row['score']):
            caption += f' s={row["score"]:.2f}'
        if caption_key and isinstance(row.get(caption_key), str):
            caption += '\n' + row[caption_key][:60]
        thumbs.append(instance_thumbnail(cache[i], gt_box, det_box, caption=caption))
    return thumbs
