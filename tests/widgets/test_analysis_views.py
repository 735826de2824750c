import numpy as np

from tests.widgets.helpers import InMemoryDataset, results
from workbench.widgets.analysis_views import CompareRuns, ConfusionMatrixView, ErrorExplorer


def test_confusion_matrix_view_cells_and_sliders():
    view = ConfusionMatrixView(results(), InMemoryDataset(), score_thr=0.3)
    # the dog in image 1 is confused (dog->cat) and therefore also missed (dog->background)
    np.testing.assert_array_equal(view.matrix.counts, [[1, 0, 0], [1, 2, 1], [0, 1, 0]])
    # 1 header row + 3 rows, each with a label and 3 cells
    assert len(view.grid.children) == 4 * 4
    view.select_cell(1, 0)  # GT dog predicted cat
    assert list(view.selected_instances.image_index) == [1]
    assert len(view.gallery.children) == 1
    assert 'GT dog' in view.gallery_title.value
    # clicking a button does the same as select_cell
    background_fp_button = view.grid.children[4 * 3 + 2]
    background_fp_button.click()
    assert view.selected_cell == (2, 1) and list(view.selected_instances.image_index) == [2]
    # raising the score threshold drops the duplicate (0.4) and the selection is refreshed
    view.score_slider.value = 0.5
    assert view.matrix.counts[1, 1] == 1
    assert view.selected_cell == (2, 1)
    view.mode.value = 'row-normalised'
    assert view.grid.children[4 + 1].description == '100%'  # cell (cat, cat)


def test_error_explorer_filters_instances():
    view = ErrorExplorer(results(), InMemoryDataset())
    assert set(view.analysis.instances.error_type) == {'duplicate', 'classification', 'background'}
    view.error_type.value = 'classification'
    assert len(view.selected_instances) == 1
    assert 'predicted' in view.selected_instances.reason[0]
    assert len(view.gallery.children) == 1
    view.class_filter.value = 'dog'
    assert len(view.selected_instances) == 0
    view.per_class.value = True
    assert view.chart.value[:4] == b'\x89PNG'


def test_compare_runs(tmp_path):
    import json
    files = []
    for run, final in (('a', 0.3), ('b', 0.5)):
        p = tmp_path / f'{run}.log.json'
        lines = [dict(mode='train', epoch=1, iter=i, loss=1.0 / i, lr=0.01, time=0.1) for i in (1, 2)]
        lines.append(dict(mode='val', epoch=1, iter=2, bbox_mAP=final))
        p.write_text('\n'.join(json.dumps(x) for x in lines))
        files.append(str(p))
    view = CompareRuns(files, keys=['loss'])
    table = view.final_metrics()
    assert list(table.bbox_mAP) == [0.3, 0.5]
    view.key_select.value = ('loss', 'lr')
    assert view.chart.value[:4] == b'\x89PNG'
