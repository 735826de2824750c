"""Colour palettes per class (RGB tuples in 0-255), as mmdet 2.x's ``get_palette``."""
from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import numpy as np

Color = Tuple[int, int, int]

NAMED_COLORS = {
    'red': (255, 0, 0), 'green': (0, 255, 0), 'blue': (0, 0, 255), 'cyan': (0, 255, 255),
    'yellow': (255, 255, 0), 'magenta': (255, 0, 255), 'white': (255, 255, 255), 'black': (0, 0, 0),
    'orange': (255, 165, 0),
}


def _tab_palette(n: int) -> List[Color]:
    import matplotlib
    cmap = matplotlib.colormaps['tab20' if n > 10 else 'tab10']
    return [tuple(int(round(255 * c)) for c in cmap(i % cmap.N)[:3]) for i in range(n)]


def get_palette(palette: Union[str, Sequence, None], num_classes: int) -> List[Color]:
    """A list of ``num_classes`` RGB colours.

    ``palette`` may be a colour name or RGB tuple (one colour for all), a list of RGB tuples (one per class),
    'random' (seeded, stable across calls), or None / 'tab' (matplotlib's tab10/tab20 qualitative palette).
    """
    if palette is None or palette == 'tab':
        return _tab_palette(num_classes)
    if palette == 'random':
        rng = np.random.RandomState(42)
        return [tuple(int(v) for v in rng.randint(0, 256, 3)) for _ in range(num_classes)]
    if isinstance(palette, str):
        if palette not in NAMED_COLORS:
            raise ValueError(f"unknown palette or colour {palette!r}; use one of {sorted(NAMED_COLORS)}, "
                             "'random', 'tab', an RGB tuple or a list of them")
        return [NAMED_COLORS[palette]] * num_classes
    if isinstance(palette, tuple) and len(palette) == 3 and all(isinstance(v, (int, np.integer)) for v in palette):
        return [tuple(int(v) for v in palette)] * num_classes
    palette = [tuple(int(v) for v in c) for c in palette]
    if len(palette) < num_classes:
        raise ValueError(f'palette has {len(palette)} colours for {num_classes} classes')
    return palette[:num_classes]
