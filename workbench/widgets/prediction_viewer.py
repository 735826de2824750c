"""PredictionViewer: ground truth and predictions per image, with a score threshold, TP/FP/FN colouring and a
class filter."""
from __future__ import annotations

from typing import Optional, Sequence

import ipywidgets as W
import numpy as np

from workbench.visualization.image import draw_tp_fp_fn, figure_to_rgb, imshow_gt_det_bboxes

from .gallery import load_image_rgb, png_bytes

MODES = ('overlay', 'side by side', 'TP/FP/FN')


def filter_result_classes(result, keep_labels: Optional[Sequence[int]]):
    """Empty the class arrays of an mmdet-format result that are not in ``keep_labels`` (None keeps all)."""
    if keep_labels is None:
        return result
    bbox = result[0] if isinstance(result, tuple) else result
    filtered = [d if k in keep_labels else np.zeros((0, 5), dtype=np.float32) for k, d in enumerate(bbox)]
    return (filtered,) + tuple(result[1:]) if isinstance(result, tuple) else filtered


def render_prediction(img_rgb, annotation: dict, result, class_names, score_thr: float = 0.3,
                      mode: str = 'overlay', keep_labels: Optional[Sequence[int]] = None, iou_thr: float = 0.5):
    """One panel of the viewer as an RGB array (plain function; the widget only shows it)."""
    result = filter_result_classes(result, keep_labels)
    if keep_labels is not None:
        sel = np.isin(np.asarray(annotation['labels']), list(keep_labels))
        annotation = dict(bboxes=np.asarray(annotation['bboxes'])[sel], labels=np.asarray(annotation['labels'])[sel])
    if mode == 'TP/FP/FN':
        return figure_to_rgb(draw_tp_fp_fn(img_rgb, annotation, result, class_names, score_thr, iou_thr,
                                           channel_order='rgb'))
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    return imshow_gt_det_bboxes(img_rgb, annotation, result, class_names, score_thr=score_thr,
                                channel_order='rgb', overlay=mode == 'overlay')


def _results_from(model_or_results, dataset):
    if isinstance(model_or_results, (list, tuple)):
        if len(model_or_results) != len(dataset):
            raise ValueError(f'{len(model_or_results)} results for a dataset of {len(dataset)} images')
        return list(model_or_results)
    from workbench.apis import inference_detector
    return [inference_detector(model_or_results, load_image_rgb(dataset, i)[..., ::-1].copy())
            for i in range(len(dataset))]


class PredictionViewer(W.VBox):
    """Page through ``dataset`` with predictions from a model (run once on every image) or precomputed mmdet-format
    results. State: ``index``, ``panel`` (the RGB array shown)."""

    def __init__(self, model_or_results, dataset, score_thr: float = 0.3, class_names=None):
        self.dataset = dataset
        self.results = _results_from(model_or_results, dataset)
        self.class_names = list(class_names or getattr(dataset, 'CLASSES', None) or
                                [str(i) for i in range(len(self.results[0]))])
        self.score_slider = W.FloatSlider(value=score_thr, min=0, max=1, step=0.05, description='score_thr')
        self.mode = W.ToggleButtons(options=list(MODES), value='overlay')
        self.classes = W.SelectMultiple(options=self.class_names, description='classes', rows=4)
        self.slider = W.IntSlider(value=0, min=0, max=max(len(dataset) - 1, 0), description='image')
        self.image = W.Image(format='png')
        self.caption = W.HTML()
        self.panel = None
        for w in (self.score_slider, self.mode, self.classes, self.slider):
            w.observe(lambda _c: self.show(), names='value')
        super().__init__([W.HBox([self.slider, self.score_slider]), W.HBox([self.mode, self.classes]),
                          self.caption, self.image])
        self.show()

    @property
    def index(self) -> int:
        return self.slider.value

    def show(self):
        keep = [self.class_names.index(c) for c in self.classes.value] or None
        ann = self.dataset.get_ann_info(self.index)
        img = load_image_rgb(self.dataset, self.index)
        self.panel = render_prediction(img, ann, self.results[self.index], self.class_names,
                                       self.score_slider.value, self.mode.value, keep)
        self.image.value = png_bytes(self.panel)
        res = filter_result_classes(self.results[self.index], keep)
        res = res[0] if isinstance(res, tuple) else res
        n_det = int(sum((np.asarray(d)[:, 4] >= self.score_slider.value).sum() for d in res))
        self.caption.value = f'image #{self.index}: {len(ann["labels"])} GT, {n_det} detections ≥ {self.score_slider.value:.2f}'
