"""Loading transforms: images, annotations and proposals into the results dict (mmdet 2.x keys)."""
from __future__ import annotations

import os.path as osp

import numpy as np

from workbench.core.mask import BitmapMasks, PolygonMasks
from workbench.image import imfrombytes, imread
from workbench.registry import PIPELINES

from ._utils import require_keys


def _read_bytes(path: str, who: str) -> bytes:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{who}: image file does not exist: {path!r}')
    with open(path, 'rb') as f:
        return f.read()


def _check_file_client(file_client_args, who):
    backend = (file_client_args or {}).get('backend', 'disk')
    if backend != 'disk':
        raise NotImplementedError(f"{who}: file client backend {backend!r} is not available; use 'disk'")
    return dict(file_client_args or {'backend': 'disk'})


@PIPELINES.register_module()
class LoadImageFromFile:
    """Read ``img_prefix/img_info['filename']``.

    Adds: img, img_shape, ori_shape, filename, ori_filename, img_fields=['img'].

    Args:
        to_float32: convert to float32 (uint8 otherwise).
        color_type: imread flag ('color', 'grayscale', 'unchanged', ...).
        channel_order: 'bgr' or 'rgb'.
        file_client_args: accepted for mmdet configs; only the 'disk' backend is available.
    """

    def __init__(self, to_float32=False, color_type='color', channel_order='bgr', file_client_args=None):
        self.to_float32 = to_float32
        self.color_type = color_type
        self.channel_order = channel_order
        self.file_client_args = _check_file_client(file_client_args, type(self).__name__)

    def __call__(self, results):
        require_keys(results, self, 'img_info')
        info = results['img_info']
        if 'filename' not in info:
            raise KeyError(f"{type(self).__name__}: results['img_info'] has no 'filename' (keys: {sorted(info)})")
        prefix = results.get('img_prefix')
        filename = osp.join(prefix, info['filename']) if prefix is not None else info['filename']
        img = imfrombytes(_read_bytes(filename, type(self).__name__), flag=self.color_type,
                          channel_order=self.channel_order, filename=filename)
        if self.to_float32:
            img = img.astype(np.float32)
        results['filename'] = filename
        results['ori_filename'] = info['filename']
        results['img'] = img
        results['img_shape'] = img.shape
        results['ori_shape'] = img.shape
        results['img_fields'] = ['img']
        return results

    def __repr__(self):
        return (f"{self.__class__.__name__}(to_float32={self.to_float32}, color_type='{self.color_type}', "
                f"channel_order='{self.channel_order}', file_client_args={self.file_client_args})")


@PIPELINES.register_module()
class LoadImageFromWebcam(LoadImageFromFile):
    """Take an already decoded image from ``results['img']`` (webcam frames, arrays); filename keys are None."""

    def __call__(self, results):
        require_keys(results, self, 'img')
        img = imread(results['img'])
        if self.to_float32:
            img = img.astype(np.float32)
        results['filename'] = None
        results['ori_filename'] = None
        results['img'] = img
        results['img_shape'] = img.shape
        results['ori_shape'] = img.shape
        results['img_fields'] = ['img']
        return results


@PIPELINES.register_module()
class LoadMultiChannelImageFromFiles:
    """Stack several single-image files (``img_info['filename']`` is a list) along the channel axis."""

    def __init__(self, to_float32=False, color_type='unchanged', file_client_args=None):
        self.to_float32 = to_float32
        self.color_type = color_type
        self.file_client_args = _check_file_client(file_client_args, type(self).__name__)

    def __call__(self, results):
        require_keys(results, self, 'img_info')
        names = results['img_info']['filename']
        if isinstance(names, str):
            names = [names]
        prefix = results.get('img_prefix')
        filenames = [osp.join(prefix, n) if prefix is not None else n for n in names]
        img = np.stack([imfrombytes(_read_bytes(f, type(self).__name__), flag=self.color_type, filename=f)
                        for f in filenames], axis=-1)
        if self.to_float32:
            img = img.astype(np.float32)
        num_channels = 1 if img.ndim < 3 else img.shape[2]
        results['filename'] = filenames
        results['ori_filename'] = results['img_info']['filename']
        results['img'] = img
        results['img_shape'] = img.shape
        results['ori_shape'] = img.shape
        results['pad_shape'] = img.shape
        results['scale_factor'] = 1.0
        results['img_norm_cfg'] = dict(mean=np.zeros(num_channels, dtype=np.float32),
                                       std=np.ones(num_channels, dtype=np.float32), to_rgb=False)
        results['img_fields'] = ['img']
        return results

    def __repr__(self):
        return f"{self.__class__.__name__}(to_float32={self.to_float32}, color_type='{self.color_type}')"


@PIPELINES.register_module()
class LoadAnnotations:
    """Copy annotations from ``results['ann_info']`` into gt_* keys.

    Adds gt_bboxes (+ gt_bboxes_ignore) to bbox_fields, gt_labels, gt_masks (BitmapMasks if ``poly2mask`` else
    PolygonMasks) to mask_fields, gt_semantic_seg to seg_fields.

    Args:
        denorm_bbox: boxes are given normalised to [0, 1]; multiply by the image size.
    """

    def __init__(self, with_bbox=True, with_label=True, with_mask=False, with_seg=False, poly2mask=True,
                 denorm_bbox=False, file_client_args=None):
        self.with_bbox = with_bbox
        self.with_label = with_label
        self.with_mask = with_mask
        self.with_seg = with_seg
        self.poly2mask = poly2mask
        self.denorm_bbox = denorm_bbox
        self.file_client_args = _check_file_client(file_client_args, type(self).__name__)

    def _ann(self, results, key):
        require_keys(results, self, 'ann_info')
        ann = results['ann_info']
        if key not in ann:
            raise KeyError(f"{type(self).__name__}: results['ann_info'] has no {key!r} (keys: {sorted(ann)})")
        return ann[key]

    def _load_bboxes(self, results):
        bboxes = np.array(self._ann(results, 'bboxes'), dtype=np.float32, copy=True).reshape(-1, 4)
        if self.denorm_bbox and len(bboxes):
            require_keys(results, self, 'img_shape')
            h, w = results['img_shape'][:2]
            bboxes[:, 0::2] *= w
            bboxes[:, 1::2] *= h
        results['gt_bboxes'] = bboxes
        fields = results.setdefault('bbox_fields', [])
        ignore = results['ann_info'].get('bboxes_ignore')
        if ignore is not None:
            results['gt_bboxes_ignore'] = np.array(ignore, dtype=np.float32, copy=True).reshape(-1, 4)
            fields.append('gt_bboxes_ignore')
        fields.append('gt_bboxes')
        group_of = results['ann_info'].get('gt_is_group_ofs')
        if group_of is not None:
            results['gt_is_group_ofs'] = np.array(group_of, copy=True)
        return results

    def _load_labels(self, results):
        results['gt_labels'] = np.array(self._ann(results, 'labels'), copy=True)
        return results

    @staticmethod
    def _poly2mask(mask_ann, img_h, img_w):
        """Rasterise polygons / RLE of one instance to an (h, w) uint8 mask."""
        import pycocotools.mask as mask_utils
        if isinstance(mask_ann, list):
            rle = mask_utils.merge(mask_utils.frPyObjects(mask_ann, img_h, img_w))
        elif isinstance(mask_ann, dict) and isinstance(mask_ann.get('counts'), list):
            rle = mask_utils.frPyObjects(mask_ann, img_h, img_w)  # uncompressed RLE
        elif isinstance(mask_ann, dict):
            rle = mask_ann
        else:
            raise TypeError(f'a mask annotation must be polygons or RLE, got {type(mask_ann).__name__}')
        return mask_utils.decode(rle)

    @staticmethod
    def process_polygons(polygons):
        """Polygons as float arrays, dropping those with fewer than 3 points or an odd coordinate count."""
        arrays = [np.array(p) for p in polygons]
        return [p for p in arrays if len(p) % 2 == 0 and len(p) >= 6]

    def _load_masks(self, results):
        require_keys(results, self, 'img_info')
        h, w = results['img_info']['height'], results['img_info']['width']
        anns = self._ann(results, 'masks')
        if self.poly2mask:
            masks = BitmapMasks([self._poly2mask(m, h, w) for m in anns], h, w)
        else:
            for i, m in enumerate(anns):
                if not isinstance(m, list):
                    raise TypeError(f'{type(self).__name__}: instance {i} has an RLE mask; poly2mask=False needs '
                                    'polygons (set poly2mask=True)')
            masks = PolygonMasks([self.process_polygons(m) for m in anns], h, w)
        results['gt_masks'] = masks
        results.setdefault('mask_fields', []).append('gt_masks')
        return results

    def _load_semantic_seg(self, results):
        seg_map = self._ann(results, 'seg_map')
        prefix = results.get('seg_prefix')
        filename = osp.join(prefix, seg_map) if prefix is not None else seg_map
        seg = imfrombytes(_read_bytes(filename, type(self).__name__), flag='unchanged', filename=filename)
        results['gt_semantic_seg'] = seg.squeeze()
        results.setdefault('seg_fields', []).append('gt_semantic_seg')
        return results

    def __call__(self, results):
        if self.with_bbox:
            results = self._load_bboxes(results)
            if results is None:
                return None
        if self.with_label:
            results = self._load_labels(results)
        if self.with_mask:
            results = self._load_masks(results)
        if self.with_seg:
            results = self._load_semantic_seg(results)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(with_bbox={self.with_bbox}, with_label={self.with_label}, '
                f'with_mask={self.with_mask}, with_seg={self.with_seg}, poly2mask={self.poly2mask}, '
                f'file_client_args={self.file_client_args})')


@PIPELINES.register_module()
class LoadProposals:
    """Take ``results['proposals']`` ((n, 4) or (n, 5) with scores), keep the boxes, add to bbox_fields."""

    def __init__(self, num_max_proposals=None):
        self.num_max_proposals = num_max_proposals

    def __call__(self, results):
        require_keys(results, self, 'proposals')
        proposals = np.asarray(results['proposals'])
        if proposals.ndim != 2 or proposals.shape[1] not in (4, 5):
            raise ValueError(f'{type(self).__name__}: proposals must have shape (n, 4) or (n, 5), got '
                             f'{proposals.shape}')
        proposals = proposals[:, :4]
        if self.num_max_proposals is not None:
            proposals = proposals[:self.num_max_proposals]
        if len(proposals) == 0:
            # one dummy box keeps later steps shape-consistent
            proposals = np.array([[0, 0, 0, 0]], dtype=np.float32)
        results['proposals'] = proposals
        results.setdefault('bbox_fields', []).append('proposals')
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(num_max_proposals={self.num_max_proposals})'


@PIPELINES.register_module()
class FilterAnnotations:
    """Drop ground truths whose box is not wider/taller than ``min_gt_bbox_wh`` and/or whose mask area is below
    ``min_gt_mask_area``. With ``keep_empty=True`` (mmdet's naming) a sample left without any gt returns None.
    """

    def __init__(self, min_gt_bbox_wh=(1., 1.), min_gt_mask_area=1, by_box=True, by_mask=False, keep_empty=True):
        if not (by_box or by_mask):
            raise ValueError('FilterAnnotations needs by_box or by_mask')
        self.min_gt_bbox_wh = min_gt_bbox_wh
        self.min_gt_mask_area = min_gt_mask_area
        self.by_box = by_box
        self.by_mask = by_mask
        self.keep_empty = keep_empty

    def __call__(self, results):
        if self.by_box:
            require_keys(results, self, 'gt_bboxes')
            num = results['gt_bboxes'].shape[0]
        if self.by_mask:
            require_keys(results, self, 'gt_masks')
            num = len(results['gt_masks'])
        if num == 0:
            return results
        keep = np.ones(num, dtype=bool)
        if self.by_box:
            b = results['gt_bboxes']
            keep &= ((b[:, 2] - b[:, 0]) > self.min_gt_bbox_wh[0]) & ((b[:, 3] - b[:, 1]) > self.min_gt_bbox_wh[1])
        if self.by_mask:
            keep &= np.asarray(results['gt_masks'].areas) >= self.min_gt_mask_area
        for key in ('gt_bboxes', 'gt_labels', 'gt_masks'):
            if key in results:
                results[key] = results[key][keep]
        if not keep.any() and self.keep_empty:
            return None
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(min_gt_bbox_wh={self.min_gt_bbox_wh}, '
                f'min_gt_mask_area={self.min_gt_mask_area}, by_box={self.by_box}, by_mask={self.by_mask}, '
                f'keep_empty={self.keep_empty})')
