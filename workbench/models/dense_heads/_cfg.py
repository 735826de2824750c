"""Access to train/test config nodes that may be plain dicts or attribute-style ConfigDicts."""


def cfg_get(cfg, key, default=None):
    """``cfg[key]`` for dicts and ConfigDicts alike, ``default`` when absent or when ``cfg`` is None."""
    if cfg is None:
        return default
    if isinstance(cfg, dict):
        return cfg.get(key, default)
    return getattr(cfg, key, default)


def cfg_require(cfg, key, owner):
    """``cfg[key]``, or a clear error naming the head and the missing key."""
    value = cfg_get(cfg, key, _MISSING)
    if value is _MISSING:
        raise KeyError(f'{owner}: the config {dict(cfg) if isinstance(cfg, dict) else cfg!r} has no key {key!r}')
    return value


_MISSING = object()
