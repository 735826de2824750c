"""Notebook views over the analysis functions: confusion matrix with cell galleries, TIDE error explorer, run
comparison. Every number a view shows comes from a function in :mod:`workbench.analysis`; the views hold the
current state (``matrix``, ``selected_instances``, ``analysis``, ...) so tests can drive them from Python."""
from __future__ import annotations

from typing import Optional, Sequence

import ipywidgets as W

from workbench.analysis import (confusion_matrix, error_analysis, load_json_logs, plot_confusion_matrix, plot_curve,
                                plot_error_analysis)
from workbench.analysis.inputs import get_annotations

from .gallery import figure_png, gallery_items, png_bytes


def _gallery_box(thumbs, columns: int = 6) -> W.GridBox:
    images = [W.Image(value=png_bytes(t), format='png', layout=W.Layout(width='auto')) for t in thumbs]
    return W.GridBox(images, layout=W.Layout(grid_template_columns=f'repeat({columns}, 170px)', grid_gap='4px'))


def _close_figure(fig):
    import matplotlib.pyplot as plt
    plt.close(fig)


class ConfusionMatrixView(W.VBox):
    """The detection confusion matrix as a grid of clickable cells, with thresholds as sliders.

    Rows are ground-truth classes, columns predicted classes; the last row ('background') holds detections with no
    GT (false positives), the last column GT that was not detected (misses). Clicking a cell shows the instances
    that fell in it.
    """

    def __init__(self, results, dataset, class_names: Optional[Sequence[str]] = None, score_thr: float = 0.3,
                 tp_iou_thr: float = 0.5, gallery_limit: int = 24):
        self.results, self.dataset = results, dataset
        self.class_names = class_names
        self.annotations = get_annotations(dataset)
        self.gallery_limit = gallery_limit
        self.score_slider = W.FloatSlider(value=score_thr, min=0, max=1, step=0.05, description='score_thr')
        self.iou_slider = W.FloatSlider(value=tp_iou_thr, min=0.05, max=0.95, step=0.05, description='tp_iou_thr')
        self.mode = W.ToggleButtons(options=['counts', 'row-normalised'], value='counts')
        self.grid = W.GridBox()
        self.figure_out = W.Image(format='png')
        self.gallery_title = W.HTML()
        self.gallery = W.GridBox()
        self.matrix = None
        self.selected_cell = None
        self.selected_instances = None
        for w in (self.score_slider, self.iou_slider, self.mode):
            w.observe(lambda _change: self.refresh(), names='value')
        super().__init__([W.HBox([self.score_slider, self.iou_slider, self.mode]), self.grid, self.figure_out,
                          self.gallery_title, self.gallery])
        self.refresh()

    def refresh(self):
        self.matrix = confusion_matrix(self.results, self.dataset, self.class_names,
                                       score_thr=self.score_slider.value, tp_iou_thr=self.iou_slider.value)
        normalise = self.mode.value == 'row-normalised'
        data = self.matrix.normalized() if normalise else self.matrix.counts
        labels = self.matrix.labels
        n = len(labels)
        cells = [W.HTML('<b>GT \\ pred</b>')] + [W.HTML(f'<b>{lbl}</b>') for lbl in labels]
        for r in range(n):
            cells.append(W.HTML(f'<b>{labels[r]}</b>'))
            for c in range(n):
                text = f'{100 * data[r, c]:.0f}%' if normalise else str(int(data[r, c]))
                btn = W.Button(description=text, tooltip=f'GT {labels[r]} / predicted {labels[c]}',
                               layout=W.Layout(width='70px'),
                               button_style='success' if r == c else ('warning' if data[r, c] else ''))
                btn.on_click(lambda _b, r=r, c=c: self.select_cell(r, c))
                cells.append(btn)
        self.grid.children = cells
        self.grid.layout = W.Layout(grid_template_columns=f'110px repeat({n}, 74px)')
        fig = plot_confusion_matrix(self.matrix, normalize=normalise)
        self.figure_out.value = figure_png(fig)
        _close_figure(fig)
        if self.selected_cell is not None:
            self.select_cell(*self.selected_cell)

    def select_cell(self, row: int, col: int):
        """Show the instances of one cell (row: GT class index, col: predicted class index; last = background)."""
        self.selected_cell = (row, col)
        self.selected_instances = self.matrix.instances(row, col)
        labels = self.matrix.labels
        self.gallery_title.value = (f'<b>GT {labels[row]} → predicted {labels[col]}</b>: '
                                    f'{len(self.selected_instances)} instance(s)')
        thumbs = gallery_items(self.results, self.dataset, self.annotations, self.selected_instances,
                               self.gallery_limit)
        self.gallery.children = _gallery_box(thumbs).children
        self.gallery.layout = W.Layout(grid_template_columns='repeat(6, 170px)', grid_gap='4px')


class ErrorExplorer(W.VBox):
    """TIDE-style ΔAP per error type (overall or per class); choosing an error type shows its instances, each with
    the reason it was given that type."""

    def __init__(self, results, dataset, class_names: Optional[Sequence[str]] = None, pos_thr: float = 0.5,
                 bg_thr: float = 0.1, gallery_limit: int = 24):
        self.results, self.dataset = results, dataset
        self.annotations = get_annotations(dataset)
        self.gallery_limit = gallery_limit
        self.analysis = error_analysis(results, dataset, class_names, pos_thr, bg_thr)
        names = self.analysis.class_names
        self.per_class = W.Checkbox(value=False, description='per class')
        self.error_type = W.Dropdown(options=list(self.analysis.delta_ap.index), description='error type')
        self.class_filter = W.Dropdown(options=['all'] + list(names), value='all', description='class')
        self.chart = W.Image(format='png')
        self.table = W.HTML()
        self.gallery = W.GridBox()
        self.selected_instances = None
        self.per_class.observe(lambda _c: self._draw_chart(), names='value')
        for w in (self.error_type, self.class_filter):
            w.observe(lambda _c: self.show_instances(), names='value')
        super().__init__([W.HTML(f'<b>mAP@{pos_thr}</b> = {self.analysis.map:.1f}'), self.per_class, self.chart,
                          W.HBox([self.error_type, self.class_filter]), self.table, self.gallery])
        self._draw_chart()
        self.show_instances()

    def _draw_chart(self):
        fig = plot_error_analysis(self.analysis, per_class=self.per_class.value)
        self.chart.value = figure_png(fig)
        _close_figure(fig)

    def show_instances(self):
        inst = self.analysis.instances
        sel = inst[inst.error_type == self.error_type.value]
        if self.class_filter.value != 'all':
            k = self.analysis.class_names.index(self.class_filter.value)
            label_col = 'gt_label' if self.error_type.value == 'missed' else 'det_label'
            sel = sel[sel[label_col] == k]
        self.selected_instances = sel.reset_index(drop=True)
        self.table.value = self.selected_instances.drop(columns=['det_label', 'gt_label']).head(
            self.gallery_limit).to_html(index=False, float_format='%.2f')
        thumbs = gallery_items(self.results, self.dataset, self.annotations, self.selected_instances,
                               self.gallery_limit, caption_key='reason')
        self.gallery.children = _gallery_box(thumbs).children
        self.gallery.layout = W.Layout(grid_template_columns='repeat(6, 170px)', grid_gap='4px')


class CompareRuns(W.VBox):
    """Curves of several training runs (from their ``log.json``) and a table of their final metrics."""

    def __init__(self, log_files: Sequence[str], run_names: Optional[Sequence[str]] = None,
                 keys: Sequence[str] = ('loss',)):
        self.logs = load_json_logs(list(log_files), run_names)
        numeric = [c for c in self.logs.columns if c not in ('run', 'mode', 'epoch', 'iter', 'step')
                   and self.logs[c].dtype.kind in 'fi']
        self.key_select = W.SelectMultiple(options=numeric, value=[k for k in keys if k in numeric] or numeric[:1],
                                     description='keys')
        self.smooth = W.IntSlider(value=1, min=1, max=50, description='smooth')
        self.chart = W.Image(format='png')
        self.table = W.HTML()
        self.key_select.observe(lambda _c: self.refresh(), names='value')
        self.smooth.observe(lambda _c: self.refresh(), names='value')
        super().__init__([W.HBox([self.key_select, self.smooth]), self.chart, self.table])
        self.refresh()

    def final_metrics(self):
        """Last evaluation record (or last train record if a run never evaluated) per run."""
        rows = []
        for run, sub in self.logs.groupby('run', sort=False):
            val = sub[sub['mode'] != 'train']
            last = (val if len(val) else sub).iloc[-1]
            rows.append(last.dropna())
        import pandas as pd
        return pd.DataFrame(rows).reset_index(drop=True)

    def refresh(self):
        if self.key_select.value:
            fig = plot_curve(self.logs, keys=list(self.key_select.value), smooth=self.smooth.value)
            self.chart.value = figure_png(fig)
            _close_figure(fig)
        self.table.value = self.final_metrics().to_html(index=False, float_format='%.4f')
