"""The usage screen: what the saved turns say over time — tokens per day, decode rate per model (a new
digest of a model marked, so a drop after an upgrade shows), the TTFT distribution, and a summary per
model — filtered by model, endpoint and time range.

The figures are read in a worker through the journal (services/usage_stats.py); changing a filter
starts a new read and the last one wins. `now` may be passed in (tests, snapshots): the ranges end there.
"""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Select, Static

from glmtui.core.units import format_seconds
from glmtui.core.usage import (
    DEFAULT_DAYS,
    RANGES,
    SummaryRow,
    UsageReport,
    bucket_labels,
    day_label,
    day_ticks,
    digest_changes,
    rate_series,
    scale,
    series_name,
    summary_rows,
    tokens_series,
    ttft_histogram,
)
from glmtui.services import usage_stats
from glmtui.services.usage_stats import UsageQuery
from glmtui.surface import AppSurface
from glmtui.widgets.charts import Chart, plain
from glmtui.widgets.footer import QuietFooter
from glmtui.widgets.settled_table import SettledTable

NOT_RECORDED = "(not recorded)"  # turns saved before endpoints were: their endpoint is ''
NOTES = (
    "Decode rates: per-turn medians of finished turns (a stopped or failed reply's partial figures are "
    "not a rate); exact = the server's own timings, client-timed = timed by glmtui (OpenAI-compatible "
    "engines), never pooled. TTFT: every turn that received a first token. Turns and tokens count every "
    "ending. The server's version is not saved per turn: a model's new digest marks an upgrade (│)."
)


def _short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


class UsageScreen(Screen[None]):
    """Usage over time, with filters; Esc goes back."""

    CSS_PATH = "usage.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # below 120 columns the table goes under
    BINDINGS = [Binding("escape", "close", "Back", id="usage-close")]

    app = getters.app(AppSurface)
    tokens_chart = getters.query_one("#usage-tokens", Chart)
    rates_chart = getters.query_one("#usage-rates", Chart)
    ttft_chart = getters.query_one("#usage-ttft", Chart)
    summary = getters.query_one("#usage-summary", DataTable)

    def __init__(self, now: float | None = None, utc_offset_s: int | None = None) -> None:
        """`now` and `utc_offset_s` freeze the clock (tests): the ranges end at `now`, days are those
        of a clock `utc_offset_s` ahead of UTC (None: the time now and this machine's offset)."""
        super().__init__()
        self._now = now
        self._offset = utc_offset_s
        self.report: UsageReport | None = None
        """The figures on screen (None until the first read ends)."""
        self.loads = 0
        """Reads finished so far (tests wait on it)."""
        self.drawn = False
        """The frame after the first read was shown has been drawn (the benchmark's end point)."""
        self._asked: UsageQuery | None = None  # the filters of the read under way, or of the last one
        self._mounted = asyncio.Event()  # the first read may end before the widgets it fills exist

    def compose(self) -> ComposeResult:
        # The first read starts now, with the filters' initial values, while the screen is built.
        self.reload(self._query(None, None, DEFAULT_DAYS))
        yield Static(id="usage-title")
        with Horizontal(id="usage-filters"):
            yield Select[str]([], prompt="All models", id="usage-model")
            yield Select[str]([], prompt="All endpoints", id="usage-endpoint")
            yield Select[int](
                [(label, days if days is not None else 0) for label, days in RANGES],
                allow_blank=False,
                value=DEFAULT_DAYS,
                id="usage-range",
            )
        yield Static(id="usage-empty")
        with Horizontal(id="usage-body"):
            with Vertical(id="usage-charts"):
                yield Chart(id="usage-tokens")
                yield Chart(id="usage-rates")
                yield Static(id="usage-digests")
                yield Chart(id="usage-ttft")
            with Vertical(id="usage-side"):
                yield SettledTable(id="usage-summary", cursor_type="row", zebra_stripes=True)
                yield Static(Text(NOTES), id="usage-notes")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.summary.add_columns("model", "turns", "tokens", "tok/s", "TTFT")
        self.query_one("#usage-range", Select).focus()
        if not self.loads:
            self._title("reading…")
        self._mounted.set()

    # -- filters ----------------------------------------------------------------------------------

    def query_now(self) -> UsageQuery:
        """The filters as chosen now."""
        model = self.query_one("#usage-model", Select).value
        endpoint = self.query_one("#usage-endpoint", Select).value
        days = self.query_one("#usage-range", Select).value
        return self._query(model, endpoint, days)

    def _query(self, model: object, endpoint: object, days: object) -> UsageQuery:
        return UsageQuery(
            now=self._now if self._now is not None else time.time(),
            model=model if isinstance(model, str) else None,
            endpoint=endpoint if isinstance(endpoint, str) else None,
            days=days if isinstance(days, int) and days > 0 else None,
            offset_s=self._offset,
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self._asked is not None and self._same(self.query_now(), self._asked):
            return  # a Select settling (at mount, or its options refreshed): the same choice, read already
        self.reload()

    @staticmethod
    def _same(a: UsageQuery, b: UsageQuery) -> bool:
        return (a.model, a.endpoint, a.days) == (b.model, b.endpoint, b.days)

    def _set_options(self, select_id: str, values: list[str]) -> None:
        select: Select[str] = self.query_one(select_id, Select)
        current = select.value
        options = [(Content(plain(v or NOT_RECORDED)), v) for v in values]  # plain text, never markup
        with select.prevent(Select.Changed):
            select.set_options(options)
            if isinstance(current, str) and current in values:
                select.value = current

    # -- reading and showing ----------------------------------------------------------------------

    @work(exclusive=True, group="usage-load", exit_on_error=False)
    async def reload(self, query: UsageQuery | None = None) -> None:
        """Read the figures for `query` (None: the filters chosen now), off the event loop, and show
        them once the screen is mounted."""
        query = self._asked = query or self.query_now()
        journal = self.app.journal
        report = await journal.run(usage_stats.load, journal.store, query) if journal.enabled else None
        await self._mounted.wait()
        self.show(report)
        self.loads += 1
        if not self.drawn:
            self.call_after_refresh(setattr, self, "drawn", True)

    def show(self, report: UsageReport | None) -> None:
        """Draw `report` (None: the history could not be read, or saving is off)."""
        self.report = report
        empty = self.query_one("#usage-empty", Static)
        body = self.query_one("#usage-body")
        if report is None:
            self._title("nothing to show")
            empty.update(
                "Saving is off for this session, so there is no history to read (see the notification)."
                if not self.app.journal.enabled
                else "The history could not be read (see the notification)."
            )
            empty.display, body.display = True, False
            return
        self._set_options("#usage-model", report.models)
        self._set_options("#usage-endpoint", report.endpoints)
        if report.empty:
            empty.update(
                "No turns match these filters: try another model, endpoint or a longer range."
                if report.any_saved
                else "No turns saved yet. Chat a little: tokens, decode rates and TTFTs show here."
            )
            empty.display, body.display = True, False
            self._title("0 turns")
            return
        empty.display, body.display = False, True
        rows = summary_rows(report)
        turns = sum(r.turns for r in rows)
        self._title(f"{turns:,} turn{'' if turns == 1 else 's'}")
        self._tokens(report)
        self._rates(report)
        self.ttft_chart.histogram(
            bucket_labels(),
            ttft_histogram(report),
            title="time to first token (TTFT), seconds",
            unit="turns",
        )
        self._table(rows)

    def _title(self, detail: str) -> None:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("Usage", style="bold")
        title.append(f"  ·  {detail}")
        title.append("  ·  Tab moves between the filters · Esc goes back", style="dim")
        self.query_one("#usage-title", Static).update(title)

    def _tokens(self, report: UsageReport) -> None:
        width, starts, series = tokens_series(report)
        per = {1: "day", 7: "week"}.get(width, f"{width} days")
        fmt = "%m-%d" if report.last_day - report.first_day <= 183 else "%Y-%m-%d"
        labels = [time.strftime(fmt, time.gmtime(day * 86_400)) for day in starts]
        self.tokens_chart.bars(
            labels,
            {model: [float(v) for v in bars] for model, bars in series.items()},  # ticks say 5k
            title=f"tokens per {per} (prompt + generated)",
            unit="tokens",
        )

    def _rates(self, report: UsageReport) -> None:
        series = rate_series(report)
        changes = digest_changes(report)
        digests = self.query_one("#usage-digests", Static)
        if not series:
            self.rates_chart.message("decode rate: no finished turn with the server's figures in this range")
        else:
            # A change is marked on each of the model's series (exact and client-timed alike).
            marks = [
                (change.day, name)
                for change in changes
                for name in series
                if name == change.model or name.startswith(f"{change.model} (")
            ]
            self.rates_chart.lines(
                series,
                title="decode rate per day (tokens ÷ decode time); │ = new digest",
                unit="tok/s",
                xticks=day_ticks(report.first_day, report.last_day),
                marks=marks,
            )
        text = Text(no_wrap=True, overflow="ellipsis")
        for change in changes[-3:]:  # the latest few: the chart marks them all
            text.append("│ ", style="bold")
            text.append(f"{plain(change.model)} new digest on {day_label(change.day)}")
            text.append(f" ({_short(change.old)} → {_short(change.new)})  ", style="dim")
        digests.update(text)
        digests.display = bool(changes)

    def _table(self, rows: list[SummaryRow]) -> None:
        table = self.summary
        table.clear()
        table.add_rows(  # one batch (the rows' medians are computed once, in show)
            (
                Text(plain(series_name(row.model, row.timing))),
                Text(f"{row.turns:,}", justify="right"),
                Text(_tokens_text(row.tokens), justify="right"),
                Text("n/a" if row.median_rate is None else f"{row.median_rate:.1f}", justify="right"),
                Text(format_seconds(row.median_ttft), justify="right"),
            )
            for row in rows
        )
        stopped = sum(r.stopped for r in rows)
        failed = sum(r.failed for r in rows)
        notes = Text()
        if stopped or failed:
            notes.append(f"{stopped:,} stopped, {failed:,} failed: in turns and tokens.\n", style="bold")
        notes.append(NOTES)
        self.query_one("#usage-notes", Static).update(notes)

    def action_close(self) -> None:
        self.dismiss()


def _tokens_text(tokens: int) -> str:
    divisor, prefix = scale(tokens)
    return f"{tokens / divisor:.1f}{prefix}" if prefix else f"{tokens:,}"
