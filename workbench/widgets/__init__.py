"""ipywidgets views for notebooks. Each is a thin layer over plain functions in :mod:`workbench.analysis`,
:mod:`workbench.visualization` and friends, and keeps its state in attributes so it can be tested without a
browser."""
from .analysis_views import CompareRuns, ConfusionMatrixView, ErrorExplorer
from .dataset_browser import DatasetBrowser
from .config_editor import ConfigEditor
from .prediction_viewer import PredictionViewer
from .training_monitor import TrainingMonitor

__all__ = ['ConfusionMatrixView', 'ErrorExplorer', 'CompareRuns', 'DatasetBrowser', 'PredictionViewer', 'ConfigEditor', 'TrainingMonitor']
