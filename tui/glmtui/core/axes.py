"""Chart axes a reader can trust: round ticks in 1-2-5 steps, thousands written as `5k`, and a scale
that starts at zero (a rate axis from 63 to 120 makes a 1.9× bar of a 1.2× difference).

Pure arithmetic, no I/O: the charts (widgets/charts.py) ask here where their ticks go and what they say.

    nice_ticks(0, 4954)      -> [0, 1000, 2000, 3000, 4000, 5000]
    nice_ticks(0, 120, 4)    -> [0, 50, 100, 150]
    tick_label(5000, 1000)   -> '5k';  tick_label(1500, 500) -> '1.5k';  tick_label(0.25, 0.05) -> '0.25'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)  # mantissas of a "nice" step (2.5 keeps quarters: 0, 25, 50, …)


def nice_step(span: float, most: int) -> float:
    """The smallest round step (1, 2, 2.5 or 5 × 10ⁿ) that covers `span` in at most `most` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(most, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return next((m * power for m in STEPS if m * power >= raw * (1 - 1e-9)), 10.0 * power)


def nice_ticks(low: float, high: float, most: int = 6, *, whole: bool = False) -> list[float]:
    """Round ticks from at or below `low` to at or above `high`, at most `most` + 1 of them.

    The caller decides where the axis starts: pass `low=0` for rates and counts (the honest default),
    or the data's minimum for a chart that says it is zoomed. A flat series (`low == high`) still gets
    an axis around it; an empty one gets 0..1. `whole`: counts, never a tick between two integers."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, most)
    if whole:
        step = max(step, 1.0)
    while True:
        start = math.floor(low / step + 1e-9) * step
        count = math.ceil((high - start) / step - 1e-9)
        if count <= most:
            break
        step = nice_step(step * (most + 1), most)  # the rounding out took one interval too many
    return [_clean(start + i * step) for i in range(count + 1)]


def _clean(value: float) -> float:
    """0.30000000000000004 → 0.3: ticks are sums of steps; their labels must not show the float noise."""
    return float(f"{value:.12g}")


def tick_label(value: float, step: float) -> str:
    """A tick's words: as few digits as the step needs; thousands as `k`, millions as `M`."""
    for divisor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= divisor or (value == 0 and step >= divisor):
            return _digits(value / divisor, step / divisor) + suffix if value else "0"
    return _digits(value, step)


def _digits(value: float, step: float) -> str:
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9:
        decimals += 1
    text = f"{value:.{decimals}f}"
    # Trailing zeros say nothing on an axis: 1.5M, 1M, 0.25 (not 1.0M, 0.0).
    return text.rstrip("0").rstrip(".") if "." in text else text


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Every tick's label, with the step between them deciding the digits."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(ticks[0]) if ticks else 1.0
    return [tick_label(t, step or 1.0) for t in ticks]
