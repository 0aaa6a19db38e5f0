"""The throughput panel: the live rate during a reply, and the last replies' exact rates and TTFTs."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from glmtui.core.state import GenerationStats
from glmtui.core.stats import LiveStats, rate_text
from glmtui.core.units import format_rate, format_seconds, rate_estimate
from glmtui.widgets.formatting import label_value, series_line
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
        now = Text("idle", style="dim") if live is None else Text(rate_estimate(live.rate()))
        lines.append(label_value("now", now, width))
        done = [s for s in self.history if s.final]
        last = rate_text(done[-1]) if done else "no replies yet"  # marked when glmtui timed it
        # A client-timed rate of four digits does not fit beside "last reply" in the sidebar: the label
        # gives way ("last"), never the figure or its mark.
        label = "last reply" if len("last reply ") + len(last) <= width else "last"
        lines.append(label_value(label, Text(last, style="" if done else "dim"), width))
        rates = [s.eval_rate for s in done if s.eval_rate is not None]
        ttfts = [s.ttft_s for s in done if s.ttft_s is not None]
        lines.append(series_line("rate", rates, width, lambda v: format_rate(v, digits=0)))
        lines.append(series_line("TTFT", ttfts, width, format_seconds))
        return lines
