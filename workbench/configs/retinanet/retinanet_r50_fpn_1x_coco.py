# RetinaNet R-50-FPN, 12 epochs on COCO (MMDetection 2.x values).
_base_ = [
    '../_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
# optimizer: half the two-stage lr (single-stage detectors diverge at 0.02)
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
