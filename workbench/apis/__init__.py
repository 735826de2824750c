"""High-level APIs with MMDetection 2.x names."""
from .inference import (async_inference_detector, inference_detector, init_detector, replace_ImageToTensor,
                        replace_image_to_tensor, show_result_pyplot)
from .quick import QuickModel, quick_model, shapes_config, predict_dataset
from .train import auto_scale_lr, init_random_seed, set_random_seed, train_detector
from workbench.engine import multi_gpu_test, single_gpu_test

__all__ = ['init_detector', 'inference_detector', 'async_inference_detector', 'show_result_pyplot',
           'train_detector', 'set_random_seed', 'init_random_seed', 'auto_scale_lr', 'single_gpu_test',
           'multi_gpu_test', 'replace_ImageToTensor', 'replace_image_to_tensor', 'quick_model', 'QuickModel',
           'shapes_config', 'predict_dataset']
