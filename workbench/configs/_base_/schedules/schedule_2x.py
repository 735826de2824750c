# 24 epochs of SGD; the learning rate drops 10x after epochs 16, 22 (MMDetection 2.x values).
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=[16, 22])
runner = dict(type='EpochBasedRunner', max_epochs=24)
