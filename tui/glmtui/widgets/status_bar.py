"""The bottom status line: think setting, live or last speed, the context used, and transient hints."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from glmtui.core.context import ContextUse
from glmtui.core.state import PullProgress, Turn, TurnStatus
from glmtui.core.stats import LiveStats, rate_text, timed
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
    context: reactive[ContextUse | None] = reactive(None)
    """The last request's share of the model's context (`ctx 28.1k / 32k`), coloured as it fills."""
    preset: reactive[str] = reactive("")
    """The chat's active preset ("" none)."""
    edited: reactive[bool] = reactive(False)
    """The chat's own option edits (Alt+O) apply: said beside the preset, so they never apply unseen."""
    preserved_thinking: reactive[bool] = reactive(False)
    """This chat sends earlier turns' traces back (screens/chat_thinking.py): said while it is on."""
    preserved_support: reactive[str] = reactive("yes")
    """Whether the current model takes them (core/preserve.py `Support`): "no" (none are sent, so
    nothing is said), "unknown" (said with that doubt), "yes"."""
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
        # Parts in the order shown; when the line is too narrow the least needed go first (the last
        # reply's load, prompt and TTFT figures), so a pull's summary always gets its room.
        parts = self._reply_parts()
        if self.context is not None:
            parts.insert(min(2, len(parts)), (self.context_text(), 4))
        if self.preserved_thinking and self.preserved_support != "no":
            doubt = " (may be ignored)" if self.preserved_support == "unknown" else ""
            parts.insert(1, (Text(f"preserved thinking{doubt}"), 6))
        if self.low_bandwidth:
            parts.append((Text("low-bandwidth mode", style="dim"), 1))
        width = self.content_size.width or None
        pulls = pull_summary(self.pulls)
        if pulls is not None and width is not None:
            room = width - len(SEPARATOR) - parts[0][0].cell_len  # the think setting always stays
            pulls = pull_summary(self.pulls, max(10, min(pulls.cell_len, room)))
        while width is not None and len(parts) > 1 and _length(parts, pulls) > width:
            # The least needed; of equals, the last shown.
            del parts[min(range(len(parts) - 1, 0, -1), key=lambda i: parts[i][1])]
        text = Text(SEPARATOR).join(words for words, _ in parts)
        if pulls is not None:
            text.append(SEPARATOR)
            text.append_text(pulls)
        return text

    def context_text(self) -> Text:
        """The context gauge in the theme's meter colour for how full it is (ok, warn, critical)."""
        use = self.context
        if use is None:
            return Text()
        style = self.app.theme_variables.get(f"meter-{use.level}", "") if use.context else "dim"
        return Text(use.label(), style=style)

    def _reply_parts(self) -> list[tuple[Text, int]]:
        """The reply's figures, each with how much it is needed (higher stays longer)."""
        parts = [(Text(f"think: {self.think or 'n/a'}"), 9)]
        if self.preset:
            parts.append((Text(f"preset {self.preset}"), 6))
        if self.edited:
            parts.append((Text("options edited"), 6))
        live = self._live
        if live is not None:
            parts.append((Text(f"streaming {rate_estimate(live.rate())}"), 5))
            parts.append((Text(f"TTFT {format_seconds(live.ttft_s)}"), 3))
        elif self.last is not None:
            stats = self.last.stats
            if self.last.status is not TurnStatus.DONE:
                received = stats.thinking_tokens + stats.content_tokens
                parts.append((Text(f"last reply {self.last.status.value} after {received} tokens"), 5))
                return parts
            parts.append((Text(f"last reply {rate_text(stats)}"), 5))
            parts.append((Text(f"TTFT {format_seconds(stats.ttft_s)}"), 3))
            if stats.client_timed:
                # No server durations: the prompt's count alone, and a load only when one was waited for.
                if stats.prompt_eval_count is not None:
                    parts.append((Text(f"prompt {stats.prompt_eval_count} tok"), 2))
                if stats.load_s is not None:
                    parts.append((Text(f"load {timed(format_seconds(stats.load_s), stats)}"), 2))
                return parts
            if stats.prompt_eval_count is not None:
                parts.append(
                    (Text(f"prompt {stats.prompt_eval_count} tok @ {format_rate(stats.prompt_eval_rate)}"), 2)
                )
            parts.append((Text(f"load {format_seconds(stats.load_s)}"), 2))
        return parts


SEPARATOR = "  ·  "


def _length(parts: list[tuple[Text, int]], pulls: Text | None) -> int:
    length = sum(words.cell_len for words, _ in parts) + len(SEPARATOR) * (len(parts) - 1)
    return length + (len(SEPARATOR) + pulls.cell_len if pulls is not None else 0)
