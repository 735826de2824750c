"""DatasetBrowser: page through a dataset's images with GT, filter them, see statistics, and see what the training
pipeline makes of an image."""
from __future__ import annotations

from typing import Optional

import ipywidgets as W

from workbench.analysis.dataset_stats import dataset_statistics, plot_dataset_statistics
from workbench.visualization.dataset_view import draw_sample, filter_image_indices, pipeline_sample, raw_sample

from .gallery import figure_png, png_bytes


def _dataset_from(dataset_or_config, split: str):
    """A dataset object, or one built from a Config / config path (its ``data.<split>``)."""
    if hasattr(dataset_or_config, 'get_ann_info'):
        return dataset_or_config
    from workbench.config import Config
    from workbench.datasets import build_dataset

    cfg = dataset_or_config if isinstance(dataset_or_config, Config) else Config.fromfile(str(dataset_or_config))
    return build_dataset(cfg.data[split])


class DatasetBrowser(W.VBox):
    """Browse ``dataset_or_config`` (a dataset, a Config, or a config path; ``split`` picks ``data.train`` etc.).

    State for tests and scripting: ``indices`` (the filtered image indices), ``position`` (index into them),
    ``current_sample`` (the dict that is drawn), ``stats`` (the statistics tables).
    """

    def __init__(self, dataset_or_config, split: str = 'train', max_size: int = 640):
        self.dataset = _dataset_from(dataset_or_config, split)
        self.class_names = list(getattr(self.dataset, 'CLASSES', None) or [])
        self.stats = dataset_statistics(self.dataset)
        self.max_size = max_size
        boxes = self.stats['boxes']
        max_objects = int(self.stats['boxes_per_image'].boxes.max()) if len(self.dataset) else 0
        max_box = float(boxes.sqrt_area.max()) if len(boxes) else 1.0
        self.class_filter = W.SelectMultiple(options=self.class_names, description='classes', rows=4)
        self.objects_filter = W.IntRangeSlider(value=(0, max_objects), min=0, max=max(max_objects, 1),
                                               description='# objects')
        self.size_filter = W.FloatRangeSlider(value=(0, max_box), min=0, max=max(max_box, 1.0), step=1,
                                              description='box size', tooltip='sqrt(area) in pixels')
        self.pipeline_toggle = W.ToggleButton(value=False, description='after training pipeline',
                                              tooltip='show exactly what the model receives')
        self.resample = W.Button(description='re-sample', icon='refresh', tooltip='draw new random augmentations')
        self.prev_btn, self.next_btn = W.Button(description='◀ prev'), W.Button(description='next ▶')
        self.slider = W.IntSlider(value=0, min=0, max=max(len(self.dataset) - 1, 0), description='image')
        self.show_masks = W.Checkbox(value=True, description='masks')
        self.image = W.Image(format='png')
        self.caption = W.HTML()
        self.stats_image = W.Image(format='png')
        self.indices = list(range(len(self.dataset)))
        self.current_sample = None

        for w in (self.class_filter, self.objects_filter, self.size_filter):
            w.observe(lambda _c: self.apply_filters(), names='value')
        for w in (self.slider, self.pipeline_toggle, self.show_masks):
            w.observe(lambda _c: self.show(), names='value')
        self.resample.on_click(lambda _b: self.show())
        self.prev_btn.on_click(lambda _b: self.step(-1))
        self.next_btn.on_click(lambda _b: self.step(1))

        fig = plot_dataset_statistics(self.stats)
        self.stats_image.value = figure_png(fig)
        import matplotlib.pyplot as plt
        plt.close(fig)
        browse = W.VBox([
            W.HBox([self.class_filter, W.VBox([self.objects_filter, self.size_filter])]),
            W.HBox([self.prev_btn, self.slider, self.next_btn, self.pipeline_toggle, self.resample,
                    self.show_masks]),
            self.caption, self.image])
        tabs = W.Tab([browse, W.VBox([self.stats_image])])
        tabs.set_title(0, 'images')
        tabs.set_title(1, 'statistics')
        super().__init__([tabs])
        self.show()

    @property
    def position(self) -> int:
        return self.slider.value

    @property
    def current_index(self) -> Optional[int]:
        return self.indices[self.position] if self.indices else None

    def apply_filters(self):
        lo, hi = self.objects_filter.value
        smin, smax = self.size_filter.value
        full_size = (smin <= 0 and smax >= self.size_filter.max)
        self.indices = filter_image_indices(
            self.stats['boxes'], len(self.dataset), classes=list(self.class_filter.value) or None, min_objects=lo,
            max_objects=hi, min_box_size=0 if full_size else smin, max_box_size=None if full_size else smax)
        self.slider.max = max(len(self.indices) - 1, 0)
        self.slider.value = 0
        self.show()

    def step(self, delta: int):
        if self.indices:
            self.slider.value = (self.slider.value + delta) % len(self.indices)

    def show(self):
        if not self.indices:
            self.current_sample = None
            self.caption.value = '<i>no image matches the filters</i>'
            self.image.value = b''
            return
        idx = self.current_index
        sample = pipeline_sample(self.dataset, idx) if self.pipeline_toggle.value else raw_sample(self.dataset, idx)
        self.current_sample = sample
        rgb = draw_sample(sample, self.class_names, show_masks=self.show_masks.value)
        self.image.value = png_bytes(rgb)
        h, w = sample['img'].shape[:2]
        name = sample['meta'].get('ori_filename', sample['meta'].get('filename', ''))
        view = 'after the training pipeline' if self.pipeline_toggle.value else 'original'
        self.caption.value = (f'<b>{self.position + 1}/{len(self.indices)}</b> image #{idx} {name} — {view}, '
                              f'{w}x{h}, {len(sample["bboxes"])} boxes')
