"""The bottom status line: think setting, live or last speed, and transient hints."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from glmtui.core.state import PullProgress, Turn, TurnStatus
from glmtui.core.stats import LiveStats
from glmtui.core.units import format_rate, format_seconds, rate_estimate
from glmtui.widgets.pull_list import pull_summary


class StatusBar(Widget):
    """Shows the live rate (an estimate, refreshed a few times a second) or the last exact figures."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    think: reactive[str] = reactive("")
    """The chat model's think setting, in words."""
    last: reactive[Turn | None] = reactive(None, always_update=True)
    """The last reply, whose exact figures show while nothing streams."""
    pulls: reactive[tuple[PullProgress, ...]] = reactive(())
    """The pulls queued, running or finished (a summary shows at the right)."""
    low_bandwidth: reactive[bool] = reactive(False)
    """Low-bandwidth mode is on: say so, since the screen repaints less often."""
    PULL_REFRESH_S = 0.5  # pull figures here at 2 Hz: a status line needs no more, and frames cost CPU

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._live: LiveStats | None = None
        self._pending_pulls: tuple[PullProgress, ...] | None = None
        self._pulls_at = 0.0

    def show_pulls(self, jobs: tuple[PullProgress, ...]) -> None:
        """Take the app's pull snapshot (≤ 10 Hz); repaint at most twice a second unless a pull
        starts, ends or joins the queue."""
        changed = [(j.name, j.state) for j in jobs] != [(j.name, j.state) for j in self.pulls]
        wait = self.PULL_REFRESH_S - (time.monotonic() - self._pulls_at)
        if changed or wait <= 0:
            self._apply_pulls(jobs)
            return
        if self._pending_pulls is None:
            self.set_timer(wait, self._flush_pulls)
        self._pending_pulls = jobs

    def _flush_pulls(self) -> None:
        if self._pending_pulls is not None:
            self._apply_pulls(self._pending_pulls)

    def _apply_pulls(self, jobs: tuple[PullProgress, ...]) -> None:
        self._pending_pulls = None
        self._pulls_at = time.monotonic()
        self.pulls = jobs

    def follow(self, live: LiveStats | None) -> None:
        self._live = live
        self.refresh()

    def tick(self) -> None:
        """Called on the screen's live timer (2 Hz, not per token: the cost stays flat at any rate)."""
        if self._live is not None:
            self.refresh()

    def render(self) -> Text:
        text = self._reply_text()
        if self.low_bandwidth:
            text.append("  ·  low-bandwidth mode", style="dim")
        pulls = pull_summary(self.pulls)
        if pulls is not None:
            text.append("  ·  ")
            text.append_text(pulls)
        return text

    def _reply_text(self) -> Text:
        text = Text()
        text.append(f"think: {self.think or 'n/a'}")
        live = self._live
        if live is not None:
            text.append("  ·  streaming ")
            text.append(rate_estimate(live.rate()))
            text.append(f"  ·  TTFT {format_seconds(live.ttft_s)}")
        elif self.last is not None:
            stats = self.last.stats
            if self.last.status is not TurnStatus.DONE:
                received = stats.thinking_tokens + stats.content_tokens
                text.append(f"  ·  last reply {self.last.status.value} after {received} tokens")
                return text
            text.append(f"  ·  last reply {format_rate(stats.eval_rate)}")
            text.append(f"  ·  TTFT {format_seconds(stats.ttft_s)}")
            if stats.prompt_eval_count is not None:
                text.append(
                    f"  ·  prompt {stats.prompt_eval_count} tok @ {format_rate(stats.prompt_eval_rate)}"
                )
            text.append(f"  ·  load {format_seconds(stats.load_s)}")
        return text
