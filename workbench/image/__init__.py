"""Image operations with mmcv 1.x semantics (``mmcv.image``), OpenCV backend. Images are HWC, BGR by default."""
from .colorspace import (bgr2gray, bgr2hls, bgr2hsv, bgr2rgb, bgr2ycbcr, gray2bgr, gray2rgb, hls2bgr, hsv2bgr,
                         imconvert, rgb2bgr, rgb2gray, rgb2ycbcr, ycbcr2bgr, ycbcr2rgb)
from .geometric import (bbox_clip, bbox_scaling, cutout, imcrop, imflip, imflip_, impad, impad_to_multiple,
                        imrescale, imresize, imresize_like, imresize_to_multiple, imrotate, imshear, imtranslate,
                        rescale_size)
from .io import imfrombytes, imread, imwrite, use_backend
from .photometric import (adjust_brightness, adjust_color, adjust_contrast, imdenormalize, iminvert, imnormalize,
                          imnormalize_, posterize, solarize, tensor2imgs)

__all__ = [
    'imread', 'imfrombytes', 'imwrite', 'use_backend', 'imresize', 'imresize_like', 'imresize_to_multiple',
    'imrescale', 'rescale_size', 'imflip', 'imflip_', 'impad', 'impad_to_multiple', 'imrotate', 'imshear',
    'imtranslate', 'imcrop', 'bbox_clip', 'bbox_scaling', 'cutout', 'imnormalize', 'imnormalize_', 'imdenormalize',
    'bgr2gray', 'rgb2gray', 'gray2bgr', 'gray2rgb', 'bgr2rgb', 'rgb2bgr', 'bgr2hsv', 'hsv2bgr', 'bgr2hls', 'hls2bgr',
    'bgr2ycbcr', 'rgb2ycbcr', 'ycbcr2bgr', 'ycbcr2rgb', 'imconvert', 'adjust_brightness', 'adjust_contrast',
    'adjust_color', 'iminvert', 'solarize', 'posterize', 'tensor2imgs'
]
