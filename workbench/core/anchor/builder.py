"""Building prior (anchor/point) generators from config dicts."""
import warnings

from workbench.registry import ANCHOR_GENERATORS, PRIOR_GENERATORS, build_from_cfg


def build_prior_generator(cfg, default_args=None):
    """Build a prior generator from ``cfg`` (``dict(type='AnchorGenerator', ...)``) via ``PRIOR_GENERATORS``."""
    return build_from_cfg(cfg, PRIOR_GENERATORS, default_args)


def build_anchor_generator(cfg, default_args=None):
    """Deprecated alias of :func:`build_prior_generator` (mmdet 2.x keeps both)."""
    warnings.warn('``build_anchor_generator`` would be deprecated soon, please use '
                  '``build_prior_generator`` ', stacklevel=2)
    return build_prior_generator(cfg, default_args=default_args)


__all__ = ['build_prior_generator', 'build_anchor_generator', 'ANCHOR_GENERATORS', 'PRIOR_GENERATORS']
