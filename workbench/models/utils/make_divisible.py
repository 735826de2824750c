"""``make_divisible``: round a channel count to a multiple of a divisor (TF-slim MobileNet rule)."""


def make_divisible(value: float, divisor: int, min_value=None, min_ratio: float = 0.9) -> int:
    """The multiple of ``divisor`` nearest to ``value`` (at least ``min_value``, default ``divisor``), bumped up by
    one ``divisor`` if rounding lost more than ``1 - min_ratio`` of the value."""
    if min_value is None:
        min_value = divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < min_ratio * value:
        rounded += divisor
    return rounded
