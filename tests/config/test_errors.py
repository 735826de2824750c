"""Every Config error names the place at fault: file and line, the path looked for, the key."""
import pytest

from workbench.config import Config, ConfigSyntaxError


def test_python_syntax_error_names_file_and_line(write):
    path = write('bad.py', """
        a = 1
        b = dict(x=1
        c = 2
    """)
    with pytest.raises(SyntaxError) as info:
        Config.fromfile(path)
    assert isinstance(info.value, ConfigSyntaxError)
    assert path in str(info.value) and 'line 2' in str(info.value)
    assert info.value.filename == path and info.value.lineno == 2


def test_syntax_error_in_a_base_names_the_base(write):
    base = write('base.py', "x = = 1\n")
    path = write('child.py', "_base_ = './base.py'\n")
    with pytest.raises(SyntaxError, match=f'{base}, line 1'):
        Config.fromfile(path)


def test_json_and_yaml_errors_name_file_and_line(write):
    j = write('bad.json', '{"a": 1,\n "b": }\n')
    with pytest.raises(ConfigSyntaxError, match=f'{j}, line 2'):
        Config.fromfile(j)
    y = write('bad.yaml', 'a: 1\nb: [1, 2\nc: 3\n')
    with pytest.raises(ConfigSyntaxError, match=f'{y}, line'):
        Config.fromfile(y)


def test_missing_base_names_the_path_looked_for(write, tmp_path):
    path = write('child.py', "_base_ = '../_base_/nothing.py'\n")
    with pytest.raises(FileNotFoundError) as info:
        Config.fromfile(path)
    msg = str(info.value)
    assert path in msg and "'../_base_/nothing.py'" in msg
    assert str(tmp_path.parent / '_base_' / 'nothing.py') in msg


def test_missing_config_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='looked for .*nope.py'):
        Config.fromfile(tmp_path / 'nope.py')


def test_unknown_base_reference_names_the_key_file_and_line(write):
    write('base.py', "item1 = 'a'\nitem2 = dict(item3='b')\n")
    path = write('child.py', """
        _base_ = './base.py'
        ok = {{ _base_.item1 }}
        bad = {{ _base_.item2.nothere }}
    """)
    with pytest.raises(KeyError) as info:
        Config.fromfile(path)
    msg = info.value.args[0]
    assert 'item2.nothere' in msg and "'nothere' is missing" in msg
    assert f'{path}, line 3' in msg
    assert 'item1, item2' in msg


def test_duplicate_key_in_sibling_bases_is_an_error(write):
    a = write('a.py', 'x = 1\ny = 2\n')
    b = write('b.py', 'x = 3\n')
    path = write('child.py', "_base_ = ['./a.py', './b.py']\n")
    with pytest.raises(KeyError) as info:
        Config.fromfile(path)
    msg = info.value.args[0]
    assert "'x' in both" in msg and a in msg and b in msg


def test_unsupported_extension(write):
    path = write('cfg.txt', 'a = 1\n')
    with pytest.raises(OSError, match=r"unsupported config format '\.txt'"):
        Config.fromfile(path)
    with pytest.raises(OSError, match='unsupported config format'):
        Config.fromstring('a = 1', 'toml')


def test_circular_bases(write):
    write('a.py', "_base_ = './b.py'\n")
    path = write('b.py', "_base_ = './a.py'\n")
    with pytest.raises(RecursionError, match='circular _base_'):
        Config.fromfile(path)


def test_dict_over_non_dict_needs_delete(write):
    write('base.py', 'a = 1\n')
    path = write('child.py', "_base_ = './base.py'\na = dict(x=1)\n")
    with pytest.raises(TypeError, match=r'a=\{.x.: 1\} in the child config cannot inherit.*_delete_=True'):
        Config.fromfile(path)
    ok = write('child2.py', "_base_ = './base.py'\na = dict(_delete_=True, x=1)\n")
    assert Config.fromfile(ok).a == {'x': 1}


def test_reserved_keys():
    with pytest.raises(KeyError, match='filename is reserved for config file'):
        Config(dict(filename='x'))
    cfg = Config(dict(a=1))
    with pytest.raises(AttributeError, match='reserved'):
        cfg.text = 'x'


def test_top_level_must_be_mapping_and_base_must_be_paths(write):
    with pytest.raises(TypeError, match='mapping'):
        Config.fromfile(write('list.yaml', '- 1\n- 2\n'))
    with pytest.raises(TypeError, match='_base_ must be a path or a list of paths'):
        Config.fromfile(write('c.py', '_base_ = 3\n'))
    with pytest.raises(TypeError, match='cfg_dict must be a dict'):
        Config([1, 2])


def test_missing_attribute_names_key_and_available_keys():
    cfg = Config(dict(model=dict(backbone=1), data=2))
    with pytest.raises(AttributeError, match="no key 'modle' \\(keys: model, data\\)"):
        cfg.modle
    with pytest.raises(AttributeError, match="no attribute 'bakbone' \\(keys: backbone\\)"):
        cfg.model.bakbone
    assert not hasattr(cfg, 'nothing')


def test_merge_from_dict_errors():
    cfg = Config(dict(pipeline=[dict(type='A')], a=1))
    with pytest.raises(KeyError, match=r'index 3 \(pipeline\.3\) is out of range .* 1 element'):
        cfg.merge_from_dict({'pipeline.3.type': 'B'})
    with pytest.raises(TypeError, match='pipeline.*a list in the base'):
        cfg.merge_from_dict({'pipeline.0.type': 'B'}, allow_list_keys=False)
    with pytest.raises(TypeError, match='a=.* cannot inherit'):
        cfg.merge_from_dict({'a.b': 1})
    with pytest.raises(TypeError, match='a list in the base'):
        cfg.merge_from_dict({'pipeline.x': 1})


def test_dump_errors(tmp_path):
    cfg = Config(dict(a=object()))
    with pytest.raises(TypeError, match='config value at a is a object'):
        cfg.dump(tmp_path / 'x.py')
    with pytest.raises(OSError, match='use a .py, .json, .yaml or .yml'):
        Config(dict(a=1)).dump(tmp_path / 'x.txt')
    with pytest.raises(TypeError, match="top-level config key '1a' is not a Python identifier"):
        Config({'1a': 1}).dump(tmp_path / 'x.py')


def test_base_reference_inside_an_expression_is_an_error(write):
    write('base.py', 'lr = 0.02\nname = "x"\n')
    path = write('child.py', """
        _base_ = './base.py'
        lr2 = {{ _base_.lr }} * 2
    """)
    with pytest.raises(ValueError, match=r'child.py, line 2: \{\{ _base_.lr \}\} must stand as a whole value'):
        Config.fromfile(path)
    path = write('child2.py', """
        _base_ = './base.py'
        out_dir = './runs/{{ _base_.name }}'
    """)
    with pytest.raises(ValueError, match='cannot be part of an expression or a longer string'):
        Config.fromfile(path)
