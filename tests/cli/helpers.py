"""A tiny shapes dataset and a tiny RetinaNet config for the CLI end-to-end tests."""
from __future__ import annotations

import os.path as osp

TINY_IMG_SCALE = (96, 72)


def make_tiny_config(tmp_dir, num_train: int = 8, num_val: int = 4) -> str:
    """Write the shapes dataset and a config derived from workbench::shapes/retinanet_r18_fpn_shapes.py (data paths,
    img_scale (96, 72), 1 epoch, batch 2, no workers, evaluation every epoch, log every iteration) into
    ``tmp_dir``; returns the config path."""
    from workbench.datasets.shapes import make_shapes

    tmp_dir = str(tmp_dir)
    paths = make_shapes(osp.join(tmp_dir, 'shapes'), num_train=num_train, num_val=num_val, img_size=(96, 72))
    text = f'''_base_ = 'workbench::shapes/retinanet_r18_fpn_shapes.py'
img_scale = {TINY_IMG_SCALE!r}
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', img_scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size_divisor=32),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiScaleFlipAug', img_scale=img_scale, flip=False,
         transforms=[dict(type='Resize', keep_ratio=True), dict(type='RandomFlip'),
                     dict(type='Normalize', **img_norm_cfg), dict(type='Pad', size_divisor=32),
                     dict(type='ImageToTensor', keys=['img']), dict(type='Collect', keys=['img'])]),
]
data = dict(
    samples_per_gpu=2,
    workers_per_gpu=0,
    train=dict(ann_file={paths['train_ann']!r}, img_prefix={paths['train_img_dir'] + '/'!r},
               pipeline=train_pipeline),
    val=dict(ann_file={paths['val_ann']!r}, img_prefix={paths['val_img_dir'] + '/'!r}, pipeline=test_pipeline),
    test=dict(ann_file={paths['val_ann']!r}, img_prefix={paths['val_img_dir'] + '/'!r}, pipeline=test_pipeline))
evaluation = dict(interval=1, metric='bbox')
runner = dict(type='EpochBasedRunner', max_epochs=1)
checkpoint_config = dict(interval=1)
lr_config = dict(policy='step', warmup='linear', warmup_iters=2, warmup_ratio=0.1, step=[1])
log_config = dict(interval=1, hooks=[dict(type='TextLoggerHook')])
'''
    path = osp.join(tmp_dir, 'tiny_retinanet_shapes.py')
    with open(path, 'w') as f:
        f.write(text)
    return path
