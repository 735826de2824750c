# Runtime settings shared by all methods (MMDetection 2.x values).
checkpoint_config = dict(interval=1)
log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook')])
custom_hooks = [dict(type='NumClassCheckHook')]
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
opencv_num_threads = 0
mp_start_method = 'fork'
# the learning rates in the configs assume 8 GPUs x 2 images; enable=True rescales lr to the actual batch size
auto_scale_lr = dict(enable=False, base_batch_size=16)
