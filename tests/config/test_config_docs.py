"""The Config examples of the MMCV 1.x docs (spec/mmcv-docs-inventory.md §1, §15.1-6) with their results."""
import pytest

from workbench.config import Config, ConfigDict


def test_class_example_attribute_access():
    cfg = Config(dict(a=1, b=dict(b1=[0, 1])))
    assert cfg.a == 1
    assert cfg.b == {'b1': [0, 1]}
    assert isinstance(cfg.b, ConfigDict)
    assert cfg.b.b1 == [0, 1]
    assert cfg['b']['b1'] == [0, 1]


def test_class_example_fromfile_filename_and_repr(write):
    path = write('a.py', """
        item1 = [1, 2]
        item2 = dict(a=0)
        item3 = True
        item4 = 'test'
    """)
    cfg = Config.fromfile(path)
    assert cfg.filename == path
    assert cfg.item4 == 'test'
    assert repr(cfg) == (f"Config [path: {path}]: "
                         "{'item1': [1, 2], 'item2': {'a': 0}, 'item3': True, 'item4': 'test'}")


def test_dump_example_writes_a_loadable_py(tmp_path):
    cfg_dict = dict(item1=[1, 2], item2=dict(a=0), item3=True, item4='test')
    cfg = Config(cfg_dict=cfg_dict)
    dump_file = tmp_path / 'a.py'
    cfg.dump(str(dump_file))
    assert Config.fromfile(dump_file).to_dict() == cfg_dict


def test_merge_from_dict_example_keeps_sibling_keys():
    # erratum §14.6: the doc's expected dict drops type='ResNet'; merging keeps it (docs/errata.md)
    options = {'model.backbone.depth': 50, 'model.backbone.with_cp': True}
    cfg = Config(dict(model=dict(backbone=dict(type='ResNet'))))
    cfg.merge_from_dict(options)
    assert cfg.to_dict() == dict(model=dict(backbone=dict(type='ResNet', depth=50, with_cp=True)))


def test_merge_from_dict_list_element_example():
    cfg = Config(dict(pipeline=[dict(type='LoadImage'), dict(type='LoadAnnotations')]))
    options = dict(pipeline={'0': dict(type='SelfLoadImage')})
    cfg.merge_from_dict(options, allow_list_keys=True)
    assert cfg.to_dict() == dict(pipeline=[dict(type='SelfLoadImage'), dict(type='LoadAnnotations')])


def test_tutorial_test_py(write):
    path = write('test.py', """
        a = 1
        b = dict(b1=[0, 1, 2], b2=None)
        c = (1, 2)
        d = 'string'
    """)
    cfg = Config.fromfile(path)
    assert cfg.to_dict() == {'a': 1, 'b': {'b1': [0, 1, 2], 'b2': None}, 'c': (1, 2), 'd': 'string'}


def test_predefined_variables(write):
    # erratum §14.7: the doc's `c = '{{ fileExtname }}` lacks its closing quote
    path = write('config_a.py', """
        a = 1
        b = './work_dir/{{ fileBasenameNoExtension }}'
        c = '{{ fileExtname }}'
        d = '{{ fileBasename }}'
        e = '{{fileDirname}}'
    """)
    cfg = Config.fromfile(path)
    assert cfg.a == 1
    assert cfg.b == './work_dir/config_a'
    assert cfg.c == '.py'
    assert cfg.d == 'config_a.py'
    assert cfg.e == str(__import__('pathlib').Path(path).parent)


def test_predefined_variables_can_be_disabled(write):
    path = write('config_a.py', "b = '{{ fileExtname }}'\n")
    assert Config.fromfile(path, use_predefined_variables=False).b == '{{ fileExtname }}'


@pytest.fixture
def config_a(write):
    return write('config_a.py', """
        a = 1
        b = dict(b1=[0, 1, 2], b2=None)
    """)


def test_inheritance_without_overlap(write, config_a):
    path = write('config_b.py', """
        _base_ = './config_a.py'
        c = (1, 2)
        d = 'string'
    """)
    assert Config.fromfile(path).to_dict() == dict(a=1, b=dict(b1=[0, 1, 2], b2=None), c=(1, 2), d='string')


def test_inheritance_with_overlap(write, config_a):
    path = write('config_c.py', """
        _base_ = './config_a.py'
        b = dict(b2=1)
        c = (1, 2)
    """)
    assert Config.fromfile(path).to_dict() == dict(a=1, b=dict(b1=[0, 1, 2], b2=1), c=(1, 2))


def test_inheritance_with_delete(write, config_a):
    path = write('config_d.py', """
        _base_ = './config_a.py'
        b = dict(_delete_=True, b2=None, b3=0.1)
        c = (1, 2)
    """)
    assert Config.fromfile(path).to_dict() == dict(a=1, b=dict(b2=None, b3=0.1), c=(1, 2))


def test_inheritance_multiple_bases(write, config_a):
    write('config_e.py', """
        c = (1, 2)
        d = 'string'
    """)
    path = write('config_f.py', "_base_ = ['./config_a.py', './config_e.py']\n")
    assert Config.fromfile(path).to_dict() == dict(a=1, b=dict(b1=[0, 1, 2], b2=None), c=(1, 2), d='string')


def test_base_variable_reference_pretty_text(write):
    write('base.py', """
        item1 = 'a'
        item2 = dict(item3 = 'b')
    """)
    path = write('config_g.py', """
        _base_ = ['./base.py']
        item = dict(a = {{ _base_.item1 }}, b = {{ _base_.item2.item3 }})
    """)
    cfg = Config.fromfile(path)
    assert cfg.pretty_text == "item1 = 'a'\nitem2 = dict(item3='b')\nitem = dict(a='a', b='b')\n"


def test_deprecation_warning(write):
    write('expected_cfg.py', 'a = 1\n')
    path = write('deprecated_cfg.py', """
        _base_ = 'expected_cfg.py'

        _deprecation_ = dict(
            expected = 'expected_cfg.py',  # optional to show expected config path in the warning information
            reference = 'url to related PR'  # optional to show reference link in the warning information
        )
    """)
    with pytest.warns(UserWarning) as record:
        cfg = Config.fromfile(path)
    messages = [str(w.message) for w in record]
    assert ('The config file deprecated_cfg.py will be deprecated in the future. Please use expected_cfg.py '
            'instead. More information can be found at url to related PR') in messages
    assert cfg.to_dict() == {'a': 1}
    assert '_deprecation_' not in cfg
