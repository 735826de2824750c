"""The Registry examples of the MMCV 1.x docs (spec/mmcv-docs-inventory.md §2, §15.7) with their results."""
import pytest

from workbench.registry import Registry, build_from_cfg


def test_register_class_and_function_then_build():
    MODELS = Registry('models')

    @MODELS.register_module()
    class ResNet:
        pass

    resnet = MODELS.build(dict(type='ResNet'))
    assert isinstance(resnet, ResNet)

    @MODELS.register_module()
    def resnet50():
        return 'called'

    assert MODELS.build(dict(type='resnet50')) == 'called'
    assert MODELS.get('ResNet') is ResNet and MODELS.get('resnet50') is resnet50


def test_name_argument_and_direct_call():
    backbones = Registry('backbone')

    @backbones.register_module(name='mnet')
    class MobileNet:
        pass

    class ResNet:
        pass

    assert backbones.register_module(ResNet) is ResNet  # the deprecated mmcv call form
    assert backbones.get('mnet') is MobileNet and 'MobileNet' not in backbones
    assert backbones.get('ResNet') is ResNet

    class VGG:
        pass
    backbones.register_module(module=VGG)
    assert backbones.get('VGG') is VGG


def test_aliases():
    reg = Registry('thing')

    @reg.register_module(name=['A', 'AliasA'])
    class A:
        pass

    assert reg.get('A') is A and reg.get('AliasA') is A and len(reg) == 2


def test_split_scope_key():
    assert Registry.split_scope_key('mmdet.ResNet') == ('mmdet', 'ResNet')
    assert Registry.split_scope_key('ResNet') == (None, 'ResNet')
    assert Registry.split_scope_key('a.b.C') == ('a', 'b.C')


def test_build_from_cfg_doc_example():
    MODELS = Registry('models')

    @MODELS.register_module()
    class ResNet:
        pass

    # erratum §14.5: the doc builds type='Resnet'; names are case-sensitive, so it must be 'ResNet'
    assert isinstance(build_from_cfg(dict(type='ResNet'), MODELS), ResNet)
    with pytest.raises(KeyError, match="Resnet is not in the 'models' registry. Did you mean: ResNet?"):
        build_from_cfg(dict(type='Resnet'), MODELS)

    @MODELS.register_module()
    def resnet50():
        return 50
    assert build_from_cfg(dict(type='resnet50'), MODELS) == 50


def test_converters_tutorial():
    CONVERTERS = Registry('converters')

    @CONVERTERS.register_module()
    class Converter1:
        def __init__(self, a, b):
            self.a, self.b = a, b

    @CONVERTERS.register_module()
    def converter2(a, b):
        return Converter1(a, b)

    assert CONVERTERS.module_dict == {'Converter1': Converter1, 'converter2': converter2}
    c1 = CONVERTERS.build(dict(type='Converter1', a=1, b=2))
    c2 = CONVERTERS.build(dict(type='converter2', a=3, b=4))
    assert (c1.a, c1.b, c2.a, c2.b) == (1, 2, 3, 4) and isinstance(c2, Converter1)


def test_custom_build_function():
    def build_converter(cfg, registry, *args, **kwargs):
        cfg_ = cfg.copy()
        converter_type = cfg_.pop('type')
        if converter_type not in registry:
            raise KeyError(f'Unrecognized converter type {converter_type}')
        converter_cls = registry.get(converter_type)
        return converter_cls(*args, **kwargs, **cfg_)

    CONVERTERS = Registry('converter', build_func=build_converter)

    @CONVERTERS.register_module()
    class Converter1:
        def __init__(self, x, a, b):
            self.x, self.a, self.b = x, a, b

    c = CONVERTERS.build(dict(type='Converter1', a=1, b=2), 'pos')
    assert (c.x, c.a, c.b) == ('pos', 1, 2)
    with pytest.raises(KeyError, match='Unrecognized converter type Nope'):
        CONVERTERS.build(dict(type='Nope'))
    # a child without its own build_func inherits the parent's
    child = Registry('converter', parent=CONVERTERS, scope='child')
    assert child.build_func is build_converter


def test_hierarchy_doc_example():
    MMCV_MODELS = Registry('model', scope='mmcv')
    DET_MODELS = Registry('model', parent=MMCV_MODELS, scope='mmdet')
    CLS_MODELS = Registry('model', parent=MMCV_MODELS, scope='mmcls')

    @DET_MODELS.register_module()
    class NetA:
        pass

    @CLS_MODELS.register_module()
    class NetB:
        pass

    assert isinstance(DET_MODELS.build(cfg=dict(type='NetA')), NetA)
    assert isinstance(DET_MODELS.build(cfg=dict(type='mmcls.NetB')), NetB)
    assert isinstance(CLS_MODELS.build(cfg=dict(type='mmdet.NetA')), NetA)
    assert isinstance(CLS_MODELS.build(cfg=dict(type='NetB')), NetB)
    assert isinstance(MMCV_MODELS.build(cfg=dict(type='mmdet.NetA')), NetA)
    assert isinstance(MMCV_MODELS.build(cfg=dict(type='mmcls.NetB')), NetB)
    assert MMCV_MODELS.children == {'mmdet': DET_MODELS, 'mmcls': CLS_MODELS}


def test_scope_less_name_falls_back_to_parent():
    root = Registry('model', scope='root')
    child = Registry('model', parent=root, scope='child')

    @root.register_module()
    class Base:
        pass

    assert child.get('Base') is Base and 'Base' in child


def test_infer_scope_is_the_package_of_the_caller():
    # created here, in the tests package
    assert Registry('x').scope == 'tests'
    from workbench.registry import MODELS
    assert MODELS.scope == 'workbench'


def test_type_may_be_a_class_and_default_args_fill_in():
    reg = Registry('r')

    class Net:
        def __init__(self, a, b=0):
            self.a, self.b = a, b

    net = build_from_cfg(dict(type=Net, a=1), reg, default_args=dict(a=9, b=2))
    assert (net.a, net.b) == (1, 2)
    reg.register_module(module=Net)
    net = reg.build(dict(b=3), default_args=dict(type='Net', a=4))
    assert (net.a, net.b) == (4, 3)
