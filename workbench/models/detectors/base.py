"""Base detector: the mmdet 2.x train/test entry points (``forward(img, img_metas, return_loss=...)``,
``train_step``/``val_step``, loss parsing) and result drawing."""
from abc import ABCMeta, abstractmethod
from collections import OrderedDict

import numpy as np
import torch
import torch.distributed as dist

from workbench.cnn import BaseModule


class BaseDetector(BaseModule, metaclass=ABCMeta):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.fp16_enabled = False

    @property
    def with_neck(self):
        return getattr(self, 'neck', None) is not None

    @property
    def with_shared_head(self):
        return hasattr(self, 'roi_head') and self.roi_head.with_shared_head

    @property
    def with_bbox(self):
        return ((hasattr(self, 'roi_head') and self.roi_head.with_bbox)
                or (hasattr(self, 'bbox_head') and self.bbox_head is not None))

    @property
    def with_mask(self):
        return ((hasattr(self, 'roi_head') and self.roi_head.with_mask)
                or (hasattr(self, 'mask_head') and self.mask_head is not None))

    @abstractmethod
    def extract_feat(self, imgs):
        """Features of a batch of images."""

    def extract_feats(self, imgs):
        """Features of each augmented view in the list ``imgs``."""
        if not isinstance(imgs, list):
            raise TypeError(f'extract_feats expects a list of image batches, got {type(imgs).__name__}')
        return [self.extract_feat(img) for img in imgs]

    def forward_train(self, imgs, img_metas, **kwargs):
        """Subclasses compute the losses; the base records the padded batch shape in every meta (heads that need
        the batch shape, e.g. DETR-like ones, read it)."""
        batch_input_shape = tuple(imgs[0].size()[-2:])
        for img_meta in img_metas:
            img_meta['batch_input_shape'] = batch_input_shape

    @abstractmethod
    def simple_test(self, img, img_metas, **kwargs):
        pass

    @abstractmethod
    def aug_test(self, imgs, img_metas, **kwargs):
        pass

    def forward_test(self, imgs, img_metas, **kwargs):
        """``imgs``/``img_metas``: lists over test-time augmentations, each a batch. One view -> ``simple_test``,
        several -> ``aug_test``."""
        for var, name in [(imgs, 'imgs'), (img_metas, 'img_metas')]:
            if not isinstance(var, list):
                raise TypeError(f'{name} must be a list (one entry per augmentation), but got {type(var)}')
        num_augs = len(imgs)
        if num_augs != len(img_metas):
            raise ValueError(f'num of augmentations ({len(imgs)}) != num of image meta ({len(img_metas)})')
        for img, img_meta in zip(imgs, img_metas):
            for meta in img_meta:
                meta['batch_input_shape'] = tuple(img.size()[-2:])
        if num_augs == 1:
            if 'proposals' in kwargs:
                kwargs['proposals'] = kwargs['proposals'][0]
            return self.simple_test(imgs[0], img_metas[0], **kwargs)
        if imgs[0].size(0) != 1:
            raise ValueError(f'aug test does not support inference with batch size {imgs[0].size(0)}')
        if 'proposals' in kwargs:
            raise ValueError('aug test does not take proposals')
        return self.aug_test(imgs, img_metas, **kwargs)

    def forward(self, img, img_metas, return_loss=True, **kwargs):
        """Training (``return_loss=True``): ``img`` a batch tensor, ``img_metas`` a list of dicts, ground truth in
        kwargs -> loss dict. Testing: both are lists over augmentations -> results."""
        if return_loss:
            return self.forward_train(img, img_metas, **kwargs)
        return self.forward_test(img, img_metas, **kwargs)

    def _parse_losses(self, losses):
        """(total loss tensor, OrderedDict of floats). List entries (per level/image) are summed after taking the
        mean of each; the total sums every entry whose name contains 'loss'."""
        log_vars = OrderedDict()
        for loss_name, loss_value in losses.items():
            if isinstance(loss_value, torch.Tensor):
                log_vars[loss_name] = loss_value.mean()
            elif isinstance(loss_value, (list, tuple)):
                log_vars[loss_name] = sum(_loss.mean() for _loss in loss_value)
            else:
                raise TypeError(f'{loss_name} is not a tensor or list of tensors but {type(loss_value).__name__}')
        loss = sum(_value for _key, _value in log_vars.items() if 'loss' in _key)

        if dist.is_available() and dist.is_initialized():
            # every rank must log the same keys, or all_reduce would hang
            log_var_length = torch.tensor(len(log_vars), device=loss.device)
            dist.all_reduce(log_var_length)
            if log_var_length != len(log_vars) * dist.get_world_size():
                raise AssertionError('loss log variables are different across GPUs!\n' + f'rank {dist.get_rank()} '
                                     f'len(log_vars): {len(log_vars)} keys: ' + ','.join(log_vars.keys()))
        log_vars['loss'] = loss
        for loss_name, loss_value in log_vars.items():
            if dist.is_available() and dist.is_initialized():
                loss_value = loss_value.data.clone()
                dist.all_reduce(loss_value.div_(dist.get_world_size()))
            log_vars[loss_name] = loss_value.item()
        return loss, log_vars

    def train_step(self, data, optimizer=None):
        """One training iteration's forward: dict(loss, log_vars, num_samples); the runner does backward/step."""
        losses = self(**data)
        loss, log_vars = self._parse_losses(losses)
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data['img_metas']))

    def val_step(self, data, optimizer=None):
        """Like ``train_step`` (losses on validation data)."""
        losses = self(**data)
        loss, log_vars = self._parse_losses(losses)
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data['img_metas']))

    def show_result(self, img, result, score_thr=0.3, bbox_color=(72, 101, 241), text_color=(72, 101, 241),
                    mask_color=None, thickness=2, font_size=13, win_name='', show=False, wait_time=0,
                    out_file=None):
        """Draw ``result`` (mmdet 2.x format) on ``img`` (path or HxWx3 BGR array); returns the drawn image as a
        BGR uint8 array when neither ``show`` nor ``out_file`` is given."""
        from workbench.core.structures import DetectionResult
        if isinstance(img, str):
            import cv2
            img = cv2.imread(img)
            if img is None:
                raise FileNotFoundError(f'show_result: cannot read image {img!r}')
        img = np.ascontiguousarray(img).copy()
        class_names = getattr(self, 'CLASSES', None)
        det = DetectionResult.from_mmdet(result, class_names)
        try:
            from workbench.visualization import imshow_det_bboxes
        except ImportError:
            imshow_det_bboxes = None
        if imshow_det_bboxes is not None:
            bboxes = np.concatenate([det.boxes, det.scores[:, None]], axis=1)
            segms = np.stack(det.masks) if det.masks else None
            drawn = imshow_det_bboxes(img, bboxes, det.labels, segms, class_names=class_names, score_thr=score_thr,
                                      bbox_color=bbox_color, text_color=text_color, mask_color=mask_color,
                                      thickness=thickness, font_size=font_size, win_name=win_name, show=show,
                                      wait_time=wait_time, out_file=out_file, channel_order='bgr')
            # mmdet returns the BGR image, and nothing once it was shown or written
            return None if (show or out_file) else np.ascontiguousarray(drawn[..., ::-1])
        return det.draw(img, score_thr=score_thr, color=bbox_color, thickness=thickness, show=show,
                        out_file=out_file)
