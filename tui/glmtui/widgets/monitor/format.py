"""Small text builders the monitor panels share: sizes, meters, sparklines, thresholds.

Pure functions over numbers and Rich `Text` (no widgets), so the maths is unit-tested directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

SPARK = "▁▂▃▄▅▆▇█"
GIB = 1024**3


def human_bytes(value: int) -> str:
    """Decimal units as `ollama ps` and `ollama list` print sizes (e.g. `19 GB`, `5.4 GB`)."""
    for unit, scale in (("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if value >= scale:
            amount = value / scale
            # Ollama's format.HumanBytes: whole numbers from 10 up, one decimal below unless exact.
            if amount >= 10 or amount == int(amount):
                return f"{int(amount)} {unit}"
            return f"{amount:.1f} {unit}"
    return f"{value} B"


def gib(value: int | None) -> str:
    """Binary GiB with one decimal, as GPU memory is usually quoted."""
    return "n/a" if value is None else f"{value / GIB:.1f}"


def memory(value: int) -> str:
    """Process memory: MiB below a GiB (a runner's RSS), else GiB."""
    if value < GIB:
        return f"{value / 1024**2:.0f} MiB"
    return f"{value / GIB:.1f} GiB"


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


def meter_line(label: str, percent: float | None, width: int, style: str) -> Text:
    """`VRAM ████████······  71%`: a label, a bar filling the line, and the percentage."""
    text = Text(f"{label:<5}", style="dim")
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


def countdown(seconds: float | None) -> str:
    """A keep-alive countdown: `forever`, `unloading`, `4m`, `1:05`, `42s`.

    Minutes only above two minutes, so an idle sidebar repaints once a minute rather than every second.
    """
    if seconds is None:
        return "forever"
    if seconds <= 0:
        return "unloading"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    if seconds >= 120:
        return f"{int(seconds // 60)}m"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def label_value(label: str, value: str | Text, width: int, label_style: str = "dim") -> Text:
    """`label ....... value` on one line of `width` cells, value right-aligned."""
    text = Text(label, style=label_style)
    value_text = value if isinstance(value, Text) else Text(value)
    gap = width - text.cell_len - value_text.cell_len
    text.append(" " * max(1, gap))
    text.append_text(value_text)
    text.truncate(width)
    return text
