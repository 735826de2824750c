# RetinaNet with a half-width ResNet-18 on the synthetic shapes dataset (datasets/make_shapes.py), sized to train
# from scratch on 2 CPU cores in a few minutes. This is the README's main job (300 training images of 160x120, 40
# epochs: bbox mAP@0.5 above 0.9 on the validation split; see docs/benchmarks.md for the measured run).
_base_ = ['../_base_/default_runtime.py']

classes = ('rect', 'ellipse', 'triangle', 'cross')
data_root = 'data/shapes/'
img_scale = (160, 120)

model = dict(
    type='RetinaNet',
    backbone=dict(
        type='ResNet', depth=18, base_channels=32, num_stages=4, out_indices=(1, 2, 3), frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, style='pytorch', init_cfg=None),
    neck=dict(type='FPN', in_channels=[64, 128, 256], out_channels=64, start_level=0, add_extra_convs=False,
              num_outs=3),
    bbox_head=dict(
        type='RetinaHead', num_classes=len(classes), in_channels=64, stacked_convs=2, feat_channels=64,
        anchor_generator=dict(type='AnchorGenerator', octave_base_scale=3, scales_per_octave=3,
                              ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0], target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0, ignore_iof_thr=-1),
        allowed_border=-1, pos_weight=-1, debug=False),
    test_cfg=dict(nms_pre=1000, min_bbox_size=0, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5),
                  max_per_img=100))

dataset_type = 'CocoDataset'
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
    samples_per_gpu=8,
    workers_per_gpu=0,  # 2-core machines: decoding in the main process beats a competing worker
    train=dict(type=dataset_type, classes=classes, ann_file=data_root + 'annotations/instances_train.json',
               img_prefix=data_root + 'train/', pipeline=train_pipeline),
    val=dict(type=dataset_type, classes=classes, ann_file=data_root + 'annotations/instances_val.json',
             img_prefix=data_root + 'val/', pipeline=test_pipeline),
    test=dict(type=dataset_type, classes=classes, ann_file=data_root + 'annotations/instances_val.json',
              img_prefix=data_root + 'val/', pipeline=test_pipeline))
evaluation = dict(interval=40, metric='bbox')

# from scratch with a small batch: AdamW converges much faster than the usual SGD recipe
optimizer = dict(type='AdamW', lr=2e-3, weight_decay=1e-4)
optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=100, warmup_ratio=0.01, step=[30, 37])
runner = dict(type='EpochBasedRunner', max_epochs=40)
checkpoint_config = dict(interval=40)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook')])
