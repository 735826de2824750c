import textwrap

import pytest
import torch.nn as nn

from workbench.config import Config
from workbench.registry import MODELS


@MODELS.register_module(name='EditorToyDet', force=True)
class EditorToyDet(nn.Module):
    """A toy detector for the ConfigEditor tests."""

    def __init__(self, backbone, width=8):
        super().__init__()
        self.backbone = MODELS.build(backbone)
        self.head = nn.Conv2d(self.backbone.out_channels, width, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


@MODELS.register_module(name='EditorToyBackbone', force=True)
class EditorToyBackbone(nn.Module):
    def __init__(self, out_channels=4, depth=1):
        super().__init__()
        self.out_channels = out_channels
        self.conv = nn.Conv2d(3, out_channels, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


@pytest.fixture
def config_files(tmp_path):
    (tmp_path / 'base.py').write_text(textwrap.dedent('''
        model = dict(type='EditorToyDet', backbone=dict(type='EditorToyBackbone', out_channels=4), width=8)
        optimizer = dict(type='SGD', lr=0.01)
        '''))
    (tmp_path / 'child.py').write_text(textwrap.dedent('''
        _base_ = './base.py'
        model = dict(width=16)
        '''))
    return tmp_path


def test_editor_validates_diffs_and_saves(config_files, tmp_path):
    from workbench.widgets import ConfigEditor
    ed = ConfigEditor(str(config_files / 'child.py'), input_shape=(3, 8, 8))
    assert ed.validation['ok']
    # conv 3->4 3x3 (+bias) and head 4->16 1x1 (+bias)
    assert ed.validation['params'] == (3 * 4 * 9 + 4) + (4 * 16 + 16)
    assert ed.validation['flops'] == 2 * 8 * 8 * (3 * 4 * 9 + 4 * 16)
    assert ed.diff == ''
    assert [f.split('/')[-1] for f in ed.original.base_chain] == ['base.py', 'child.py']
    # the type field offers the registry's names
    assert 'EditorToyBackbone' in ed.fields['model.backbone.type'].options

    ed.set('model.backbone.out_channels', 6)
    assert ed.cfg.model.backbone.out_channels == 6
    assert '+' in ed.diff and 'out_channels=6' in ed.diff.replace(' ', '')
    assert ed.validation['params'] == (3 * 6 * 9 + 6) + (6 * 16 + 16)

    # an unknown type: the error names the node
    ed.fields['model.backbone.type'].options = list(ed.fields['model.backbone.type'].options) + ['ResNt']
    ed.set('model.backbone.type', 'ResNt')
    assert not ed.validation['ok']
    assert ed.validation['error_path'] == 'model.backbone'
    assert 'ResNt' in ed.validation['error']
    ed.set('model.backbone.type', 'EditorToyBackbone')
    assert ed.validation['ok']

    out = tmp_path / 'saved.py'
    loaded = ed.save(str(out))
    assert loaded.to_dict() == ed.cfg.to_dict()
    assert Config.fromfile(str(out)).model.backbone.out_channels == 6


def test_invalid_literal_is_rejected(config_files):
    from workbench.widgets import ConfigEditor
    ed = ConfigEditor(str(config_files / 'child.py'), validate=False)
    before = ed.cfg.to_dict()
    ed._on_edit('model.width', 'not a number')
    assert 'rejected' in ed.status.value and ed.cfg.to_dict() == before


def test_leaves_table_origins(config_files):
    from workbench.config.inspect import leaves_table, registry_for_key
    from workbench.registry import BBOX_ASSIGNERS, PIPELINES
    cfg = Config.fromfile(str(config_files / 'child.py'))
    table = leaves_table(cfg).set_index('key')
    assert table.loc['model.width', 'origin'].endswith('child.py')
    assert table.loc['optimizer.lr', 'origin'].endswith('base.py')
    assert registry_for_key('model.train_cfg.rcnn.assigner.type') is BBOX_ASSIGNERS
    assert registry_for_key('data.train.pipeline.3.type') is PIPELINES
