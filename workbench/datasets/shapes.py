"""A synthetic COCO-format detection / instance-segmentation dataset of coloured shapes, for offline use.

``make_shapes(out_dir, num_train, num_val, img_size, seed)`` writes::

    out_dir/train/000000.png ...            out_dir/annotations/instances_train.json
    out_dir/val/000000.png ...              out_dir/annotations/instances_val.json
    out_dir/shapes_meta.json                (the parameters; a second call with the same ones does nothing)

Images look like the golden fixtures: a dark, noisy (sometimes tinted, graded or striped) background with flat,
light-coloured shapes. Objects vary in size (``scale_range``, a fraction of the short image side) and aspect;
later shapes may partly hide earlier ones (at most ``max_occlusion`` of an object's area), in which case the
object's polygons and box describe its visible part. Each image is drawn from its own random stream seeded by
(seed, split, index), so results are deterministic and independent of how many images are requested.
Use with ``CocoDataset(ann_file=out_dir/annotations/instances_train.json, img_prefix=out_dir/train/,
classes=classes)``.
"""
import colorsys
import json
import os
import os.path as osp

import cv2
import numpy as np

SHAPES_CLASSES = ('rect', 'ellipse', 'triangle', 'cross')
SUPPORTED_SHAPES = ('rect', 'ellipse', 'triangle', 'cross', 'star', 'diamond', 'hexagon')
BACKGROUNDS = ('noise', 'tinted', 'gradient', 'stripes')
FORMAT_VERSION = 1


# ---------------------------------------------------------------------------- shape outlines
def _outline(kind, cx, cy, w, h, rng):
    """Vertices (n, 2) float of a shape centred at (cx, cy) inside a w x h box."""
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    if kind == 'rect':
        pts = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    elif kind == 'ellipse':
        t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        pts = np.stack([cx + w / 2 * np.cos(t), cy + h / 2 * np.sin(t)], 1)
    elif kind == 'triangle':
        apex = x1 + w * rng.uniform(0.2, 0.8)
        pts = [(apex, y1), (x2, y2), (x1, y2)]
    elif kind == 'cross':
        tw, th = w * rng.uniform(0.25, 0.4) / 2, h * rng.uniform(0.25, 0.4) / 2
        pts = [(cx - tw, y1), (cx + tw, y1), (cx + tw, cy - th), (x2, cy - th), (x2, cy + th), (cx + tw, cy + th),
               (cx + tw, y2), (cx - tw, y2), (cx - tw, cy + th), (x1, cy + th), (x1, cy - th), (cx - tw, cy - th)]
    elif kind == 'star':
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        r = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
        pts = np.stack([cx + w / 2 * r * np.cos(t), cy + h / 2 * r * np.sin(t)], 1)
    elif kind == 'diamond':
        pts = [(cx, y1), (x2, cy), (cx, y2), (x1, cy)]
    elif kind == 'hexagon':
        t = np.arange(6) * np.pi / 3
        pts = np.stack([cx + w / 2 * np.cos(t), cy + h / 2 * np.sin(t)], 1)
    else:
        raise ValueError(f'unknown shape {kind!r}; supported: {SUPPORTED_SHAPES}')
    return np.round(np.asarray(pts, dtype=np.float64))


def _poly_area(pts):
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _raster(pts, shape):
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [pts.astype(np.int32)], 1)
    return m


# ---------------------------------------------------------------------------- backgrounds and colours
def _background(h, w, rng):
    kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    base = rng.uniform(20, 55)
    img = np.full((h, w, 3), base, np.float32)
    if kind == 'tinted':
        img += rng.uniform(-15, 15, size=3).astype(np.float32)
    elif kind == 'gradient':
        ramp = np.linspace(0, rng.uniform(15, 40), w if rng.random() < 0.5 else h, dtype=np.float32)
        img += (ramp[None, :, None] if ramp.size == w else ramp[:, None, None])
    elif kind == 'stripes':
        period = rng.uniform(8, 24)
        yy, xx = np.mgrid[0:h, 0:w]
        angle = rng.uniform(0, np.pi)
        img += (8 * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period))[..., None]
    img += rng.normal(0, rng.uniform(6, 14), size=img.shape).astype(np.float32)
    return img


def _colour(rng):
    """A light, moderately saturated colour (BGR 0-255) that stands out from the dark background."""
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(0, 1), rng.uniform(0.25, 0.6), rng.uniform(0.75, 1.0))
    return np.array([b, g, r], np.float32) * 255


# ---------------------------------------------------------------------------- one image
def _draw_image(rng, w, h, classes, max_objects, scale_range, max_occlusion):
    img = _background(h, w, rng)
    short = min(w, h)
    placed = []  # dicts: kind, pts, full raster
    n_target = int(rng.integers(1, max_objects + 1))
    for _ in range(n_target):
        kind = classes[int(rng.integers(len(classes)))]
        for _attempt in range(20):
            size = rng.uniform(*scale_range) * short
            aspect = np.exp(rng.uniform(-0.4, 0.4))
            bw, bh = max(size * np.sqrt(aspect), 8), max(size / np.sqrt(aspect), 8)
            if bw >= w - 2 or bh >= h - 2:
                continue
            cx = rng.uniform(bw / 2 + 1, w - bw / 2 - 2)
            cy = rng.uniform(bh / 2 + 1, h - bh / 2 - 2)
            pts = _outline(kind, cx, cy, bw, bh, rng)
            pts[:, 0] = np.clip(pts[:, 0], 0, w - 1)
            pts[:, 1] = np.clip(pts[:, 1], 0, h - 1)
            full = _raster(pts, (h, w))
            # the new shape is drawn on top: every earlier object must keep enough of itself visible
            ok = True
            for obj in placed:
                visible = obj['visible'] & (full == 0)
                if visible.sum() < (1 - max_occlusion) * obj['full'].sum():
                    ok = False
                    break
            if ok:
                for obj in placed:
                    obj['visible'] = obj['visible'] & (full == 0)
                placed.append(dict(kind=kind, pts=pts, full=full, visible=full.astype(bool),
                                   colour=_colour(rng)))
                break
    for obj in placed:
        img[obj['full'].astype(bool)] = obj['colour'] + rng.normal(0, 3, size=3).astype(np.float32)
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    anns = []
    for obj in placed:
        if obj['visible'].sum() == obj['full'].sum():
            polys = [obj['pts']]
        else:
            contours, _ = cv2.findContours(obj['visible'].astype(np.uint8), cv2.RETR_EXTERNAL,
                                           cv2.CHAIN_APPROX_SIMPLE)
            # simplify the pixel staircase of the visible outline to within one pixel
            contours = [cv2.approxPolyDP(c, 1.0, True) for c in contours]
            polys = [c.reshape(-1, 2).astype(np.float64) for c in contours if len(c) >= 3]
            polys = [p for p in polys if _poly_area(p) > 0]
        if not polys:
            continue
        allpts = np.concatenate(polys)
        x1, y1 = allpts.min(0)
        x2, y2 = allpts.max(0)
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        anns.append(dict(category=obj['kind'], bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                         area=float(sum(_poly_area(p) for p in polys)),
                         segmentation=[[float(v) for v in p.reshape(-1)] for p in polys]))
    return img, anns


# ---------------------------------------------------------------------------- the dataset
def _params(num_train, num_val, img_size, seed, classes, max_objects, scale_range, max_occlusion,
            mixed_orientation):
    return dict(version=FORMAT_VERSION, num_train=int(num_train), num_val=int(num_val),
                img_size=[int(img_size[0]), int(img_size[1])], seed=int(seed), classes=list(classes),
                max_objects=int(max_objects), scale_range=[float(scale_range[0]), float(scale_range[1])],
                max_occlusion=float(max_occlusion), mixed_orientation=bool(mixed_orientation))


def _paths(out_dir):
    return dict(root=out_dir, train_img_dir=osp.join(out_dir, 'train'), val_img_dir=osp.join(out_dir, 'val'),
                train_ann=osp.join(out_dir, 'annotations', 'instances_train.json'),
                val_ann=osp.join(out_dir, 'annotations', 'instances_val.json'),
                meta=osp.join(out_dir, 'shapes_meta.json'))


def _is_complete(paths, params):
    if not osp.isfile(paths['meta']):
        return False
    with open(paths['meta']) as f:
        if json.load(f) != params:
            return False
    for split in ('train', 'val'):
        if not osp.isfile(paths[f'{split}_ann']):
            return False
        with open(paths[f'{split}_ann']) as f:
            images = json.load(f)['images']
        if any(not osp.isfile(osp.join(paths[f'{split}_img_dir'], im['file_name'])) for im in images):
            return False
    return True


def make_shapes(out_dir, num_train=200, num_val=50, img_size=(320, 240), seed=0, classes=SHAPES_CLASSES,
                max_objects=5, scale_range=(0.12, 0.4), max_occlusion=0.5, mixed_orientation=True, force=False):
    """Write the shapes dataset to ``out_dir`` (skipped when the same parameters were written before, unless
    ``force``). Returns a dict of paths: root, train_img_dir, val_img_dir, train_ann, val_ann, meta.

    img_size: (width, height) or one int; with mixed_orientation, about half the images are portrait (h, w).
    classes: names from SUPPORTED_SHAPES; category ids are 1..K in this order.
    """
    if isinstance(img_size, (int, np.integer)):
        img_size = (int(img_size), int(img_size))
    if len(img_size) != 2 or min(img_size) < 32:
        raise ValueError(f'img_size must be (width, height) with both >= 32, got {img_size}')
    classes = tuple(classes)
    unknown = [c for c in classes if c not in SUPPORTED_SHAPES]
    if unknown or not classes:
        raise ValueError(f'unknown shape classes {unknown}; supported: {SUPPORTED_SHAPES}')
    if not 0 < scale_range[0] <= scale_range[1] < 1:
        raise ValueError(f'scale_range must satisfy 0 < lo <= hi < 1 (fractions of the short side), got {scale_range}')
    if not 0 <= max_occlusion < 1:
        raise ValueError(f'max_occlusion must be in [0, 1), got {max_occlusion}')
    if num_train < 0 or num_val < 0 or max_objects < 1:
        raise ValueError('num_train and num_val must be >= 0 and max_objects >= 1')
    params = _params(num_train, num_val, img_size, seed, classes, max_objects, scale_range, max_occlusion,
                     mixed_orientation)
    paths = _paths(out_dir)
    if not force and _is_complete(paths, params):
        return paths
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    if osp.exists(paths['meta']):
        os.remove(paths['meta'])  # an interrupted rewrite must not look complete
    categories = [dict(id=i + 1, name=c, supercategory='shape') for i, c in enumerate(classes)]
    cat_id = {c['name']: c['id'] for c in categories}
    for split_idx, (split, n) in enumerate((('train', num_train), ('val', num_val))):
        img_dir = paths[f'{split}_img_dir']
        os.makedirs(img_dir, exist_ok=True)
        images, annotations = [], []
        for i in range(n):
            rng = np.random.default_rng([seed, split_idx, i])
            w, h = img_size
            if mixed_orientation and rng.random() < 0.5:
                w, h = h, w
            img, anns = _draw_image(rng, w, h, classes, max_objects, scale_range, max_occlusion)
            fname = f'{i:06d}.png'
            if not cv2.imwrite(osp.join(img_dir, fname), img):
                raise OSError(f"could not write image '{osp.join(img_dir, fname)}'")
            images.append(dict(id=i + 1, file_name=fname, width=w, height=h))
            for a in anns:
                annotations.append(dict(id=len(annotations) + 1, image_id=i + 1, category_id=cat_id[a['category']],
                                        bbox=a['bbox'], area=a['area'], iscrowd=0, segmentation=a['segmentation']))
        with open(paths[f'{split}_ann'], 'w') as f:
            json.dump(dict(images=images, annotations=annotations, categories=categories,
                           info=dict(description=f'workbench synthetic shapes ({split})', params=params)), f)
    with open(paths['meta'], 'w') as f:
        json.dump(params, f)
    return paths
