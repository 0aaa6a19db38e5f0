"""Pull progress: one line per pull (bar over all layers, bytes, speed, ETA), and a one-line summary.

Fed by the app's pull signal (≤ 10 updates a second), so repaints stay cheap however fast Ollama
sends progress lines. Model names and Ollama's messages are plain text, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from glmtui.core.state import PullProgress
from glmtui.core.units import byte_rate, duration, human_bytes, percent
from glmtui.services.trace import trace
from glmtui.widgets.formatting import meter

BAR_WIDTH = 24


def pull_line(job: PullProgress, bar_width: int = BAR_WIDTH) -> Text:
    """The full line for the models screen."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if job.state == "pulling":
        text.append("⤓ ", style="bold")
        text.append(job.name, style="bold")
        text.append("  ")
        if job.total:
            text.append_text(meter(job.fraction, bar_width, "green"))
            text.append(
                f" {percent(job.fraction or 0, 3)}  {human_bytes(job.completed)}/{human_bytes(job.total)}"
                f"  {byte_rate(job.rate)}  ETA {duration(job.eta_s)}  "
            )
        text.append(job.status, style="dim")
    elif job.state == "queued":
        text.append("… ", style="dim")
        text.append(job.name)
        text.append("  queued", style="dim")
    elif job.state == "done":
        text.append("✓ ", style="bold green")
        text.append(job.name)
        text.append("  installed", style="green")
    else:
        mark, style = ("✗ ", "bold red") if job.state == "failed" else ("■ ", "yellow")
        text.append(mark, style=style)
        text.append(job.name)
        text.append(f"  {job.error or job.state}", style=style.split()[-1])
        if job.hint:
            text.append(f" — {job.hint}", style="dim")
    return text


def pull_summary(jobs: tuple[PullProgress, ...], width: int | None = None) -> Text | None:
    """For the status bar: the running pull and how many wait, or None when nothing is pulling.

    With a `width`, the shortest form that fits: the rate goes first, then the ETA, then the
    percentage, and last the model name is cut (with an ellipsis) rather than the whole summary."""
    running = next((job for job in jobs if job.state == "pulling"), None)
    queued = sum(job.state == "queued" for job in jobs)
    if running is None and not queued:
        return None
    tail = (f" (+{queued} queued)" if running else f"⤓ {queued} queued") if queued else ""
    if running is None:
        return Text(tail)
    if running.total:
        figures = [percent(running.fraction or 0), byte_rate(running.rate), f"ETA {duration(running.eta_s)}"]
        forms = [figures, [figures[0], figures[2]], [figures[0]]]
    else:
        forms = [[running.status], []]
    for parts in forms:
        text = Text(" ".join([f"⤓ {running.name}", *parts]) + tail)
        if width is None or text.cell_len <= width:
            return text
    # Not even the name fits: cut it, keeping the percentage (the figure a glance looks for).
    ending = (" " + " ".join(forms[-2][:1]) if running.total else "") + tail
    text = Text(f"⤓ {running.name}", no_wrap=True, overflow="ellipsis")
    text.truncate(max(3, (width or 0) - len(ending)), overflow="ellipsis")  # (width is set here)
    text.append(ending)
    return text


class PullList(Widget):
    """The models screen's list of this session's pulls (hidden while there are none)."""

    DEFAULT_CSS = """
    PullList { height: auto; max-height: 8; padding: 0 1; border-top: solid $panel-lighten-2; }
    PullList.-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-empty")
        self._jobs: tuple[PullProgress, ...] = ()

    def show(self, jobs: tuple[PullProgress, ...]) -> None:
        self._jobs = jobs
        self.set_class(not jobs, "-empty")
        trace("pull_paint")
        self.refresh(layout=True)

    def render(self) -> Text:
        return Text("\n").join(pull_line(job) for job in self._jobs)
