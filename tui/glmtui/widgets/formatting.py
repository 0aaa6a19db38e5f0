"""The Rich builders widgets share: label/value lines, meters, sparklines, series, style by level.

Pure functions over numbers and Rich `Text` (no widgets), so the maths is unit-tested directly. The
figures inside come from `glmtui.core.units`; this module only lays them out and colours them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text

SPARK = "▁▂▃▄▅▆▇█"
LABEL_CELLS = 5  # `VRAM `, `rate `: the short label in front of a meter or a series
# How a VRAM-fit verdict is coloured, in the models table and in the details pane alike.
FIT_STYLE = {"fits": "green", "partial": "yellow", "wont": "red", "unknown": "dim"}


def level(value: float | None, warn: float, critical: float) -> str:
    """'ok', 'warn' or 'critical': which theme colour a reading gets."""
    if value is None or value < warn:
        return "ok"
    return "warn" if value < critical else "critical"


def meter(fraction: float | None, width: int, style: str, empty_style: str = "dim") -> Text:
    """A horizontal bar `width` cells wide, in eighths for a smooth fill."""
    text = Text()
    if width <= 0:
        return text
    if fraction is None:
        return text.append("·" * width, style=empty_style)
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    text.append("█" * full, style=style)
    if part:
        text.append(" ▏▎▍▌▋▊▉"[part], style=style)
    text.append("·" * (width - full - (1 if part else 0)), style=empty_style)
    return text


def short_label(label: str, after: str = "") -> Text:
    """A dim label padded to `LABEL_CELLS`, where a meter or a series starts (`after` follows it)."""
    return Text(f"{label:<{LABEL_CELLS}}{after}", style="dim")


def meter_line(label: str, percent: float | None, width: int, style: str) -> Text:
    """`VRAM ████████······  71%`: a label, a bar filling the line, and the percentage."""
    text = short_label(label)
    text.append_text(meter(None if percent is None else percent / 100, max(0, width - 10), style))
    text.append("  n/a" if percent is None else f"{percent:>4.0f}%", style=style)
    return text


def sparkline(values: Sequence[float], width: int, top: float | None = 100.0) -> str:
    """The last `width` values as block characters, scaled to `top` (or the series' own maximum)."""
    if width <= 0:
        return ""
    points = list(values)
    if not points:
        return " " * width
    if len(points) > width:
        # Squeeze into `width` buckets keeping each bucket's peak: a spike must not vanish.
        step = len(points) / width
        points = [
            max(points[int(i * step) : max(int(i * step) + 1, int((i + 1) * step))]) for i in range(width)
        ]
    scale = top if top else (max(points) or 1.0)
    chars = [SPARK[min(len(SPARK) - 1, max(0, int(v / scale * (len(SPARK) - 1) + 0.5)))] for v in points]
    return " " * (width - len(chars)) + "".join(chars)


def label_value(label: str, value: str | Text, width: int, label_style: str = "dim") -> Text:
    """`label ....... value` on one line of `width` cells, value right-aligned."""
    text = Text(label, style=label_style)
    value_text = value if isinstance(value, Text) else Text(value)
    gap = width - text.cell_len - value_text.cell_len
    text.append(" " * max(1, gap))
    text.append_text(value_text)
    text.truncate(width)
    return text


def series_line(label: str, values: Sequence[float], width: int, show: Callable[[float], str]) -> Text:
    """`rate ▂▄▆█▅ 12–58 tok/s`: the last values as a sparkline, with their range beside it.

    `show` writes one value with its unit (`38 tok/s`); the range names the unit once.
    """
    if not values:
        return short_label(label, "—")
    low, high = show(min(values)), show(max(values))
    span = f" {low}" if low == high else f" {low.split()[0]}–{high}"  # `38–45 tok/s`, not the unit twice
    text = short_label(label)
    room = width - text.cell_len - len(span)
    if room >= 4:
        text.append(sparkline(values[-room:], min(room, len(values)), top=None), style="dim")
    text.append(span)
    return text
