from workbench.registry import MATCH_COST, build_from_cfg


def build_match_cost(cfg, default_args=None):
    """Build a matching cost (e.g. ``dict(type='ClassificationCost', weight=1.)``) from ``MATCH_COST``."""
    return build_from_cfg(cfg, MATCH_COST, default_args)
