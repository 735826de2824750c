"""Small on-disk datasets for the dataset tests."""
import json
import os.path as osp

import cv2
import numpy as np


def write_image(path, w, h, value=80):
    img = np.full((h, w, 3), value, np.uint8)
    cv2.rectangle(img, (w // 4, h // 4), (w // 2, h // 2), (200, 180, 160), -1)
    assert cv2.imwrite(str(path), img)


def write_coco(root, images, annotations, categories, name='ann.json', make_images=True):
    """images: list of (id, file_name, w, h); annotations: list of dicts (id, image_id, ... filled in)."""
    img_dir = osp.join(root, 'images')
    import os
    os.makedirs(img_dir, exist_ok=True)
    imgs = []
    for img_id, fname, w, h in images:
        imgs.append(dict(id=img_id, file_name=fname, width=w, height=h))
        if make_images:
            write_image(osp.join(img_dir, fname), w, h)
    anns = []
    for a in annotations:
        a = dict(a)
        x, y, bw, bh = a['bbox']
        a.setdefault('area', float(bw * bh))
        a.setdefault('iscrowd', 0)
        a.setdefault('segmentation', [[x, y, x + bw, y, x + bw, y + bh, x, y + bh]])
        anns.append(a)
    path = osp.join(root, name)
    with open(path, 'w') as f:
        json.dump(dict(images=imgs, annotations=anns, categories=categories), f)
    return path, img_dir + '/'


CATS = [dict(id=1, name='a'), dict(id=5, name='b'), dict(id=9, name='c')]


def basic_coco(root, **kw):
    images = [(1, '1.png', 64, 48), (2, '2.png', 40, 60), (3, '3.png', 64, 48), (4, 'tiny.png', 20, 20)]
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 20, 10]),
            dict(id=2, image_id=1, category_id=9, bbox=[30, 20, 10, 10]),
            dict(id=3, image_id=1, category_id=5, bbox=[0, 0, 30, 30], iscrowd=1),
            dict(id=4, image_id=2, category_id=5, bbox=[5, 5, 10, 20]),
            dict(id=5, image_id=4, category_id=1, bbox=[1, 1, 5, 5]),
            # left out by the mmdet rules: outside the image, zero area, narrower than 1 px
            dict(id=6, image_id=2, category_id=1, bbox=[100, 100, 5, 5]),
            dict(id=7, image_id=2, category_id=1, bbox=[1, 1, 0.5, 10])]
    return write_coco(root, images, anns, CATS, **kw)
