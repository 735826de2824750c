# RetinaNet R-101-FPN, 12 epochs on COCO (MMDetection 2.x values).
_base_ = './retinanet_r50_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))
