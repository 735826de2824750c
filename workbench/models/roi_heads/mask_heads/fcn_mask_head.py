"""The Mask R-CNN mask head (mmdet 2.x ``FCNMaskHead``): convs, upsampling, per-class mask logits, mask targets,
loss, and pasting the RoI masks back into the full image."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.utils import _pair

from workbench.cnn import BaseModule, ConvModule, ModuleList, build_conv_layer, build_upsample_layer
from workbench.registry import HEADS, LOSSES

BYTES_PER_FLOAT = 4
# chunk the paste-back on GPU so N x H x W floats stay under this many bytes
GPU_MEM_LIMIT = 1024 ** 3


@HEADS.register_module()
class FCNMaskHead(BaseModule):
    def __init__(self, num_convs=4, roi_feat_size=14, in_channels=256, conv_kernel_size=3, conv_out_channels=256,
                 num_classes=80, class_agnostic=False, upsample_cfg=dict(type='deconv', scale_factor=2),
                 conv_cfg=None, norm_cfg=None, predictor_cfg=dict(type='Conv'),
                 loss_mask=dict(type='CrossEntropyLoss', use_mask=True, loss_weight=1.0), init_cfg=None):
        if init_cfg is not None:
            raise ValueError('FCNMaskHead initialises its own upsample and logits layers; init_cfg must be None')
        super().__init__(init_cfg)
        self.upsample_cfg = dict(upsample_cfg) if upsample_cfg is not None else dict(type=None)
        if self.upsample_cfg['type'] not in (None, 'deconv', 'nearest', 'bilinear'):
            raise ValueError(f'Invalid upsample method {self.upsample_cfg["type"]}, accepted methods are '
                             '"deconv", "nearest", "bilinear" (carafe is not supported)')
        self.num_convs = num_convs
        self.roi_feat_size = _pair(roi_feat_size)
        self.in_channels = in_channels
        self.conv_kernel_size = conv_kernel_size
        self.conv_out_channels = conv_out_channels
        self.upsample_method = self.upsample_cfg.get('type')
        self.scale_factor = self.upsample_cfg.pop('scale_factor', None)
        self.num_classes = num_classes
        self.class_agnostic = class_agnostic
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.predictor_cfg = predictor_cfg
        self.fp16_enabled = False
        self.loss_mask = LOSSES.build(loss_mask)

        self.convs = ModuleList()
        for i in range(self.num_convs):
            in_ch = self.in_channels if i == 0 else self.conv_out_channels
            self.convs.append(ConvModule(in_ch, self.conv_out_channels, self.conv_kernel_size,
                                         padding=(self.conv_kernel_size - 1) // 2, conv_cfg=conv_cfg,
                                         norm_cfg=norm_cfg))
        upsample_in_channels = self.conv_out_channels if self.num_convs > 0 else in_channels
        up_cfg = dict(self.upsample_cfg)
        if self.upsample_method is None:
            self.upsample = None
        elif self.upsample_method == 'deconv':
            up_cfg.update(in_channels=upsample_in_channels, out_channels=self.conv_out_channels,
                          kernel_size=self.scale_factor, stride=self.scale_factor)
            self.upsample = build_upsample_layer(up_cfg)
        else:
            up_cfg.update(scale_factor=self.scale_factor, mode=self.upsample_method,
                          align_corners=None if self.upsample_method == 'nearest' else False)
            self.upsample = build_upsample_layer(up_cfg)
        out_channels = 1 if self.class_agnostic else self.num_classes
        logits_in = self.conv_out_channels if self.upsample_method == 'deconv' else upsample_in_channels
        self.conv_logits = build_conv_layer(self.predictor_cfg, logits_in, out_channels, 1)
        self.relu = nn.ReLU(inplace=True)
        self.debug_imgs = None

    def init_weights(self):
        super().init_weights()
        for m in (self.upsample, self.conv_logits):
            if m is not None and hasattr(m, 'weight') and hasattr(m, 'bias'):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        if self.upsample is not None:
            x = self.upsample(x)
            if self.upsample_method == 'deconv':
                x = self.relu(x)
        return self.conv_logits(x)

    def get_targets(self, sampling_results, gt_masks, rcnn_train_cfg):
        from workbench.core.mask import mask_target
        return mask_target([r.pos_bboxes for r in sampling_results],
                           [r.pos_assigned_gt_inds for r in sampling_results], gt_masks, rcnn_train_cfg)

    def loss(self, mask_pred, mask_targets, labels):
        if mask_pred.size(0) == 0:
            loss_mask = mask_pred.sum()
        elif self.class_agnostic:
            loss_mask = self.loss_mask(mask_pred, mask_targets, torch.zeros_like(labels))
        else:
            loss_mask = self.loss_mask(mask_pred, mask_targets, labels)
        return dict(loss_mask=loss_mask)

    def get_seg_masks(self, mask_pred, det_bboxes, det_labels, rcnn_test_cfg, ori_shape, scale_factor, rescale):
        """Paste each detection's mask into an image-sized bool array (uint8 0-255 when ``mask_thr_binary`` < 0).

        Returns a list per class of (h, w) arrays. With ``rescale`` the canvas is the original image (boxes are
        divided by ``scale_factor``); otherwise it is the resized image.
        """
        if isinstance(mask_pred, torch.Tensor):
            mask_pred = mask_pred.sigmoid()
        else:
            mask_pred = det_bboxes.new_tensor(mask_pred)  # test-time augmentation merged probabilities already
        device = mask_pred.device
        cls_segms = [[] for _ in range(self.num_classes)]
        bboxes = det_bboxes[:, :4]
        labels = det_labels
        if not isinstance(scale_factor, torch.Tensor):
            if isinstance(scale_factor, float):
                scale_factor = np.array([scale_factor] * 4)
            scale_factor = torch.as_tensor(np.asarray(scale_factor, dtype=np.float32))
        if rescale:
            img_h, img_w = ori_shape[:2]
            bboxes = bboxes / scale_factor.to(bboxes)
        else:
            w_scale, h_scale = scale_factor[0], scale_factor[1]
            img_h = np.round(ori_shape[0] * h_scale.item()).astype(np.int32)
            img_w = np.round(ori_shape[1] * w_scale.item()).astype(np.int32)
        n = len(mask_pred)
        if device.type == 'cpu':
            # one mask at a time, only over its box: the fewest operations on CPU
            num_chunks = n
        else:
            num_chunks = int(np.ceil(n * int(img_h) * int(img_w) * BYTES_PER_FLOAT / GPU_MEM_LIMIT))
            num_chunks = max(min(num_chunks, n), 1)
        threshold = rcnn_test_cfg.get('mask_thr_binary', 0.5) if isinstance(rcnn_test_cfg, dict) else \
            rcnn_test_cfg.mask_thr_binary
        im_mask = torch.zeros(n, int(img_h), int(img_w), device=device,
                              dtype=torch.bool if threshold >= 0 else torch.uint8)
        if not self.class_agnostic:
            mask_pred = mask_pred[range(n), labels][:, None]
        if n > 0:
            for inds in torch.chunk(torch.arange(n, device=device), num_chunks):
                chunk, spatial = _do_paste_mask(mask_pred[inds], bboxes[inds], int(img_h), int(img_w),
                                                skip_empty=device.type == 'cpu')
                chunk = (chunk >= threshold).to(torch.bool) if threshold >= 0 else (chunk * 255).to(torch.uint8)
                im_mask[(inds,) + spatial] = chunk
        for i in range(n):
            cls_segms[labels[i]].append(im_mask[i].detach().cpu().numpy())
        return cls_segms


def _do_paste_mask(masks, boxes, img_h, img_w, skip_empty=True):
    """Resample (n, 1, h, w) RoI masks into the image region of their boxes with ``grid_sample``.

    With ``skip_empty`` only the region covering all boxes (plus a pixel) is computed; the slices of that region
    are returned so the caller can write it into the full canvas.
    """
    device = masks.device
    if skip_empty:
        x0_int, y0_int = torch.clamp(boxes.min(dim=0).values.floor()[:2] - 1, min=0).to(dtype=torch.int32)
        x1_int = torch.clamp(boxes[:, 2].max().ceil() + 1, max=img_w).to(dtype=torch.int32)
        y1_int = torch.clamp(boxes[:, 3].max().ceil() + 1, max=img_h).to(dtype=torch.int32)
    else:
        x0_int, y0_int, x1_int, y1_int = 0, 0, img_w, img_h
    x0, y0, x1, y1 = torch.split(boxes, 1, dim=1)
    n = masks.shape[0]
    img_y = torch.arange(int(y0_int), int(y1_int), device=device).to(torch.float32) + 0.5
    img_x = torch.arange(int(x0_int), int(x1_int), device=device).to(torch.float32) + 0.5
    img_y = (img_y - y0) / (y1 - y0) * 2 - 1
    img_x = (img_x - x0) / (x1 - x0) * 2 - 1
    # zero-size boxes give inf coordinates; grid_sample needs finite ones
    img_x = torch.where(torch.isinf(img_x), torch.zeros_like(img_x), img_x)
    img_y = torch.where(torch.isinf(img_y), torch.zeros_like(img_y), img_y)
    gx = img_x[:, None, :].expand(n, img_y.size(1), img_x.size(1))
    gy = img_y[:, :, None].expand(n, img_y.size(1), img_x.size(1))
    grid = torch.stack([gx, gy], dim=3)
    img_masks = F.grid_sample(masks.to(dtype=torch.float32), grid, align_corners=False)
    if skip_empty:
        return img_masks[:, 0], (slice(int(y0_int), int(y1_int)), slice(int(x0_int), int(x1_int)))
    return img_masks[:, 0], ()
