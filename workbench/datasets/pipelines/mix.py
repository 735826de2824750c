"""YOLOX-style augmentations: Mosaic and MixUp (multi-image, used with MultiImageMixDataset) and RandomAffine.

Multi-image transforms expose ``get_indexes(dataset)``; the dataset wrapper puts the chosen samples in
``results['mix_results']`` before calling the transform.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from workbench.image import imresize
from workbench.registry import PIPELINES

from ._utils import find_inside_bboxes, require_keys


@PIPELINES.register_module()
class Mosaic:
    """Four images (this one and 3 from ``mix_results``) around a random centre on a 2h x 2w canvas.

    Args:
        img_scale: (h, w) of each part; the output is (2h, 2w).
        center_ratio_range: the centre is drawn in this range times (w, h).
        min_bbox_size: with ``skip_filter=False``, boxes not wider and taller than this are dropped.
        pad_val: canvas fill value.
        prob: probability of applying the mosaic.
    """

    def __init__(self, img_scale=(640, 640), center_ratio_range=(0.5, 1.5), min_bbox_size=0, bbox_clip_border=True,
                 skip_filter=True, pad_val=114, prob=1.0):
        if not isinstance(img_scale, tuple):
            raise TypeError(f'Mosaic: img_scale must be a (h, w) tuple, got {img_scale!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'Mosaic: prob must be in [0, 1], got {prob}')
        self.img_scale = img_scale
        self.center_ratio_range = center_ratio_range
        self.min_bbox_size = min_bbox_size
        self.bbox_clip_border = bbox_clip_border
        self.skip_filter = skip_filter
        self.pad_val = pad_val
        self.prob = prob

    def get_indexes(self, dataset):
        return [np.random.randint(0, len(dataset)) for _ in range(3)]

    def __call__(self, results):
        if np.random.uniform(0, 1) > self.prob:
            return results
        return self._mosaic_transform(results)

    def _combine(self, loc, center, img_wh):
        """Paste (x1, y1, x2, y2) on the canvas and the matching crop of the part image."""
        cx, cy = center
        w, h = img_wh
        max_x, max_y = self.img_scale[1] * 2, self.img_scale[0] * 2
        if loc == 'top_left':
            x1, y1, x2, y2 = max(cx - w, 0), max(cy - h, 0), cx, cy
            crop = (w - (x2 - x1), h - (y2 - y1), w, h)
        elif loc == 'top_right':
            x1, y1, x2, y2 = cx, max(cy - h, 0), min(cx + w, max_x), cy
            crop = (0, h - (y2 - y1), min(w, x2 - x1), h)
        elif loc == 'bottom_left':
            x1, y1, x2, y2 = max(cx - w, 0), cy, cx, min(max_y, cy + h)
            crop = (w - (x2 - x1), 0, w, min(y2 - y1, h))
        else:
            x1, y1, x2, y2 = cx, cy, min(cx + w, max_x), min(max_y, cy + h)
            crop = (0, 0, min(w, x2 - x1), min(y2 - y1, h))
        return (x1, y1, x2, y2), crop

    def _mosaic_transform(self, results):
        require_keys(results, self, 'mix_results', 'img', 'gt_bboxes', 'gt_labels')
        if len(results['mix_results']) != 3:
            raise ValueError(f'Mosaic needs 3 mix_results, got {len(results["mix_results"])}')
        img0 = results['img']
        shape = (int(self.img_scale[0] * 2), int(self.img_scale[1] * 2)) + ((3,) if img0.ndim == 3 else ())
        canvas = np.full(shape, self.pad_val, dtype=img0.dtype)
        cx = int(np.random.uniform(*self.center_ratio_range) * self.img_scale[1])
        cy = int(np.random.uniform(*self.center_ratio_range) * self.img_scale[0])
        all_boxes, all_labels = [], []
        for i, loc in enumerate(('top_left', 'top_right', 'bottom_left', 'bottom_right')):
            part = results if i == 0 else results['mix_results'][i - 1]
            img_i = part['img']
            h_i, w_i = img_i.shape[:2]
            ratio = min(self.img_scale[0] / h_i, self.img_scale[1] / w_i)
            img_i = imresize(img_i, (int(w_i * ratio), int(h_i * ratio)))
            (x1p, y1p, x2p, y2p), (x1c, y1c, x2c, y2c) = self._combine(loc, (cx, cy), img_i.shape[1::-1])
            canvas[y1p:y2p, x1p:x2p] = img_i[y1c:y2c, x1c:x2c]
            boxes = np.array(part['gt_bboxes'], dtype=np.float32, copy=True).reshape(-1, 4)
            if len(boxes):
                boxes[:, 0::2] = ratio * boxes[:, 0::2] + (x1p - x1c)
                boxes[:, 1::2] = ratio * boxes[:, 1::2] + (y1p - y1c)
            all_boxes.append(boxes)
            all_labels.append(np.asarray(part['gt_labels']))
        boxes = np.concatenate(all_boxes, 0)
        labels = np.concatenate(all_labels, 0)
        if self.bbox_clip_border:
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, 2 * self.img_scale[1])
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, 2 * self.img_scale[0])
        if not self.skip_filter:
            keep = ((boxes[:, 2] - boxes[:, 0]) > self.min_bbox_size) & \
                   ((boxes[:, 3] - boxes[:, 1]) > self.min_bbox_size)
            boxes, labels = boxes[keep], labels[keep]
        inside = find_inside_bboxes(boxes, 2 * self.img_scale[0], 2 * self.img_scale[1])
        results['img'] = canvas
        results['img_shape'] = canvas.shape
        results['gt_bboxes'] = boxes[inside]
        results['gt_labels'] = labels[inside]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(img_scale={self.img_scale}, center_ratio_range='
                f'{self.center_ratio_range}, pad_val={self.pad_val}, min_bbox_size={self.min_bbox_size}, '
                f'skip_filter={self.skip_filter}, prob={self.prob})')


@PIPELINES.register_module()
class MixUp:
    """YOLOX MixUp: a second image is resized into ``img_scale`` (h, w), jittered in scale by ``ratio_range``,
    flipped with probability ``flip_ratio``, randomly cropped to this image's size and averaged 50/50 with it;
    its boxes are transformed alike and appended.
    """

    def __init__(self, img_scale=(640, 640), ratio_range=(0.5, 1.5), flip_ratio=0.5, pad_val=114, max_iters=15,
                 min_bbox_size=5, min_area_ratio=0.2, max_aspect_ratio=20, bbox_clip_border=True,
                 skip_filter=True):
        if not isinstance(img_scale, tuple):
            raise TypeError(f'MixUp: img_scale must be a (h, w) tuple, got {img_scale!r}')
        self.dynamic_scale = img_scale
        self.ratio_range = ratio_range
        self.flip_ratio = flip_ratio
        self.pad_val = pad_val
        self.max_iters = max_iters
        self.min_bbox_size = min_bbox_size
        self.min_area_ratio = min_area_ratio
        self.max_aspect_ratio = max_aspect_ratio
        self.bbox_clip_border = bbox_clip_border
        self.skip_filter = skip_filter

    def get_indexes(self, dataset):
        """An index whose image has boxes (tries ``max_iters`` times)."""
        for _ in range(self.max_iters):
            index = np.random.randint(0, len(dataset))
            if len(dataset.get_ann_info(index)['bboxes']) != 0:
                break
        return index

    def __call__(self, results):
        return self._mixup_transform(results)

    def _filter_box_candidates(self, bbox1, bbox2):
        w1, h1 = bbox1[2] - bbox1[0], bbox1[3] - bbox1[1]
        w2, h2 = bbox2[2] - bbox2[0], bbox2[3] - bbox2[1]
        ar = np.maximum(w2 / (h2 + 1e-16), h2 / (w2 + 1e-16))
        return ((w2 > self.min_bbox_size) & (h2 > self.min_bbox_size) &
                (w2 * h2 / (w1 * h1 + 1e-16) > self.min_area_ratio) & (ar < self.max_aspect_ratio))

    def _mixup_transform(self, results):
        require_keys(results, self, 'mix_results', 'img', 'gt_bboxes', 'gt_labels')
        if len(results['mix_results']) != 1:
            raise ValueError(f'MixUp mixes 2 images: needs 1 mix_results, got {len(results["mix_results"])}')
        other = results['mix_results'][0]
        if other['gt_bboxes'].shape[0] == 0:
            return results
        o_img = other['img']
        jit = np.random.uniform(*self.ratio_range)
        flip = np.random.uniform(0, 1) < self.flip_ratio
        th, tw = self.dynamic_scale
        shape = (th, tw, 3) if o_img.ndim == 3 else (th, tw)
        out = np.ones(shape, dtype=o_img.dtype) * self.pad_val
        ratio = min(th / o_img.shape[0], tw / o_img.shape[1])
        o_img = imresize(o_img, (int(o_img.shape[1] * ratio), int(o_img.shape[0] * ratio)))
        out[:o_img.shape[0], :o_img.shape[1]] = o_img
        ratio *= jit
        out = imresize(out, (int(out.shape[1] * jit), int(out.shape[0] * jit)))
        if flip:
            out = out[:, ::-1, ...]
        ori = results['img']
        oh, ow = out.shape[:2]
        target_h, target_w = ori.shape[:2]
        padded = np.zeros((max(oh, target_h), max(ow, target_w)) + out.shape[2:], dtype=np.uint8)
        padded[:oh, :ow] = out
        y_off = np.random.randint(0, padded.shape[0] - target_h) if padded.shape[0] > target_h else 0
        x_off = np.random.randint(0, padded.shape[1] - target_w) if padded.shape[1] > target_w else 0
        cropped = padded[y_off:y_off + target_h, x_off:x_off + target_w]
        boxes = np.array(other['gt_bboxes'], dtype=np.float32, copy=True)
        boxes *= ratio
        if self.bbox_clip_border:
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, ow)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, oh)
        if flip:
            boxes[:, 0::2] = ow - boxes[:, 0::2][:, ::-1]
        shifted = boxes.copy()
        shifted[:, 0::2] -= x_off
        shifted[:, 1::2] -= y_off
        if self.bbox_clip_border:
            shifted[:, 0::2] = np.clip(shifted[:, 0::2], 0, target_w)
            shifted[:, 1::2] = np.clip(shifted[:, 1::2], 0, target_h)
        mixed = 0.5 * ori.astype(np.float32) + 0.5 * cropped.astype(np.float32)
        labels = np.asarray(other['gt_labels'])
        if not self.skip_filter:
            keep = self._filter_box_candidates(boxes.T, shifted.T)
            labels, shifted = labels[keep], shifted[keep]
        all_boxes = np.concatenate((results['gt_bboxes'], shifted), axis=0)
        all_labels = np.concatenate((results['gt_labels'], labels), axis=0)
        inside = find_inside_bboxes(all_boxes, target_h, target_w)
        results['img'] = mixed.astype(np.uint8)
        results['img_shape'] = mixed.shape
        results['gt_bboxes'] = all_boxes[inside]
        results['gt_labels'] = all_labels[inside]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(dynamic_scale={self.dynamic_scale}, ratio_range={self.ratio_range}, '
                f'flip_ratio={self.flip_ratio}, pad_val={self.pad_val}, max_iters={self.max_iters}, '
                f'min_bbox_size={self.min_bbox_size}, min_area_ratio={self.min_area_ratio}, '
                f'max_aspect_ratio={self.max_aspect_ratio}, skip_filter={self.skip_filter})')


@PIPELINES.register_module()
class RandomAffine:
    """Random rotation, scaling, shear and translation as one perspective warp (YOLOX).

    Boxes are the axis-aligned hull of their warped corners, clipped with ``bbox_clip_border``; boxes left outside
    the image are dropped, and with ``skip_filter=False`` also those failing the size/area/aspect filters.
    ``border`` (h, w) grows (or, negative, shrinks) the output on each side, as after a Mosaic.
    """

    def __init__(self, max_rotate_degree=10.0, max_translate_ratio=0.1, scaling_ratio_range=(0.5, 1.5),
                 max_shear_degree=2.0, border=(0, 0), border_val=(114, 114, 114), min_bbox_size=2,
                 min_area_ratio=0.2, max_aspect_ratio=20, bbox_clip_border=True, skip_filter=True):
        if not 0 <= max_translate_ratio <= 1:
            raise ValueError(f'RandomAffine: max_translate_ratio must be in [0, 1], got {max_translate_ratio}')
        if not 0 < scaling_ratio_range[0] <= scaling_ratio_range[1]:
            raise ValueError(f'RandomAffine: invalid scaling_ratio_range {scaling_ratio_range}')
        self.max_rotate_degree = max_rotate_degree
        self.max_translate_ratio = max_translate_ratio
        self.scaling_ratio_range = scaling_ratio_range
        self.max_shear_degree = max_shear_degree
        self.border = border
        self.border_val = border_val
        self.min_bbox_size = min_bbox_size
        self.min_area_ratio = min_area_ratio
        self.max_aspect_ratio = max_aspect_ratio
        self.bbox_clip_border = bbox_clip_border
        self.skip_filter = skip_filter

    @staticmethod
    def _get_rotation_matrix(degrees):
        r = math.radians(degrees)
        return np.array([[np.cos(r), -np.sin(r), 0.], [np.sin(r), np.cos(r), 0.], [0., 0., 1.]], dtype=np.float32)

    @staticmethod
    def _get_scaling_matrix(ratio):
        return np.array([[ratio, 0., 0.], [0., ratio, 0.], [0., 0., 1.]], dtype=np.float32)

    @staticmethod
    def _get_shear_matrix(x_degrees, y_degrees):
        return np.array([[1, np.tan(math.radians(x_degrees)), 0.], [np.tan(math.radians(y_degrees)), 1, 0.],
                         [0., 0., 1.]], dtype=np.float32)

    @staticmethod
    def _get_translation_matrix(x, y):
        return np.array([[1, 0., x], [0., 1, y], [0., 0., 1.]], dtype=np.float32)

    def filter_gt_bboxes(self, origin_bboxes, wrapped_bboxes):
        ow, oh = origin_bboxes[:, 2] - origin_bboxes[:, 0], origin_bboxes[:, 3] - origin_bboxes[:, 1]
        ww, wh = wrapped_bboxes[:, 2] - wrapped_bboxes[:, 0], wrapped_bboxes[:, 3] - wrapped_bboxes[:, 1]
        ar = np.maximum(ww / (wh + 1e-16), wh / (ww + 1e-16))
        return ((ww > self.min_bbox_size) & (wh > self.min_bbox_size) &
                (ww * wh / (ow * oh + 1e-16) > self.min_area_ratio) & (ar < self.max_aspect_ratio))

    def __call__(self, results):
        require_keys(results, self, 'img')
        img = results['img']
        height = img.shape[0] + self.border[0] * 2
        width = img.shape[1] + self.border[1] * 2
        rot = self._get_rotation_matrix(np.random.uniform(-self.max_rotate_degree, self.max_rotate_degree))
        scaling_ratio = np.random.uniform(*self.scaling_ratio_range)
        scale = self._get_scaling_matrix(scaling_ratio)
        shear = self._get_shear_matrix(np.random.uniform(-self.max_shear_degree, self.max_shear_degree),
                                       np.random.uniform(-self.max_shear_degree, self.max_shear_degree))
        trans = self._get_translation_matrix(
            np.random.uniform(-self.max_translate_ratio, self.max_translate_ratio) * width,
            np.random.uniform(-self.max_translate_ratio, self.max_translate_ratio) * height)
        warp = trans @ shear @ rot @ scale
        img = cv2.warpPerspective(img, warp, dsize=(width, height), borderValue=self.border_val)
        results['img'] = img
        results['img_shape'] = img.shape
        for key in results.get('bbox_fields', []):
            bboxes = results[key]
            n = len(bboxes)
            if not n:
                continue
            if key == 'gt_bboxes' and 'gt_masks' in results:
                raise NotImplementedError('RandomAffine only transforms boxes; drop gt_masks before it')
            xs = bboxes[:, [0, 0, 2, 2]].reshape(n * 4)
            ys = bboxes[:, [1, 3, 3, 1]].reshape(n * 4)
            pts = warp @ np.vstack([xs, ys, np.ones_like(xs)])
            pts = pts[:2] / pts[2]
            xs, ys = pts[0].reshape(n, 4), pts[1].reshape(n, 4)
            warped = np.vstack((xs.min(1), ys.min(1), xs.max(1), ys.max(1))).T.astype(bboxes.dtype)
            if self.bbox_clip_border:
                warped[:, [0, 2]] = warped[:, [0, 2]].clip(0, width)
                warped[:, [1, 3]] = warped[:, [1, 3]].clip(0, height)
            valid = find_inside_bboxes(warped, height, width)
            if not self.skip_filter:
                valid &= self.filter_gt_bboxes(bboxes * scaling_ratio, warped)
            results[key] = warped[valid]
            if key == 'gt_bboxes' and 'gt_labels' in results:
                results['gt_labels'] = results['gt_labels'][valid]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(max_rotate_degree={self.max_rotate_degree}, '
                f'max_translate_ratio={self.max_translate_ratio}, scaling_ratio_range={self.scaling_ratio_range}, '
                f'max_shear_degree={self.max_shear_degree}, border={self.border}, border_val={self.border_val}, '
                f'min_bbox_size={self.min_bbox_size}, min_area_ratio={self.min_area_ratio}, '
                f'max_aspect_ratio={self.max_aspect_ratio}, skip_filter={self.skip_filter})')
