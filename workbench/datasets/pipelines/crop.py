"""Cropping and canvas-expanding transforms: RandomCrop, MinIoURandomCrop, Expand."""
from __future__ import annotations

import numpy as np

from workbench.registry import PIPELINES

from ._utils import bbox_iou, require_keys

# which label / mask keys follow each box key when boxes are dropped
_BBOX2LABEL = {'gt_bboxes': 'gt_labels', 'gt_bboxes_ignore': 'gt_labels_ignore'}
_BBOX2MASK = {'gt_bboxes': 'gt_masks', 'gt_bboxes_ignore': 'gt_masks_ignore'}


def _single_img_field(results, transform):
    fields = results.get('img_fields', ['img'])
    if list(fields) != ['img']:
        raise ValueError(f'{type(transform).__name__} handles only img_fields == ["img"], got {fields}')
    require_keys(results, transform, 'img')


@PIPELINES.register_module()
class RandomCrop:
    """Crop a random window; boxes are shifted, clipped and those left without area dropped (with their labels
    and masks).

    Args:
        crop_size: (h, w) in pixels ('absolute'), a pixel range (min, max) for both sides ('absolute_range'), or
            fractions of the image size ('relative', 'relative_range': from the fraction up to 1).
        allow_negative_crop: keep a crop that contains no gt box (otherwise the sample is dropped: None).
        recompute_bbox: recompute boxes from the cropped masks.
        bbox_clip_border: clip boxes to the crop.
    """

    def __init__(self, crop_size, crop_type='absolute', allow_negative_crop=False, recompute_bbox=False,
                 bbox_clip_border=True):
        if crop_type not in ('relative_range', 'relative', 'absolute', 'absolute_range'):
            raise ValueError(f'RandomCrop: invalid crop_type {crop_type!r}')
        if crop_type in ('absolute', 'absolute_range'):
            if not (int(crop_size[0]) == crop_size[0] > 0 and int(crop_size[1]) == crop_size[1] > 0):
                raise ValueError(f'RandomCrop: absolute crop_size must be positive ints, got {crop_size}')
            if crop_type == 'absolute_range' and crop_size[0] > crop_size[1]:
                raise ValueError(f'RandomCrop: absolute_range needs min <= max, got {crop_size}')
        elif not (0 < crop_size[0] <= 1 and 0 < crop_size[1] <= 1):
            raise ValueError(f'RandomCrop: relative crop_size must be in (0, 1], got {crop_size}')
        self.crop_size = crop_size
        self.crop_type = crop_type
        self.allow_negative_crop = allow_negative_crop
        self.recompute_bbox = recompute_bbox
        self.bbox_clip_border = bbox_clip_border

    def _get_crop_size(self, image_size):
        h, w = image_size
        if self.crop_type == 'absolute':
            return min(self.crop_size[0], h), min(self.crop_size[1], w)
        if self.crop_type == 'absolute_range':
            lo, hi = self.crop_size
            crop_h = np.random.randint(min(h, lo), min(h, hi) + 1)
            crop_w = np.random.randint(min(w, lo), min(w, hi) + 1)
            return crop_h, crop_w
        if self.crop_type == 'relative':
            rh, rw = self.crop_size
        else:
            size = np.asarray(self.crop_size, dtype=np.float32)
            rh, rw = size + np.random.rand(2) * (1 - size)
        return int(h * rh + 0.5), int(w * rw + 0.5)

    def _crop_data(self, results, crop_size, allow_negative_crop):
        img = results['img']
        margin_h = max(img.shape[0] - crop_size[0], 0)
        margin_w = max(img.shape[1] - crop_size[1], 0)
        off_h = np.random.randint(0, margin_h + 1)
        off_w = np.random.randint(0, margin_w + 1)
        y1, y2 = off_h, off_h + crop_size[0]
        x1, x2 = off_w, off_w + crop_size[1]
        for key in results.get('img_fields', ['img']):
            results[key] = results[key][y1:y2, x1:x2, ...]
        img_shape = results['img'].shape
        results['img_shape'] = img_shape
        results['pad_shape'] = img_shape  # the Tutorial 3 contract: RandomCrop updates pad_shape
        for key in results.get('bbox_fields', []):
            bboxes = results[key] - np.array([off_w, off_h, off_w, off_h], dtype=np.float32)
            if self.bbox_clip_border:
                bboxes[:, 0::2] = np.clip(bboxes[:, 0::2], 0, img_shape[1])
                bboxes[:, 1::2] = np.clip(bboxes[:, 1::2], 0, img_shape[0])
            valid = (bboxes[:, 2] > bboxes[:, 0]) & (bboxes[:, 3] > bboxes[:, 1])
            if key == 'gt_bboxes' and not valid.any() and not allow_negative_crop:
                return None
            results[key] = bboxes[valid, :]
            label_key = _BBOX2LABEL.get(key)
            if label_key in results:
                results[label_key] = results[label_key][valid]
            mask_key = _BBOX2MASK.get(key)
            if mask_key in results:
                results[mask_key] = results[mask_key][valid.nonzero()[0]].crop(np.asarray([x1, y1, x2, y2]))
                if self.recompute_bbox:
                    results[key] = results[mask_key].get_bboxes()
        for key in results.get('seg_fields', []):
            results[key] = results[key][y1:y2, x1:x2]
        return results

    def __call__(self, results):
        require_keys(results, self, 'img')
        crop_size = self._get_crop_size(results['img'].shape[:2])
        return self._crop_data(results, crop_size, self.allow_negative_crop)

    def __repr__(self):
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, crop_type={self.crop_type}, '
                f'allow_negative_crop={self.allow_negative_crop}, bbox_clip_border={self.bbox_clip_border})')


@PIPELINES.register_module()
class Expand:
    """With probability ``prob``, place the image at a random spot of a canvas ``ratio`` times larger filled with
    ``mean`` (SSD's zoom-out); boxes, masks and maps move with it.

    ``to_rgb=True`` means ``mean`` is given in RGB order (as in img_norm_cfg) and is reversed for the BGR image.
    """

    def __init__(self, mean=(0, 0, 0), to_rgb=True, ratio_range=(1, 4), seg_ignore_label=None, prob=0.5):
        self.to_rgb = to_rgb
        self.ratio_range = ratio_range
        self.mean = tuple(mean[::-1]) if to_rgb else tuple(mean)
        self.min_ratio, self.max_ratio = ratio_range
        if self.min_ratio < 1:
            raise ValueError(f'Expand: ratio_range must be >= 1, got {ratio_range}')
        self.seg_ignore_label = seg_ignore_label
        self.prob = prob

    def __call__(self, results):
        if np.random.uniform(0, 1) > self.prob:
            return results
        _single_img_field(results, self)
        img = results['img']
        h, w, c = img.shape
        ratio = np.random.uniform(self.min_ratio, self.max_ratio)
        new_h, new_w = int(h * ratio), int(w * ratio)
        canvas = np.empty((new_h, new_w, c), dtype=img.dtype)
        canvas[...] = np.asarray(self.mean, dtype=img.dtype) if len(self.mean) == c else self.mean[0]
        left = int(np.random.uniform(0, w * ratio - w))
        top = int(np.random.uniform(0, h * ratio - h))
        canvas[top:top + h, left:left + w] = img
        results['img'] = canvas
        results['img_shape'] = canvas.shape
        for key in results.get('bbox_fields', []):
            results[key] = results[key] + np.tile((left, top), 2).astype(results[key].dtype)
        for key in results.get('mask_fields', []):
            results[key] = results[key].expand(new_h, new_w, top, left)
        for key in results.get('seg_fields', []):
            if self.seg_ignore_label is None:
                raise ValueError('Expand: seg_ignore_label must be set to expand segmentation maps')
            seg = results[key]
            out = np.full((new_h, new_w), self.seg_ignore_label, dtype=seg.dtype)
            out[top:top + h, left:left + w] = seg
            results[key] = out
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(mean={self.mean}, to_rgb={self.to_rgb}, '
                f'ratio_range={self.ratio_range}, seg_ignore_label={self.seg_ignore_label}, prob={self.prob})')


@PIPELINES.register_module()
class MinIoURandomCrop:
    """SSD's crop: draw a minimum IoU from ``min_ious`` (or keep the image), then up to 50 random patches of at
    least ``min_crop_size`` of each side with aspect in [0.5, 2] whose IoU with every gt box reaches it; boxes whose
    centre is outside the patch are dropped.
    """

    def __init__(self, min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), min_crop_size=0.3, bbox_clip_border=True):
        self.min_ious = min_ious
        self.sample_mode = (1, *min_ious, 0)
        self.min_crop_size = min_crop_size
        self.bbox_clip_border = bbox_clip_border

    @staticmethod
    def _centers_in(boxes, patch):
        center = (boxes[:, :2] + boxes[:, 2:]) / 2
        return ((center[:, 0] > patch[0]) & (center[:, 1] > patch[1]) & (center[:, 0] < patch[2]) &
                (center[:, 1] < patch[3]))

    def __call__(self, results):
        _single_img_field(results, self)
        img = results['img']
        fields = results.get('bbox_fields', [])
        boxes = np.concatenate([results[k] for k in fields], 0) if fields else np.zeros((0, 4), np.float32)
        h, w = img.shape[:2]
        while True:
            mode = self.sample_mode[np.random.randint(len(self.sample_mode))]
            self.mode = mode
            if mode == 1:
                return results
            min_iou = mode
            for _ in range(50):
                new_w = np.random.uniform(self.min_crop_size * w, w)
                new_h = np.random.uniform(self.min_crop_size * h, h)
                if new_h / new_w < 0.5 or new_h / new_w > 2:
                    continue
                left = np.random.uniform(0, w - new_w)
                top = np.random.uniform(0, h - new_h)
                patch = np.array((int(left), int(top), int(left + new_w), int(top + new_h)))
                if patch[2] == patch[0] or patch[3] == patch[1]:
                    continue
                overlaps = bbox_iou(patch.reshape(-1, 4), boxes.reshape(-1, 4)).reshape(-1)
                if len(overlaps) > 0 and overlaps.min() < min_iou:
                    continue
                if len(overlaps) > 0:
                    if not self._centers_in(boxes, patch).any():
                        continue
                    for key in fields:
                        kb = results[key].copy()
                        keep = self._centers_in(kb, patch)
                        kb = kb[keep]
                        if self.bbox_clip_border:
                            kb[:, 2:] = kb[:, 2:].clip(max=patch[2:])
                            kb[:, :2] = kb[:, :2].clip(min=patch[:2])
                        kb -= np.tile(patch[:2], 2).astype(kb.dtype)
                        results[key] = kb
                        label_key = _BBOX2LABEL.get(key)
                        if label_key in results:
                            results[label_key] = results[label_key][keep]
                        mask_key = _BBOX2MASK.get(key)
                        if mask_key in results:
                            results[mask_key] = results[mask_key][keep.nonzero()[0]].crop(patch)
                img = img[patch[1]:patch[3], patch[0]:patch[2]]
                results['img'] = img
                results['img_shape'] = img.shape
                for key in results.get('seg_fields', []):
                    results[key] = results[key][patch[1]:patch[3], patch[0]:patch[2]]
                return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(min_ious={self.min_ious}, min_crop_size={self.min_crop_size}, '
                f'bbox_clip_border={self.bbox_clip_border})')


@PIPELINES.register_module()
class RandomCenterCropPad:
    """CornerNet/CenterNet crop-and-pad on float32 images.

    Training: pick a scale from ``ratios`` for ``crop_size`` (h, w), a random centre at least a (size-adapted)
    ``border`` away from the image edges, and copy the window around it onto a canvas filled with the mean colour;
    boxes whose centre falls outside the window are dropped. Test (``test_mode``): pad around the image centre to a
    size given by ``test_pad_mode`` ('logical_or', v) -> side | v (+ ``test_pad_add_pix``), or ('size_divisor', d),
    and record where the image lies in ``results['border']`` (top, bottom, left, right).
    """

    def __init__(self, crop_size=None, ratios=(0.9, 1.0, 1.1), border=128, mean=None, std=None, to_rgb=None,
                 test_mode=False, test_pad_mode=('logical_or', 127), test_pad_add_pix=0, bbox_clip_border=True):
        if test_mode:
            if crop_size is not None or ratios is not None or border is not None:
                raise ValueError('RandomCenterCropPad: test_mode needs crop_size, ratios and border set to None')
            if not isinstance(test_pad_mode, (list, tuple)) or test_pad_mode[0] not in ('logical_or',
                                                                                       'size_divisor'):
                raise ValueError(f'RandomCenterCropPad: invalid test_pad_mode {test_pad_mode!r}')
        else:
            if not (isinstance(crop_size, (list, tuple)) and crop_size[0] > 0 and crop_size[1] > 0):
                raise ValueError(f'RandomCenterCropPad: crop_size must be a positive (h, w), got {crop_size!r}')
            if not isinstance(ratios, (list, tuple)):
                raise ValueError(f'RandomCenterCropPad: ratios must be a list or tuple, got {ratios!r}')
            if test_pad_mode is not None:
                raise ValueError('RandomCenterCropPad: test_pad_mode must be None in training mode')
        if mean is None or std is None or to_rgb is None:
            raise ValueError('RandomCenterCropPad: mean, std and to_rgb must be given (as in img_norm_cfg)')
        self.crop_size = crop_size
        self.ratios = ratios
        self.border = border
        self.input_mean, self.input_std, self.to_rgb = mean, std, to_rgb
        # the canvas is filled in the image's own (BGR) channel order
        self.mean = list(mean[::-1]) if to_rgb else list(mean)
        self.std = list(std[::-1]) if to_rgb else list(std)
        self.test_mode = test_mode
        self.test_pad_mode = test_pad_mode
        self.test_pad_add_pix = test_pad_add_pix
        self.bbox_clip_border = bbox_clip_border

    @staticmethod
    def _get_border(border, size):
        """Halve ``border`` by powers of two until it is below size / 2, so a centre can always be drawn."""
        k = 2 * border / size
        i = pow(2, np.ceil(np.log2(np.ceil(k))) + (k == int(k)))
        return border // i

    @staticmethod
    def _filter_boxes(patch, boxes):
        center = (boxes[:, :2] + boxes[:, 2:]) / 2
        return ((center[:, 0] > patch[0]) & (center[:, 1] > patch[1]) & (center[:, 0] < patch[2]) &
                (center[:, 1] < patch[3]))

    def _crop_image_and_paste(self, image, center, size):
        cy, cx = center
        th, tw = size
        img_h, img_w, c = image.shape
        x0, x1 = max(0, cx - tw // 2), min(cx + tw // 2, img_w)
        y0, y1 = max(0, cy - th // 2), min(cy + th // 2, img_h)
        patch = np.array((int(x0), int(y0), int(x1), int(y1)))
        left, right, top, bottom = cx - x0, x1 - cx, cy - y0, y1 - cy
        ccy, ccx = th // 2, tw // 2
        canvas = np.zeros((th, tw, c), dtype=image.dtype)
        canvas[...] = np.asarray(self.mean, dtype=image.dtype)
        canvas[ccy - top:ccy + bottom, ccx - left:ccx + right, :] = image[y0:y1, x0:x1, :]
        border = np.array([ccy - top, ccy + bottom, ccx - left, ccx + right], dtype=np.float32)
        return canvas, border, patch

    def _train_aug(self, results):
        img = results['img']
        h, w = img.shape[:2]
        boxes = results.get('gt_bboxes', np.zeros((0, 4), np.float32))
        while True:
            scale = self.ratios[np.random.randint(len(self.ratios))]
            new_h, new_w = int(self.crop_size[0] * scale), int(self.crop_size[1] * scale)
            h_border = self._get_border(self.border, h)
            w_border = self._get_border(self.border, w)
            for _ in range(50):
                cx = int(np.random.randint(low=w_border, high=w - w_border))
                cy = int(np.random.randint(low=h_border, high=h - h_border))
                canvas, _, patch = self._crop_image_and_paste(img, [cy, cx], [new_h, new_w])
                if len(boxes) > 0 and not self._filter_boxes(patch, boxes).any():
                    continue
                results['img'] = canvas
                results['img_shape'] = canvas.shape
                results['pad_shape'] = canvas.shape
                for key in results.get('bbox_fields', []):
                    inside = self._filter_boxes(patch, results[key])
                    bboxes = results[key][inside]
                    # image pixel (cx, cy) lands at the canvas centre
                    bboxes[:, 0:4:2] += new_w // 2 - cx
                    bboxes[:, 1:4:2] += new_h // 2 - cy
                    if self.bbox_clip_border:
                        bboxes[:, 0:4:2] = np.clip(bboxes[:, 0:4:2], 0, new_w)
                        bboxes[:, 1:4:2] = np.clip(bboxes[:, 1:4:2], 0, new_h)
                    keep = (bboxes[:, 2] > bboxes[:, 0]) & (bboxes[:, 3] > bboxes[:, 1])
                    results[key] = bboxes[keep]
                    if key == 'gt_bboxes':
                        if 'gt_labels' in results:
                            results['gt_labels'] = results['gt_labels'][inside][keep]
                        if 'gt_masks' in results:
                            raise NotImplementedError('RandomCenterCropPad only supports boxes, not gt_masks')
                return results

    def _test_aug(self, results):
        img = results['img']
        h, w = img.shape[:2]
        results['img_shape'] = img.shape
        if self.test_pad_mode[0] == 'logical_or':
            th = (h | self.test_pad_mode[1]) + self.test_pad_add_pix
            tw = (w | self.test_pad_mode[1]) + self.test_pad_add_pix
        else:
            d = self.test_pad_mode[1]
            th, tw = int(np.ceil(h / d)) * d, int(np.ceil(w / d)) * d
        canvas, border, _ = self._crop_image_and_paste(img, [h // 2, w // 2], [th, tw])
        results['img'] = canvas
        results['pad_shape'] = canvas.shape
        results['border'] = border
        return results

    def __call__(self, results):
        require_keys(results, self, 'img')
        img = results['img']
        if img.dtype != np.float32:
            raise TypeError('RandomCenterCropPad needs a float32 image: set to_float32=True in LoadImageFromFile '
                            f'(got {img.dtype})')
        if img.ndim != 3 or img.shape[2] != len(self.mean):
            raise ValueError(f'RandomCenterCropPad: image has shape {img.shape} but mean has {len(self.mean)} values')
        return self._test_aug(results) if self.test_mode else self._train_aug(results)

    def __repr__(self):
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, ratios={self.ratios}, border={self.border}, '
                f'mean={self.input_mean}, std={self.input_std}, to_rgb={self.to_rgb}, test_mode={self.test_mode}, '
                f'test_pad_mode={self.test_pad_mode}, bbox_clip_border={self.bbox_clip_border})')
