"""Drawing detections, ground truth and masks with matplotlib (figures or RGB arrays; never a window)."""
from .image import draw_instances, draw_tp_fp_fn, figure_to_rgb, imshow_det_bboxes, imshow_gt_det_bboxes
from .palette import get_palette

__all__ = ['imshow_det_bboxes', 'imshow_gt_det_bboxes', 'draw_instances', 'draw_tp_fp_fn', 'figure_to_rgb',
           'get_palette']
