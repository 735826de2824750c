"""The root registries. Every buildable component registers in one of these.

MMDetection 2.x names several registries that are one and the same (BACKBONES, NECKS, HEADS, ... are all MODELS);
those aliases are kept so mmdet-style code and configs work unchanged.
"""
from .registry import Registry

# models: backbones, necks, heads, losses, detectors, roi extractors, shared heads
MODELS = Registry('model', scope='workbench')
BACKBONES = MODELS
NECKS = MODELS
HEADS = MODELS
LOSSES = MODELS
DETECTORS = MODELS
ROI_EXTRACTORS = MODELS
SHARED_HEADS = MODELS

# CNN bricks (mmcv.cnn names)
CONV_LAYERS = Registry('conv layer', scope='workbench')
NORM_LAYERS = Registry('norm layer', scope='workbench')
ACTIVATION_LAYERS = Registry('activation layer', scope='workbench')
UPSAMPLE_LAYERS = Registry('upsample layer', scope='workbench')
PADDING_LAYERS = Registry('padding layer', scope='workbench')
PLUGIN_LAYERS = Registry('plugin layer', scope='workbench')
INITIALIZERS = Registry('initializer', scope='workbench')

# data
DATASETS = Registry('dataset', scope='workbench')
PIPELINES = Registry('pipeline', scope='workbench')
TRANSFORMS = PIPELINES

# engine
HOOKS = Registry('hook', scope='workbench')
OPTIMIZERS = Registry('optimizer', scope='workbench')
OPTIMIZER_BUILDERS = Registry('optimizer builder', scope='workbench')
RUNNERS = Registry('runner', scope='workbench')
RUNNER_BUILDERS = Registry('runner builder', scope='workbench')

# detection core
PRIOR_GENERATORS = Registry('Generator for anchors and points', scope='workbench')
ANCHOR_GENERATORS = PRIOR_GENERATORS
BBOX_CODERS = Registry('bbox_coder', scope='workbench')
BBOX_ASSIGNERS = Registry('bbox_assigner', scope='workbench')
BBOX_SAMPLERS = Registry('bbox_sampler', scope='workbench')
IOU_CALCULATORS = Registry('IoU calculator', scope='workbench')
MATCH_COST = Registry('Match Cost', scope='workbench')

ROOT_REGISTRIES = {
    'model': MODELS, 'conv layer': CONV_LAYERS, 'norm layer': NORM_LAYERS, 'activation layer': ACTIVATION_LAYERS,
    'upsample layer': UPSAMPLE_LAYERS, 'padding layer': PADDING_LAYERS, 'plugin layer': PLUGIN_LAYERS,
    'initializer': INITIALIZERS, 'dataset': DATASETS, 'pipeline': PIPELINES, 'hook': HOOKS, 'optimizer': OPTIMIZERS,
    'optimizer builder': OPTIMIZER_BUILDERS, 'runner': RUNNERS, 'runner builder': RUNNER_BUILDERS,
    'prior generator': PRIOR_GENERATORS, 'bbox coder': BBOX_CODERS, 'bbox assigner': BBOX_ASSIGNERS,
    'bbox sampler': BBOX_SAMPLERS, 'iou calculator': IOU_CALCULATORS, 'match cost': MATCH_COST,
}


def list_registries(filter: str = '') -> list:  # noqa: A002 - timm-style name
    """Names of the root registries (``'model'``, ``'dataset'``, ...), optionally those containing ``filter``."""
    return sorted(n for n in ROOT_REGISTRIES if filter.lower() in n.lower())


def get_registry(name: str) -> Registry:
    """The root registry called ``name`` (as in ``list_registries()``; '_' may stand for a space)."""
    key = name.replace('_', ' ').lower()
    for reg_name, registry in ROOT_REGISTRIES.items():
        if reg_name == key:
            return registry
    raise KeyError(f'no registry named {name!r}; the registries are: {", ".join(list_registries())}')
