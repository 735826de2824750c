"""Registry error messages: unknown types, duplicates, constructor failures, bad arguments."""
import pytest

from workbench.registry import Registry, build_from_cfg


@pytest.fixture
def models():
    reg = Registry('model', scope='test')

    @reg.register_module()
    class ResNet:
        def __init__(self, depth=50):
            if depth not in (18, 34, 50, 101, 152):
                raise ValueError(f'invalid depth {depth} for resnet')
            self.depth = depth

    @reg.register_module()
    class ResNeXt:
        pass

    return reg


def test_unknown_type_suggests_close_names(models):
    with pytest.raises(KeyError) as info:
        models.build(dict(type='ResNt'))
    assert info.value.args[0] == "ResNt is not in the 'model' registry. Did you mean: ResNet, ResNeXt?"
    with pytest.raises(KeyError, match=r"^\"Zzz is not in the 'model' registry.\"$"):
        models.build(dict(type='Zzz'))
    with pytest.raises(KeyError, match='Did you mean: ResNet'):
        models.build(dict(type='resnet'))  # case-insensitive suggestions


def test_empty_registry_says_registration_happens_on_import():
    with pytest.raises(KeyError, match='registration happens when the defining module is imported'):
        Registry('hook').build(dict(type='X'))


def test_constructor_error_keeps_type_and_names_type_and_config(models):
    with pytest.raises(ValueError) as info:
        models.build(dict(type='ResNet', depth=51))
    assert str(info.value) == "ResNet (config: {'type': 'ResNet', 'depth': 51}): invalid depth 51 for resnet"
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.build_trail == [('ResNet', dict(type='ResNet', depth=51))]
    with pytest.raises(TypeError, match=r"ResNet \(config: .*'dpth': 50.*unexpected keyword argument 'dpth'"):
        models.build(dict(type='ResNet', dpth=50))


def test_nested_builds_name_every_level(models):
    @models.register_module()
    class Detector:
        def __init__(self, backbone):
            self.backbone = models.build(backbone)

    with pytest.raises(KeyError) as info:
        models.build(dict(type='Detector', backbone=dict(type='ResNt')))
    msg = info.value.args[0]
    assert info.value.build_trail == [('Detector', dict(type='Detector', backbone=dict(type='ResNt'))),
                                      ('ResNt', dict(type='ResNt'))]
    assert msg.startswith("Detector (config: {'type': 'Detector', 'backbone': {'type': 'ResNt'}}): ")
    assert msg.endswith("ResNt is not in the 'model' registry. Did you mean: ResNet, ResNeXt?")


def test_exception_types_that_cannot_be_rebuilt_keep_their_identity(models):
    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(a, b)

    @models.register_module()
    def fails():
        raise Odd(1, 2)

    with pytest.raises(Odd) as info:
        models.build(dict(type='fails'))
    assert info.value.args == (1, 2) and info.value.build_trail == [('fails', dict(type='fails'))]
    assert any('fails (config:' in n for n in getattr(info.value, '__notes__', []))


def test_long_config_nodes_are_shortened(models):
    @models.register_module()
    def wide(**kwargs):
        raise ValueError('bad')

    with pytest.raises(ValueError) as info:
        models.build(dict(type='wide', **{f'k{i}': i for i in range(100)}))
    assert len(str(info.value)) < 250 and ' ...}' in str(info.value)


def test_duplicate_registration(models):
    with pytest.raises(KeyError, match='ResNet is already registered in model .*force=True'):
        @models.register_module()
        class ResNet:
            pass

    @models.register_module(force=True)
    class ResNet:  # noqa: F811
        pass
    assert models.get('ResNet') is ResNet


def test_bad_arguments(models):
    with pytest.raises(TypeError, match='cfg must be a dict'):
        build_from_cfg('ResNet', models)
    with pytest.raises(KeyError, match='must contain the key "type"'):
        build_from_cfg(dict(depth=50), models)
    with pytest.raises(TypeError, match='registry must be a Registry'):
        build_from_cfg(dict(type='ResNet'), {})
    with pytest.raises(TypeError, match='default_args must be a dict or None'):
        build_from_cfg(dict(type='ResNet'), models, default_args=[1])
    with pytest.raises(TypeError, match='type must be a str or valid type'):
        build_from_cfg(dict(type=3), models)
    with pytest.raises(TypeError, match='force must be a boolean'):
        models.register_module(force=1)
    with pytest.raises(TypeError, match='name must be None, a str or a sequence of str'):
        models.register_module(name=3)
    with pytest.raises(TypeError, match='module must be a class or a function'):
        models.register_module(module=3)
    with pytest.raises(KeyError, match='scope test exists'):
        Registry('model', parent=Registry('root', scope='r'), scope='test').parent._add_children(
            Registry('other', scope='test'))


def test_build_trail_lists_every_level_outermost_first(models):
    @models.register_module()
    class Detector:
        def __init__(self, backbone):
            self.backbone = models.build(backbone)

    with pytest.raises(ValueError) as info:
        models.build(dict(type='Detector', backbone=dict(type='ResNet', depth=3)))
    assert [name for name, _ in info.value.build_trail] == ['Detector', 'ResNet']
    assert info.value.build_trail[1][1] == dict(type='ResNet', depth=3)
    assert str(info.value).endswith("ResNet (config: {'type': 'ResNet', 'depth': 3}): invalid depth 3 for resnet")
