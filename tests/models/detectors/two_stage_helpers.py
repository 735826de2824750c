"""Small two-stage models for tests that have no golden fixture of their own."""
import torch

NUM_CLASSES = 4


def build_small_cascade_mask_rcnn(num_classes=NUM_CLASSES):
    """No golden Cascade Mask R-CNN exists: the packaged config shrunk as the golden models are (ResNet-18 with 16
    base channels, FPN 32 channels, 4 classes, test score_thr 0, at most 30 detections), random weights (seed 0)."""
    from workbench.config import Config
    from workbench.models import build_detector
    cfg = Config.fromfile('workbench::cascade_rcnn/cascade_mask_rcnn_r50_fpn_1x_coco.py')
    cfg.merge_from_dict({
        'model.backbone': dict(depth=18, base_channels=16, init_cfg=None),
        'model.neck.in_channels': [16, 32, 64, 128], 'model.neck.out_channels': 32,
        'model.rpn_head': dict(in_channels=32, feat_channels=32),
        'model.roi_head.bbox_roi_extractor.out_channels': 32,
        'model.roi_head.mask_roi_extractor.out_channels': 32,
        'model.roi_head.mask_head': dict(in_channels=32, conv_out_channels=32, num_classes=num_classes),
        'model.test_cfg.rcnn': dict(score_thr=0.0, max_per_img=30),
    })
    for head in cfg.model.roi_head.bbox_head:
        head.update(in_channels=32, fc_out_channels=64, num_classes=num_classes)
    torch.manual_seed(0)
    model = build_detector(cfg.model)
    model.init_weights()
    return model
