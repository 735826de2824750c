from workbench.registry import IOU_CALCULATORS, build_from_cfg


def build_iou_calculator(cfg, default_args=None):
    """Build an IoU calculator (e.g. ``dict(type='BboxOverlaps2D')``) from ``IOU_CALCULATORS``."""
    return build_from_cfg(cfg, IOU_CALCULATORS, default_args)
