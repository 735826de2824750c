"""_base_ inheritance beyond the doc examples: nesting, folders, mixed formats, references, custom_imports."""
import json
import sys

import pytest

from workbench.config import Config


def test_nested_bases_in_other_folders_merge_recursively(write):
    write('_base_/models/net.py', "model = dict(type='Net', backbone=dict(depth=50, frozen=1), neck=dict(n=5))\n")
    write('_base_/sched.py', "optimizer = dict(type='SGD', lr=0.02)\n")
    write('method/net_base.py', """
        _base_ = ['../_base_/models/net.py', '../_base_/sched.py']
        model = dict(backbone=dict(depth=101))
    """)
    path = write('method/net_small.py', """
        _base_ = './net_base.py'
        model = dict(neck=dict(n=3))
        optimizer = dict(lr=0.01)
    """)
    cfg = Config.fromfile(path)
    assert cfg.to_dict() == dict(model=dict(type='Net', backbone=dict(depth=101, frozen=1), neck=dict(n=3)),
                                 optimizer=dict(type='SGD', lr=0.01))


def test_mixed_formats(write):
    write('a.json', json.dumps({'a': 1, 'b': {'b1': [0, 1, 2], 'b2': None}}))
    write('c.yaml', """
        c: [1, 2]
        d: string
    """)
    path = write('child.py', """
        _base_ = ['./a.json', './c.yaml']
        b = dict(b2=1)
    """)
    assert Config.fromfile(path).to_dict() == dict(a=1, b=dict(b1=[0, 1, 2], b2=1), c=[1, 2], d='string')


def test_yaml_and_json_children_with_bases_and_references(write):
    write('base.py', "item1 = 'a'\nitem2 = dict(item3=[1, 2])\n")
    y = write('child.yaml', """
        _base_: ./base.py
        item: {a: '{{ _base_.item1 }}', b: {{ _base_.item2.item3 }}}
    """)
    j = write('child.json', '{"_base_": ["./base.py"], "item": {"a": {{ _base_.item1 }}, "b": {{_base_.item2}}}}')
    assert Config.fromfile(y).item == {'a': 'a', 'b': [1, 2]}
    assert Config.fromfile(j).item == {'a': 'a', 'b': {'item3': [1, 2]}}


def test_reference_to_list_and_dict_values_and_inside_lists(write):
    write('base.py', """
        norm_cfg = dict(type='BN', requires_grad=True)
        scales = [8, 16]
        pipeline = [dict(type='Load'), dict(type='Flip', ratio=0.5)]
    """)
    path = write('child.py', """
        _base_ = './base.py'
        model = dict(norm={{ _base_.norm_cfg }}, s={{ _base_.scales }},
                     steps=[{{ _base_.pipeline.1 }}, {{_base_.norm_cfg.type}}])
    """)
    cfg = Config.fromfile(path)
    assert cfg.model.norm == dict(type='BN', requires_grad=True)
    assert cfg.model.s == [8, 16]
    assert cfg.model.steps == [dict(type='Flip', ratio=0.5), 'BN']
    assert cfg.model.norm.type == 'BN'  # substituted dicts are ConfigDicts too
    cfg.model.norm.type = 'GN'
    assert cfg.norm_cfg.type == 'BN'  # and copies: editing one place does not edit the other


def test_delete_replaces_nested_dict_and_is_never_kept(write):
    write('base.py', "model = dict(backbone=dict(type='ResNet', depth=50, norm=dict(type='BN')))\n")
    path = write('child.py', """
        _base_ = './base.py'
        model = dict(backbone=dict(_delete_=True, type='HRNet', extra=dict(stage=1)), neck=dict(_delete_=True, n=1))
    """)
    cfg = Config.fromfile(path)
    assert cfg.to_dict() == dict(model=dict(backbone=dict(type='HRNet', extra=dict(stage=1)), neck=dict(n=1)))


def test_child_non_dict_replaces_base_dict(write):
    write('base.py', "a = dict(x=1)\nb = [1, 2]\n")
    path = write('child.py', "_base_ = './base.py'\na = None\nb = [3]\n")
    assert Config.fromfile(path).to_dict() == dict(a=None, b=[3])


def test_base_key_order_is_base_first(write):
    write('base.py', "z = 1\ny = 2\n")
    path = write('child.py', "_base_ = './base.py'\na = 0\ny = 3\n")
    assert list(Config.fromfile(path)) == ['z', 'y', 'a']


def test_py_config_may_import_and_compute(write):
    path = write('c.py', """
        import os.path as osp
        def helper(n):
            return n * 2
        root = osp.join('data', 'coco')
        n = helper(4)
    """)
    assert Config.fromfile(path).to_dict() == dict(root='data/coco', n=8)


def test_custom_imports_runs_registration(write, tmp_path, monkeypatch):
    (tmp_path / 'my_plugin_mod.py').write_text('IMPORTED = True\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write('c.py', "custom_imports = dict(imports=['my_plugin_mod'], allow_failed_imports=False)\n")
    Config.fromfile(path)
    assert sys.modules['my_plugin_mod'].IMPORTED
    monkeypatch.delitem(sys.modules, 'my_plugin_mod')


def test_custom_imports_failure_names_module(write):
    path = write('c.py', "custom_imports = dict(imports=['no_such_module_xyz'], allow_failed_imports=False)\n")
    with pytest.raises(ImportError, match="no_such_module_xyz"):
        Config.fromfile(path)
    ok = write('d.py', "custom_imports = dict(imports=['no_such_module_xyz'], allow_failed_imports=True)\n")
    with pytest.warns(UserWarning, match='no_such_module_xyz'):
        Config.fromfile(ok)
    assert Config.fromfile(ok, import_custom_modules=False).custom_imports.imports == ['no_such_module_xyz']


def test_fromstring_all_formats(write, monkeypatch, tmp_path):
    assert Config.fromstring("a = 1\nb = dict(c=(1, 2))\n", 'py').to_dict() == dict(a=1, b=dict(c=(1, 2)))
    assert Config.fromstring('{"a": 1}', '.json').a == 1
    assert Config.fromstring('a: [1, 2]\n', 'yaml').a == [1, 2]
    assert Config.fromstring('a: 1\n', 'yml').filename is None
    write('base.py', 'x = 1\n')
    monkeypatch.chdir(tmp_path)
    assert Config.fromstring("_base_ = './base.py'\ny = 2\n", 'py').to_dict() == dict(x=1, y=2)


def test_fromfile_accepts_pathlib(write):
    from pathlib import Path
    assert Config.fromfile(Path(write('a.py', 'a = 1\n'))).a == 1


def test_attribute_and_item_access_and_setting():
    cfg = Config(dict(model=dict(backbone=dict(depth=50)), lst=[dict(a=1)]))
    cfg.model.backbone.depth = 101
    cfg['new'] = dict(x=1)
    cfg.other = dict(y=dict(z=2))
    assert cfg.model['backbone'].depth == 101
    assert cfg.new.x == 1 and cfg.other.y.z == 2
    assert cfg.lst[0].a == 1  # dicts inside lists get attribute access too
    assert 'new' in cfg and len(cfg) == 4 and set(cfg) == {'model', 'lst', 'new', 'other'}
    assert cfg.get('missing', 7) == 7
    assert dict(cfg.items())['new'] == {'x': 1}
    del cfg.new
    assert 'new' not in cfg
    assert {'model', 'lst', 'other', 'merge_from_dict'} <= set(dir(cfg))  # tab completion
    assert 'backbone' in dir(cfg.model)


def test_copy_deepcopy_and_pickle():
    import copy
    import pickle
    cfg = Config(dict(a=dict(b=[1, 2])), filename=None)
    deep = copy.deepcopy(cfg)
    deep.a.b.append(3)
    assert cfg.a.b == [1, 2]
    shallow = copy.copy(cfg)
    assert shallow.a is cfg.a
    again = pickle.loads(pickle.dumps(cfg))
    assert again.to_dict() == cfg.to_dict() and again.a.b == [1, 2]


def test_values_shared_in_the_py_source_are_independent_in_the_config(write):
    path = write('alias.py', """
        p = [dict(type='A')]
        data = dict(train=dict(pipeline=p), val=dict(pipeline=p))
    """)
    cfg = Config.fromfile(path)
    cfg.data.train.pipeline[0].type = 'B'
    assert cfg.data.val.pipeline[0].type == 'A' and cfg.p[0].type == 'A'
