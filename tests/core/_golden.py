"""components.pth, loaded once per test session for the core tests."""
import functools

from tests.golden import load_golden


@functools.lru_cache(maxsize=1)
def _components():
    return load_golden('components.pth')


def components(key):
    """The golden case ``key`` of components.pth (skips/fails via ``require_golden`` when the file is absent)."""
    data = _components()
    if key not in data:
        raise KeyError(f'components.pth has no key {key!r}; keys: {sorted(data)}')
    return data[key]
