"""One turn in the chat log: the user's prompt and the assistant's reply.

While a reply streams it is a `StreamingMarkdown` fed in batches at a fixed rate (never per token:
that costs ~6 CPU-s per 1k tokens). When it ends, the whole reply is rendered once into a single
cheap `Static`, which also reconciles anything block-by-block rendering got wrong (list numbering).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from glmtui.core.sanitize import sanitize
from glmtui.core.state import Turn, TurnStatus
from glmtui.core.stats import LiveStats, summary_parts
from glmtui.core.units import format_seconds, rate_estimate
from glmtui.widgets.attachments import chips_line
from glmtui.widgets.stream_markdown import StreamingMarkdown, code_theme, render_markdown
from glmtui.widgets.thinking import ThinkingView
from glmtui.widgets.tool_calls import ToolCallsView

if TYPE_CHECKING:
    from rich.markdown import Markdown as RichMarkdown

LOW_BANDWIDTH_FLUSH_HZ = 4
FLUSH_HZ = 10  # how often streamed text reaches the screen (the low end of smooth: each flush costs a frame)
PROMPT_DISPLAY_LIMIT = 4000  # characters of a huge prompt shown in the log (all of it is sent)


class UserMessage(Static):
    """The user's prompt, shown as plain text (a 1 MB paste is shown truncated)."""

    DEFAULT_CSS = """
    UserMessage {
        color: $user-color;
        border-left: thick $primary;
        padding: 0 1;
        margin: 1 0 0 0;
    }
    """

    def __init__(self, prompt: str, *, chips: Sequence[str] = ()) -> None:
        """`chips`: the attachments sent with it (name and size), on a line above its text."""
        shown = prompt
        if len(prompt) > PROMPT_DISPLAY_LIMIT:
            hidden = len(prompt) - PROMPT_DISPLAY_LIMIT
            shown = (
                f"{prompt[:PROMPT_DISPLAY_LIMIT]}\n… ({len(prompt):,} characters sent, {hidden:,} not shown)"
            )
        self.prompt_text = Text(sanitize(shown))  # a paste can carry escapes too
        if chips:  # the attachments' line first: BranchPrompt puts its switch before both
            self.prompt_text = Text("\n").join(
                [chips_line([sanitize(chip) for chip in chips]), self.prompt_text]
            )
        super().__init__(self.prompt_text, markup=False)


class ReplyView(Vertical):
    """An assistant reply: optional thinking section, the answer, and a stats line under it."""

    DEFAULT_CSS = """
    ReplyView { height: auto; padding: 0 1 0 2; }
    ReplyView > .reply-final { margin: 0; }
    ReplyView > .reply-stats { color: $stats-color; }
    ReplyView.-failed > .reply-stats { color: $error; }
    ReplyView.-stopped > .reply-stats { color: $warning; }
    """

    def __init__(self, turn: Turn, *, saved: bool = False, low_bandwidth: bool = False) -> None:
        """`saved`: a finished turn from the history, composed in its final form at once (no
        streaming widgets, no second render): a resumed chat mounts all its turns in one layout.
        `low_bandwidth`: flush streamed text 4 times a second instead of 10 (SSH on slow links)."""
        super().__init__(classes=f"-{turn.status.value}" if saved else "-streaming")
        self.turn = turn
        self._saved = saved
        self._low_bandwidth = low_bandwidth
        self.live: LiveStats | None = None
        self._thinking_parts: list[str] = []
        self._content_pending: list[str] = []
        self._thinking_dirty = False
        self._thinking_view: ThinkingView | None = None
        self._markdown: StreamingMarkdown | None = None
        self._tool_calls: ToolCallsView | None = None  # under the answer, once the reply has ended
        self.waiting_text = "waiting for the model…"  # until the first token (the compare screen says more)
        self._stats = Static(self.waiting_text, classes="reply-stats", markup=False)
        self._timer: Timer | None = None
        self._finished = False

    @property
    def live_markdown(self) -> StreamingMarkdown | None:
        """The answer as it streams: None before its first text, and once the final reply replaced it."""
        return self._markdown

    def compose(self) -> ComposeResult:
        if self._saved:
            self._finished = True
            turn = self.turn
            if turn.thinking:
                self._thinking_view = ThinkingView()
                yield self._thinking_view
            if turn.reply:
                yield FinalReply(turn.reply)
            if turn.tool_calls:
                self._tool_calls = ToolCallsView(turn.tool_calls)
                yield self._tool_calls
            self._stats.update(stats_line(turn))
        yield self._stats

    def on_mount(self) -> None:
        if self._saved and self._thinking_view is not None:
            turn = self.turn
            self._thinking_view.show_text(turn.thinking)
            self._thinking_view.finish(
                turn.stats.thinking_s, turn.stats.thinking_tokens, still_thinking=not turn.reply
            )

    def set_waiting(self, text: str) -> None:
        """What the line under the reply says until the first token: "queued", "loading model"…"""
        self.waiting_text = text
        if (self.live is None or self.live.first_token_at is None) and not self._finished:
            self._stats.update(text, layout=False)

    def start(self, live: LiveStats) -> None:
        self.live = live
        # Low-bandwidth mode (SSH) sends streamed text 4 times a second instead of 10: fewer, bigger frames.
        hz = LOW_BANDWIDTH_FLUSH_HZ if self._low_bandwidth else FLUSH_HZ
        self._timer = self.set_interval(1 / hz, self._flush)

    # Called by the pane's worker for every delta: cheap list appends only.
    def feed_thinking(self, text: str) -> None:
        self._thinking_parts.append(text)
        self._thinking_dirty = True

    def feed_content(self, text: str) -> None:
        self._content_pending.append(text)

    async def _flush(self) -> None:
        """Move buffered text to the screen (runs at FLUSH_HZ while streaming)."""
        if self._finished:
            return
        if self._thinking_dirty:
            self._thinking_dirty = False
            if self._thinking_view is None:
                self._thinking_view = ThinkingView()
                await self.mount(self._thinking_view, before=0)
            self._thinking_view.show_text("".join(self._thinking_parts))
        if self._content_pending:
            chunk = "".join(self._content_pending)
            self._content_pending.clear()
            if self._markdown is None:
                if self._thinking_view is not None and self.live is not None:
                    self._thinking_view.finish(self.live.thinking_s, self.live.thinking_tokens)
                self._markdown = StreamingMarkdown()
                await self.mount(self._markdown, before=self._stats)
            self._markdown.append(chunk)
        # One short line: no layout pass needed (a layout per flush is what streaming must avoid).
        self._stats.update(self._live_line(), layout=False)

    def _live_line(self) -> Text:
        live = self.live
        if live is None or live.first_token_at is None:
            return Text(self.waiting_text)
        rate = live.rate()
        parts = [f"TTFT {format_seconds(live.ttft_s)}", f"{live.tokens} tokens"]
        if rate is not None:
            parts.insert(0, rate_estimate(rate))
        phase = "thinking" if live.first_content_at is None and live.thinking_tokens else "streaming"
        return Text(f"{phase} · " + " · ".join(parts))

    async def finish(self) -> None:
        """Show the end state now (last text, exact stats); reconcile with one full render just after.

        The user's last frame — the final tokens and the exact figures — must not wait for the full
        re-render of a long reply, so that happens after this frame is on screen.
        """
        if self._finished:
            return
        self._finished = True
        if self._timer is not None:
            self._timer.stop()
        turn = self.turn
        self.remove_class("-streaming")
        self.add_class(f"-{turn.status.value}")
        if self._thinking_view is None and turn.thinking:
            self._thinking_view = ThinkingView()
            await self.mount(self._thinking_view, before=0)
        if self._thinking_view is not None:
            self._thinking_view.show_text(turn.thinking)
            if not self._thinking_view.collapsed or turn.stats.thinking_s is not None:
                self._thinking_view.finish(
                    turn.stats.thinking_s, turn.stats.thinking_tokens, still_thinking=not turn.reply
                )
        if self._markdown is not None and self._content_pending:
            self._markdown.append("".join(self._content_pending))
        self._content_pending.clear()
        if turn.tool_calls and self._tool_calls is None:
            self._tool_calls = ToolCallsView(turn.tool_calls)
            await self.mount(self._tool_calls, before=self._stats)
        # A reply failing now: the screen adds the error's message and hint as a notice under it.
        self._stats.update(stats_line(turn, error_below=True))
        if turn.reply:
            self.call_after_refresh(self._reconcile)

    async def _reconcile(self) -> None:
        """Replace the streamed blocks with one widget holding one full render of the reply."""
        if not self.is_attached:
            return
        with self.app.batch_update():
            if self._markdown is not None:
                await self._markdown.remove()
                self._markdown = None
            await self.mount(FinalReply(self.turn.reply), before=self._tool_calls or self._stats)


class FinalReply(Static):
    """A finished reply: one widget holding one full Markdown render."""

    def __init__(self, markdown: str) -> None:
        super().__init__(classes="reply-final")
        self.markdown = markdown
        self._parsed: tuple[str, RichMarkdown] | None = None

    def render(self) -> RichMarkdown:
        # Parsed once per theme brightness; Textual caches the rendered lines per width.
        style = code_theme(self.app.current_theme)
        if self._parsed is None or self._parsed[0] != style:
            self._parsed = (style, render_markdown(self.markdown, style))
        return self._parsed[1]


def stats_line(turn: Turn, *, error_below: bool = False) -> Text:
    """The line under a reply: exact figures, and how it ended if not normally.

    `error_below`: the chat shows the failure's message (and what to do) right under this line, so
    it is not printed here a second time; a saved reply has only this line to say why it failed."""
    text = Text()
    if turn.status is TurnStatus.STOPPED:
        text.append(f"⏹ {turn.error or 'stopped'} · ")
    elif turn.status is TurnStatus.FAILED:
        text.append(f"✗ {'failed' if error_below else turn.error or 'failed'} · ")
    text.append(" · ".join(f"{label} {value}" for label, value in summary_parts(turn.stats)))
    if turn.stats.done_reason == "length":
        text.append(" · cut at the token limit")
    return text
