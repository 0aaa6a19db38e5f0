"""Usage over time, from the figures saved with each turn: the vocabulary and the pure arithmetic.

The store's query module (services/usage_stats.py) groups the turns in SQL and hands back small
tables: figures per day × model × digest × timing, and (value, count) pairs of decode rates and TTFTs
rounded to display precision. Everything here turns those into what the usage screen shows — medians,
histograms, day bins, series per model, the days a model's digest changed — with no I/O.

How turns count (the same rule everywhere):
- every turn counts as a turn, whatever its ending; its tokens are the prompt's (when the server said)
  plus those generated (the server's count; for a stopped or failed reply, the chunks received);
- a decode-rate sample is a turn that finished (`done`) with the server's final figures: a stopped or
  failed reply's partial figures are not a rate;
- a TTFT sample is any turn that received a first token (its wait was complete, however it ended);
- exact rates (Ollama's own durations) and client-timed ones (an OpenAI-compatible engine, timed by
  glmtui) are never pooled: every rate series and median is per (model, timing), and says which.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from glmtui.core.state import CLIENT_TIMED, EXACT

DAY_S = 86_400
RANGES: tuple[tuple[str, int | None], ...] = (
    ("last 7 days", 7),
    ("last 30 days", 30),
    ("last 90 days", 90),
    ("all time", None),
)
"""The time ranges offered, (label, days); None is everything saved."""
DEFAULT_DAYS = 30
TTFT_EDGES: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
"""TTFT histogram bucket edges in seconds (a bucket holds edge[i-1] <= t < edge[i]; the last is open)."""
MAX_BARS = 45  # more days than this in the range: tokens are summed per week, or per 30 days
TIMING_LABELS = {EXACT: "exact", CLIENT_TIMED: "client-timed"}


def timing_label(timing: str) -> str:
    """How a rate was timed, in the words every figure uses."""
    return TIMING_LABELS.get(timing, timing)


def utc_offset_s(now: float) -> int:
    """The local clock's offset from UTC at `now`: days are local days. (One offset for the whole range:
    across a daylight-saving change a turn within an hour of midnight may land on the day beside.)"""
    return int(time.localtime(now).tm_gmtoff)


def range_start(now: float, days: int | None) -> float | None:
    """The earliest `created_at` in a range of `days` ending at `now` (None: everything)."""
    return None if days is None else now - days * DAY_S


def day_of(timestamp: float, offset_s: int = 0) -> int:
    """Days since 1970-01-01 on a clock `offset_s` ahead of UTC (the same rule as the SQL's)."""
    return int((timestamp + offset_s) // DAY_S)


def day_label(day: int) -> str:
    """`2026-11-29` for a day number."""
    return time.strftime("%Y-%m-%d", time.gmtime(day * DAY_S))


# -- medians and histograms -----------------------------------------------------------------------


def weighted_median(pairs: Iterable[tuple[float, int]]) -> float | None:
    """The median of values given as (value, how many times); the mean of the two middle values when
    the total is even. None for no values."""
    ordered = sorted((value, count) for value, count in pairs if count > 0)
    total = sum(count for _, count in ordered)
    if total == 0:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle value(s)
    seen, low = 0, None
    for value, count in ordered:
        if low is None and seen + count > low_rank:
            low = value
        if seen + count > high_rank:
            assert low is not None
            return (low + value) / 2
        seen += count
    return None  # not reached: the ranks are below the total


def median(values: Iterable[float]) -> float | None:
    """The median of plain values (None for none)."""
    return weighted_median((value, 1) for value in values)


def bucket_of(value: float, edges: Sequence[float] = TTFT_EDGES) -> int:
    """Which bucket of `histogram` a value falls in (0 below the first edge, len(edges) past the last)."""
    return bisect_right(edges, value)


def histogram(pairs: Iterable[tuple[float, int]], edges: Sequence[float] = TTFT_EDGES) -> list[int]:
    """Counts per bucket (len(edges) + 1 of them) of values given as (value, count)."""
    counts = [0] * (len(edges) + 1)
    for value, count in pairs:
        counts[bucket_of(value, edges)] += count
    return counts


def bucket_labels(edges: Sequence[float] = TTFT_EDGES) -> list[str]:
    """`<0.1`, `<0.25`, …, `≥10`: one per bucket of `histogram`, each named by its upper edge (short,
    so that they fit under narrow bars: plotext drops labels that collide, a different one each run)."""
    return [f"<{edge:g}" for edge in edges] + [f"≥{edges[-1]:g}"]


def bin_width(first_day: int, last_day: int, max_bars: int = MAX_BARS) -> int:
    """Days per bar so that a range fits in `max_bars`: 1, 7 or 30."""
    span = last_day - first_day + 1
    return next((width for width in (1, 7) if span <= max_bars * width), 30)


def day_ticks(first_day: int, last_day: int, count: int = 5) -> tuple[list[int], list[str]]:
    """About `count` evenly spaced days of a range and their labels (`11-29`; `2026-11` past 6 months)."""
    span = max(last_day - first_day, 0)
    step = max(1, -(-span // max(count - 1, 1)))
    days = list(range(first_day, last_day + 1, step))
    fmt = "%Y-%m" if span > 183 else "%m-%d"
    return days, [time.strftime(fmt, time.gmtime(day * DAY_S)) for day in days]


def scale(largest: float) -> tuple[float, str]:
    """(divisor, prefix) to show figures up to `largest` in: (1e6, "M"), (1e3, "k") or (1, "")."""
    return next(((div, prefix) for div, prefix in ((1e6, "M"), (1e3, "k")) if largest >= div * 10), (1.0, ""))


# -- what the store's query module returns --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayFigures:
    """The turns of one day × model × digest × timing, summed (one row of the grouped query)."""

    day: int
    model: str
    digest: str
    timing: str
    turns: int
    prompt_tokens: int
    generated_tokens: int
    stopped: int  # stopped, or cut off by a crash
    failed: int
    samples: int  # decode-rate samples (done, with the server's final figures)
    sample_tokens: int  # their eval_count, summed
    sample_ns: int  # their eval_duration, summed
    first_at: float  # the earliest turn of the group


@dataclass(frozen=True, slots=True)
class DigestChange:
    """A model's name first answered with another digest (a new build or quantisation under the same
    tag) on `day`: a rate drop after it is the upgrade's, not the weather's."""

    day: int
    model: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One line of the summary table: a model, timed one way."""

    model: str
    timing: str
    turns: int
    tokens: int
    stopped: int
    failed: int
    median_rate: float | None  # per-turn decode rates' median (tok/s)
    median_ttft: float | None  # seconds


@dataclass(slots=True)
class UsageReport:
    """Everything the usage screen shows for one choice of filters."""

    first_day: int  # the range's first and last day (local days, see `day_of`)
    last_day: int
    days: list[DayFigures] = field(default_factory=list)
    rates: dict[tuple[str, str], list[tuple[float, int]]] = field(default_factory=dict)
    """Per (model, timing): (decode rate rounded to 0.1 tok/s, how many samples)."""
    ttfts: dict[tuple[str, str], list[tuple[float, int]]] = field(default_factory=dict)
    """Per (model, timing): (TTFT rounded to 10 ms, how many samples)."""
    models: list[str] = field(default_factory=list)  # every model and endpoint ever saved (the filters)
    endpoints: list[str] = field(default_factory=list)
    any_saved: bool = False  # whether the store has any turn at all (the empty state's wording)

    @property
    def empty(self) -> bool:
        """No turn matches the filters."""
        return not self.days


# -- series for the charts and the table ----------------------------------------------------------


def tokens_series(report: UsageReport) -> tuple[int, list[int], dict[str, list[int]]]:
    """(days per bar, each bar's first day, tokens per bar per model): prompt + generated, summed."""
    width = bin_width(report.first_day, report.last_day)
    starts = list(range(report.first_day, report.last_day + 1, width))
    series: dict[str, list[int]] = {}
    for row in report.days:
        bars = series.setdefault(row.model, [0] * len(starts))
        index = min((row.day - report.first_day) // width, len(starts) - 1)
        if index >= 0:
            bars[index] += row.prompt_tokens + row.generated_tokens
    return width, starts, dict(sorted(series.items()))


def series_name(model: str, timing: str) -> str:
    """A rate series' name: the model, and `(client-timed)` when glmtui timed it."""
    return model if timing == EXACT else f"{model} ({timing_label(timing)})"


def rate_series(report: UsageReport) -> dict[str, tuple[list[int], list[float]]]:
    """Per model and timing: (days, that day's decode rate) — the day's tokens over its decode time
    (the rate of all its tokens together), from its samples alone; days without one are left out."""
    pooled: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(dict)
    for row in report.days:
        if row.samples and row.sample_ns > 0:
            sums = pooled[(row.model, row.timing)].setdefault(row.day, [0, 0])
            sums[0] += row.sample_tokens
            sums[1] += row.sample_ns
    series = {}
    for (model, timing), by_day in sorted(pooled.items()):
        days = sorted(by_day)
        series[series_name(model, timing)] = (days, [by_day[d][0] / (by_day[d][1] / 1e9) for d in days])
    return series


def digest_changes(report: UsageReport) -> list[DigestChange]:
    """Each day a model's name first answered with a digest it had not had before, oldest first
    (turns saved without a digest — an OpenAI-compatible engine, or before digests were saved — are
    left out: no change can be told from them)."""
    first_seen: dict[tuple[str, str], tuple[float, int]] = {}
    for row in report.days:
        if row.digest:
            key = (row.model, row.digest)
            seen = first_seen.get(key)
            if seen is None or row.first_at < seen[0]:
                first_seen[key] = (row.first_at, row.day)
    changes: list[DigestChange] = []
    previous: dict[str, str] = {}
    for (model, digest), (_, day) in sorted(first_seen.items(), key=lambda item: item[1]):
        if model in previous:
            changes.append(DigestChange(day, model, previous[model], digest))
        previous[model] = digest
    return changes


def ttft_histogram(report: UsageReport) -> list[int]:
    """Every TTFT sample of the report in the buckets of `TTFT_EDGES`."""
    return histogram(pair for pairs in report.ttfts.values() for pair in pairs)


def summary_rows(report: UsageReport) -> list[SummaryRow]:
    """One row per (model, timing), busiest first."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in report.days:
        sums = totals[(row.model, row.timing)]
        sums[0] += row.turns
        sums[1] += row.prompt_tokens + row.generated_tokens
        sums[2] += row.stopped
        sums[3] += row.failed
    rows = [
        SummaryRow(
            model,
            timing,
            turns,
            tokens,
            stopped,
            failed,
            weighted_median(report.rates.get((model, timing), ())),
            weighted_median(report.ttfts.get((model, timing), ())),
        )
        for (model, timing), (turns, tokens, stopped, failed) in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row.turns, row.model, row.timing))
