"""The usage view's queries: tokens per day, decode rates and TTFTs over the turns saved so far.

They read `turn_figures` (schema migration 5 → 6): one narrow row per turn, kept by triggers from the
turn's stats JSON with `json_extract`, so 100,000 turns group in tens of milliseconds instead of the
seconds that parsing each turn's JSON per query took. Each query groups in SQL and returns small
tables; the arithmetic on them (medians, histograms, series) is core/usage.py's.

What is not stored per turn: the server's version. A model's digest is (a new build or quantisation
under the same name has a new one), so that is what marks an upgrade on the rate chart.

The UI runs `load` with `await app.journal.run(usage_stats.load, app.journal.store, query)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glmtui.core.state import TurnStatus
from glmtui.core.usage import DEFAULT_DAYS, DayFigures, UsageReport, day_of, range_start, utc_offset_s
from glmtui.services.store import Store

RATE_SAMPLE = "status = 'done' AND eval_count > 0 AND eval_duration_ns > 0"
"""A decode-rate sample: a reply that finished with the server's final figures."""
STOPPED = (TurnStatus.STOPPED.value, TurnStatus.STREAMING.value)  # 'streaming' rows were cut off by a crash


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """The filters: a model and an endpoint (None: all), the last `days` days (None: all) up to `now`."""

    now: float
    model: str | None = None
    endpoint: str | None = None
    days: int | None = DEFAULT_DAYS
    offset_s: int | None = None
    """The local clock's offset from UTC (None: this machine's at `now`); days are local days."""

    @property
    def utc_offset(self) -> int:
        return utc_offset_s(self.now) if self.offset_s is None else self.offset_s


def _where(query: UsageQuery) -> tuple[str, dict[str, Any]]:
    clauses = ["created_at <= :now"]
    params: dict[str, Any] = {"now": query.now, "offset": query.utc_offset}
    start = range_start(query.now, query.days)
    if start is not None:
        clauses.append("created_at >= :start")
        params["start"] = start
    if query.model is not None:
        clauses.append("model = :model")
        params["model"] = query.model
    if query.endpoint is not None:
        clauses.append("endpoint = :endpoint")
        params["endpoint"] = query.endpoint
    return " AND ".join(clauses), params


def load(store: Store, query: UsageQuery) -> UsageReport:
    """Everything the usage screen shows for `query` (four grouped reads, none over the turns' text)."""
    where, params = _where(query)
    offset = query.utc_offset
    days = [
        DayFigures(*row)
        for row in store.read(
            "SELECT CAST((created_at + :offset) / 86400 AS INTEGER) AS day, model, model_digest, timing,"
            " COUNT(*), SUM(coalesce(prompt_tokens, 0)), SUM(coalesce(generated_tokens, 0)),"
            f" SUM(status IN {STOPPED}), SUM(status = 'failed'),"
            f" SUM({RATE_SAMPLE}),"
            f" SUM(CASE WHEN {RATE_SAMPLE} THEN eval_count ELSE 0 END),"
            f" SUM(CASE WHEN {RATE_SAMPLE} THEN eval_duration_ns ELSE 0 END),"
            " MIN(created_at)"
            f" FROM turn_figures WHERE {where} GROUP BY day, model, model_digest, timing",
            params,
        )
    ]
    start = range_start(query.now, query.days)
    first = min((row.day for row in days), default=day_of(query.now, offset))
    report = UsageReport(
        first_day=day_of(start, offset) if start is not None else first,
        last_day=day_of(query.now, offset),
        days=days,
    )
    # Rates to 0.1 tok/s and TTFTs to 10 ms (what the screen shows): a few hundred pairs per model
    # instead of a row per turn, and the medians stay exact at that precision.
    for row in store.read(
        "SELECT model, timing, round(eval_count * 1e9 / eval_duration_ns, 1) AS rate, COUNT(*)"
        f" FROM turn_figures WHERE {where} AND {RATE_SAMPLE} GROUP BY model, timing, rate",
        params,
    ):
        report.rates.setdefault((row[0], row[1]), []).append((row[2], row[3]))
    for row in store.read(
        # Floored to 10 ms, not rounded: every histogram edge is a multiple of 10 ms, and a rounded
        # 0.0999 s landed in the bucket above 0.1 s (the median is biased ≤ 10 ms low instead of ±5).
        "SELECT model, timing, CAST(ttft_s * 100 + 1e-6 AS INTEGER) / 100.0 AS ttft, COUNT(*)"
        f" FROM turn_figures WHERE {where} AND ttft_s IS NOT NULL GROUP BY model, timing, ttft",
        params,
    ):
        report.ttfts.setdefault((row[0], row[1]), []).append((row[2], row[3]))
    models: set[str] = set()
    endpoints: set[str] = set()
    for model, endpoint in store.read("SELECT DISTINCT model, endpoint FROM turn_figures"):
        models.add(model)
        endpoints.add(endpoint)
    report.models = sorted(models)
    report.endpoints = sorted(endpoints)
    report.any_saved = bool(models)
    return report
