"""The throughput panel: the live rate during a reply, and the last replies' exact rates and TTFTs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.reactive import reactive

from glmtui.core.state import GenerationStats
from glmtui.core.stats import LiveStats, format_rate, format_seconds
from glmtui.widgets.monitor.format import label_value, sparkline
from glmtui.widgets.monitor.lines_panel import LinesPanel


class ThroughputPanel(LinesPanel):
    """Speed now and over recent replies. `history` holds finished replies' stats, oldest first."""

    history: reactive[tuple[GenerationStats, ...]] = reactive((), repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._live: LiveStats | None = None

    def follow(self, live: LiveStats | None) -> None:
        """Show this reply's live estimate (the screen calls `tick()` a few times a second)."""
        self._live = live
        self.rebuild()

    def tick(self) -> None:
        if self._live is not None:
            self.rebuild()

    def watch_history(self) -> None:
        self.rebuild()

    def build(self, width: int) -> list[Text]:
        # Always five lines: a panel that changed height at every reply's start and end would make
        # the whole screen lay out again at exactly the moments the chat is busiest.
        lines = [Text("Throughput", style="bold")]
        live = self._live
        if live is None:
            now = Text("idle", style="dim")
        else:
            rate = live.rate()
            now = Text("…" if rate is None else f"~{rate:.0f} tok/s (estimate)")
        lines.append(label_value("now", now, width))
        done = [s for s in self.history if s.final]
        last = format_rate(done[-1].eval_rate) if done else "no replies yet"
        lines.append(label_value("last reply", Text(last, style="" if done else "dim"), width))
        rates = [s.eval_rate for s in done if s.eval_rate is not None]
        ttfts = [s.ttft_s for s in done if s.ttft_s is not None]
        lines.append(_series("rate", rates, width, lambda v: f"{v:.0f} tok/s"))
        lines.append(_series("TTFT", ttfts, width, format_seconds))
        return lines


def _series(label: str, values: Sequence[float], width: int, show: Callable[[float], str]) -> Text:
    """`rate ▂▄▆█▅ 12–58 tok/s`: the last replies as a sparkline, with the range beside it."""
    if not values:
        return Text(f"{label:<5}—", style="dim")
    low, high = show(min(values)), show(max(values))
    span = f" {low}" if low == high else f" {low.split()[0]}–{high}"  # `38–45 tok/s`, not the unit twice
    text = Text(f"{label:<5}", style="dim")
    room = width - text.cell_len - len(span)
    if room >= 4:
        text.append(sparkline(values[-room:], min(room, len(values)), top=None), style="dim")
    text.append(span)
    return text
