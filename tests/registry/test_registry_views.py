"""Listing and querying registries; the root registries and their mmdet aliases; to_dataframe."""
import pytest

import workbench.registry as R
from workbench.registry import Registry, get_registry, list_registries


@pytest.fixture
def reg():
    reg = Registry('model', scope='views')

    @reg.register_module(name=['FasterRCNN', 'faster'])
    class FasterRCNN:
        """Faster R-CNN detector.

        More text."""

        def __init__(self, backbone, neck=None):
            pass

    @reg.register_module()
    class MaskRCNN:
        pass

    @reg.register_module()
    def build_thing(a: int = 1):
        return a

    return reg


def test_list_filter_and_query(reg):
    assert reg.list() == ['FasterRCNN', 'MaskRCNN', 'build_thing', 'faster']
    assert reg.list('rcnn') == ['FasterRCNN', 'MaskRCNN']           # substring, case-insensitive
    assert reg.list('*RCNN') == ['FasterRCNN', 'MaskRCNN']          # shell pattern, case-sensitive
    assert reg.list('*rcnn') == []
    assert reg.query('mask') == ['MaskRCNN']
    assert reg.query('MaskRCN') == ['MaskRCNN']
    assert reg.query('MaskRNN') == ['MaskRCNN']                      # no substring: closest names
    assert [n for n, _ in reg.items()] == reg.list()


def test_list_include_parents():
    parent = Registry('model', scope='p')
    child = Registry('model', parent=parent, scope='c')
    parent.register_module(module=type('InParent', (), {}))
    child.register_module(module=type('InChild', (), {}))
    assert child.list() == ['InChild']
    assert child.list(include_parents=True) == ['InChild', 'InParent']


def test_to_dataframe(reg):
    df = reg.to_dataframe()
    assert list(df.columns) == ['name', 'kind', 'module', 'summary', 'signature']
    row = df.set_index('name').loc['FasterRCNN']
    assert row.kind == 'class' and row.summary == 'Faster R-CNN detector.'
    assert row.signature == '(backbone, neck=None)' and row.module == __name__
    assert df.set_index('name').loc['build_thing'].kind == 'function'
    assert len(df) == 4


def test_root_registries_and_mmdet_aliases():
    assert R.BACKBONES is R.MODELS and R.NECKS is R.MODELS and R.HEADS is R.MODELS and R.LOSSES is R.MODELS
    assert R.DETECTORS is R.MODELS and R.ROI_EXTRACTORS is R.MODELS and R.SHARED_HEADS is R.MODELS
    assert R.ANCHOR_GENERATORS is R.PRIOR_GENERATORS and R.TRANSFORMS is R.PIPELINES
    for name in ['MODELS', 'DATASETS', 'PIPELINES', 'HOOKS', 'OPTIMIZERS', 'OPTIMIZER_BUILDERS', 'RUNNERS',
                 'PRIOR_GENERATORS', 'BBOX_CODERS', 'BBOX_ASSIGNERS', 'BBOX_SAMPLERS', 'IOU_CALCULATORS',
                 'MATCH_COST', 'CONV_LAYERS', 'NORM_LAYERS', 'ACTIVATION_LAYERS', 'UPSAMPLE_LAYERS',
                 'PADDING_LAYERS', 'PLUGIN_LAYERS', 'INITIALIZERS']:
        assert isinstance(getattr(R, name), Registry), name
    assert R.MODELS.name == 'model' and R.MODELS.scope == 'workbench'


def test_list_registries_and_get_registry():
    names = list_registries()
    assert 'model' in names and 'bbox coder' in names and names == sorted(names)
    assert list_registries('bbox') == ['bbox assigner', 'bbox coder', 'bbox sampler']
    assert get_registry('model') is R.MODELS and get_registry('bbox_coder') is R.BBOX_CODERS
    with pytest.raises(KeyError, match="no registry named 'modle'; the registries are: activation layer"):
        get_registry('modle')
