"""Usage over time: the pure arithmetic (core/usage.py), the figures table the schema keeps by
triggers, and the grouped queries (services/usage_stats.py) on a seeded store with hand-checked values."""

from __future__ import annotations

import calendar
import json
import sqlite3
from pathlib import Path

import pytest

from glmtui.core.state import CLIENT_TIMED, GenerationStats, Turn, TurnStatus
from glmtui.core.usage import (
    DayFigures,
    DigestChange,
    UsageReport,
    bin_width,
    bucket_labels,
    bucket_of,
    day_of,
    day_ticks,
    digest_changes,
    histogram,
    median,
    rate_series,
    scale,
    summary_rows,
    tokens_series,
    ttft_histogram,
    weighted_median,
)
from glmtui.services.schema import MIGRATIONS, statements
from glmtui.services.store import Store
from glmtui.services.usage_stats import UsageQuery, load
from tests.helpers import db_rows

NOW = calendar.timegm((2026, 11, 29, 12, 0, 0))  # noon UTC
TODAY = NOW // 86_400
DAY = 86_400.0
GLM, OSS = "glm-4.7-flash:q4_K_M", "gpt-oss:20b"

# -- core ------------------------------------------------------------------------------------------


def test_medians_of_plain_and_counted_values() -> None:
    assert median([]) is None
    assert median([3.0]) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    # 10 ×3, 20 ×1: the sorted values are 10 10 10 20 → 10; 10 ×2, 20 ×2 → 15.
    assert weighted_median([(20.0, 1), (10.0, 3)]) == 10.0
    assert weighted_median([(10.0, 2), (20.0, 2)]) == 15.0
    assert weighted_median([(10.0, 0)]) is None


def test_histogram_buckets_and_their_labels() -> None:
    edges = (0.1, 0.5, 1.0)
    assert [bucket_of(v, edges) for v in (0.05, 0.1, 0.49, 0.5, 1.0, 30.0)] == [0, 1, 1, 2, 3, 3]
    assert histogram([(0.05, 2), (0.3, 1), (0.7, 4), (2.0, 1)], edges) == [2, 1, 4, 1]
    assert bucket_labels(edges) == ["<0.1", "<0.5", "<1", "≥1"]


def test_days_bins_ticks_and_scale() -> None:
    assert day_of(NOW) == TODAY
    assert day_of(NOW + 11 * 3600, 0) == TODAY  # 23:00 UTC
    assert day_of(NOW + 11 * 3600, 3600) == TODAY + 1  # midnight one hour east
    assert [bin_width(0, span - 1) for span in (7, 30, 45, 90, 315, 316, 365)] == [1, 1, 1, 7, 7, 30, 30]
    days, labels = day_ticks(TODAY - 6, TODAY, 4)
    assert days == [TODAY - 6, TODAY - 4, TODAY - 2, TODAY] and labels[-1] == "11-29"
    assert day_ticks(TODAY - 364, TODAY, 2)[1] == ["2025-11", "2026-11"]
    assert scale(9_999) == (1.0, "") and scale(10_000) == (1e3, "k") and scale(25e6) == (1e6, "M")


def figures(day: int, model: str, digest: str = "", timing: str = "exact", **kw: int) -> DayFigures:
    base = dict(turns=1, prompt_tokens=0, generated_tokens=0, stopped=0, failed=0, samples=0)
    base |= dict(sample_tokens=0, sample_ns=0)
    base |= kw
    return DayFigures(day, model, digest, timing, first_at=day * DAY, **base)


def test_series_pool_each_days_samples_and_keep_timings_apart() -> None:
    report = UsageReport(
        first_day=10,
        last_day=12,
        days=[
            figures(10, GLM, "a", samples=2, sample_tokens=300, sample_ns=3_000_000_000),  # 100 tok/s
            figures(10, GLM, "b", samples=1, sample_tokens=100, sample_ns=2_000_000_000),  # same day, 50
            figures(11, GLM, timing=CLIENT_TIMED, samples=1, sample_tokens=80, sample_ns=1_000_000_000),
            figures(12, GLM, "b", samples=0, generated_tokens=40),  # a stopped turn only: no rate that day
        ],
    )
    assert rate_series(report) == {
        GLM: ([10], [400 / 5]),  # the day's tokens over its decode time: 400 tok / 5 s
        f"{GLM} (client-timed)": ([11], [80.0]),
    }


def test_digest_changes_are_the_first_day_of_each_new_digest() -> None:
    report = UsageReport(
        first_day=1,
        last_day=9,
        days=[
            figures(1, GLM, "a"),
            figures(4, GLM, "b"),
            figures(5, GLM, "a"),  # an old turn's digest again later does not count as a change
            figures(2, OSS, "x"),
            figures(6, OSS, ""),  # no digest (an OpenAI-compatible engine): nothing to compare
        ],
    )
    assert digest_changes(report) == [DigestChange(4, GLM, "a", "b")]


def test_tokens_summed_per_bar_and_summary_per_model_and_timing() -> None:
    report = UsageReport(
        first_day=0,
        last_day=89,  # 90 days: one bar per week
        days=[
            figures(0, GLM, prompt_tokens=10, generated_tokens=5),
            figures(6, GLM, prompt_tokens=1, generated_tokens=1, stopped=1),
            figures(7, OSS, generated_tokens=100, failed=1),
            figures(7, OSS, timing=CLIENT_TIMED, generated_tokens=7),
        ],
        rates={(GLM, "exact"): [(50.0, 1), (70.0, 2)]},
        ttfts={(GLM, "exact"): [(0.2, 2)], (OSS, "exact"): [(1.5, 1)]},
    )
    width, starts, series = tokens_series(report)
    assert width == 7 and starts[:2] == [0, 7] and len(starts) == 13
    assert series[GLM][:2] == [17, 0] and series[OSS][:2] == [0, 107]
    rows = {(row.model, row.timing): row for row in summary_rows(report)}
    assert rows[(GLM, "exact")].turns == 2 and rows[(GLM, "exact")].tokens == 17
    assert rows[(GLM, "exact")].stopped == 1 and rows[(GLM, "exact")].median_rate == 70.0
    assert rows[(GLM, "exact")].median_ttft == 0.2
    assert rows[(OSS, "exact")].failed == 1 and rows[(OSS, "exact")].median_rate is None
    assert rows[(OSS, CLIENT_TIMED)].tokens == 7


# -- the figures table and the queries --------------------------------------------------------------


def save(
    store: Store,
    conversation: int,
    at: float,
    model: str = GLM,
    *,
    endpoint: str = "desk",
    digest: str = "sha256:new",
    status: TurnStatus = TurnStatus.DONE,
    rate: float = 50.0,
    tokens: int = 100,
    prompt: int = 20,
    ttft: float | None = 0.3,
    timing: str = "exact",
) -> None:
    """One turn through the store's own calls (the triggers fill its figures)."""
    turn = Turn(prompt="p", model=model, created_at=at, endpoint=endpoint, status=status)
    if status is TurnStatus.DONE:
        turn.stats = GenerationStats(
            ttft_s=ttft,
            eval_count=tokens,
            eval_duration_ns=int(tokens / rate * 1e9),
            prompt_eval_count=prompt,
            content_tokens=tokens,
            timing=timing,
        )
    else:  # a stopped or failed reply: the chunks received, no final figures
        turn.stats = GenerationStats(ttft_s=ttft, content_tokens=tokens, thinking_tokens=5)
    turn_id = store.start_turn(conversation, turn, digest=digest)
    store.finish_turn(turn_id, turn)


@pytest.fixture
def seeded(tmp_path: Path) -> Store:
    """Three days of turns, each figure chosen so the sums and medians can be checked by hand."""
    store = Store(tmp_path / "glmtui.db")
    c = store.create_conversation("seeded", GLM, None)
    save(store, c, NOW - 2 * DAY, rate=40.0, tokens=100, prompt=10, ttft=0.2, digest="sha256:old")
    save(store, c, NOW - 2 * DAY + 60, rate=60.0, tokens=300, prompt=30, ttft=0.4, digest="sha256:old")
    save(store, c, NOW - DAY, rate=30.0, tokens=150, prompt=50, ttft=0.6, digest="sha256:new")
    save(store, c, NOW - DAY + 60, status=TurnStatus.STOPPED, tokens=7, ttft=0.7)
    save(store, c, NOW - 60, status=TurnStatus.FAILED, tokens=0, ttft=None, endpoint="desk")
    save(store, c, NOW - 120, OSS, endpoint="node1", digest="", rate=200.0, tokens=400, timing=CLIENT_TIMED)
    save(store, c, NOW - 40 * DAY, rate=10.0, tokens=1000, digest="sha256:old")  # outside 30 days
    return store


def test_the_figures_follow_the_turns_through_the_store(seeded: Store) -> None:
    rows = db_rows(
        seeded.path, "SELECT status, generated_tokens, eval_count FROM turn_figures ORDER BY created_at"
    )
    assert ("stopped", 12, None) in rows  # 7 content + 5 thinking chunks received, no final count
    assert ("done", 300, 300) in rows
    seeded.delete(1)  # the conversation goes, and its turns' figures with it
    assert db_rows(seeded.path, "SELECT COUNT(*) FROM turn_figures") == [(0,)]


def test_the_last_30_days_by_hand(seeded: Store) -> None:
    report = load(seeded, UsageQuery(now=NOW, offset_s=0))
    assert (report.first_day, report.last_day) == (TODAY - 30, TODAY)
    assert report.models == [GLM, OSS] and report.endpoints == ["desk", "node1"]
    _, starts, series = tokens_series(report)
    glm = dict(zip(starts, series[GLM], strict=True))
    # Two days ago: (10 + 100) + (30 + 300); yesterday: (50 + 150) + the stopped turn's 12 chunks;
    # today: the failed turn's 5 thinking chunks (its prompt count unknown: 0).
    assert (glm[TODAY - 2], glm[TODAY - 1], glm[TODAY]) == (440, 212, 5)
    rows = {(row.model, row.timing): row for row in summary_rows(report)}
    mine = rows[(GLM, "exact")]
    assert (mine.turns, mine.stopped, mine.failed) == (5, 1, 1)
    assert mine.median_rate == 40.0  # 30, 40, 60: the stopped and failed turns are not samples
    assert mine.median_ttft == 0.5  # 0.2, 0.4, 0.6, 0.7 (the failed turn never got a first token)
    assert rows[(OSS, CLIENT_TIMED)].median_rate == 200.0  # its own row, never pooled with exact
    # Two days ago: 100 tok in 2.5 s and 300 in 5 s: 400 tok in 7.5 s, the day's rate.
    assert rate_series(report)[GLM] == ([TODAY - 2, TODAY - 1], [400 / 7.5, 30.0])
    assert digest_changes(report) == [DigestChange(TODAY - 1, GLM, "sha256:old", "sha256:new")]


def test_filters_by_model_endpoint_and_range(seeded: Store) -> None:
    assert {row.model for row in load(seeded, UsageQuery(now=NOW, model=OSS, offset_s=0)).days} == {OSS}
    assert {r.model for r in load(seeded, UsageQuery(now=NOW, endpoint="desk", offset_s=0)).days} == {GLM}
    week = load(seeded, UsageQuery(now=NOW, days=7, offset_s=0))
    everything = load(seeded, UsageQuery(now=NOW, days=None, offset_s=0))
    assert sum(r.turns for r in week.days) == 6 and sum(r.turns for r in everything.days) == 7
    assert everything.first_day == TODAY - 40  # all time starts at the first turn
    nothing = load(seeded, UsageQuery(now=NOW, model="none", offset_s=0))
    assert nothing.empty and nothing.any_saved


def test_an_old_database_is_backfilled_and_damaged_stats_do_not_refuse_a_turn(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    db = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:5]:
        for statement in statements(script):
            db.execute(statement)
    db.execute("PRAGMA user_version = 5")
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 't', 0, 0)")
    stats = json.dumps({"eval_count": 10, "eval_duration_ns": 10**9, "ttft_s": 0.5})  # no timing: exact
    for turn_id, text in ((1, stats), (2, "{not json")):
        db.execute(
            "INSERT INTO turns (id, conversation_id, prompt, model, status, stats, created_at)"
            " VALUES (?, 1, 'p', ?, 'done', ?, ?)",
            (turn_id, GLM, text, NOW - turn_id),
        )
    db.close()
    store = Store(path)
    assert db_rows(path, "SELECT turn_id, timing, eval_count, ttft_s FROM turn_figures ORDER BY turn_id") == [
        (1, "exact", 10, 0.5),
        (2, "exact", None, None),  # unreadable figures: a turn with nothing to count, not an error
    ]
    rows = summary_rows(load(store, UsageQuery(now=NOW, offset_s=0)))
    assert rows[0].turns == 2 and rows[0].median_rate == 10.0


def test_a_trigger_is_one_statement() -> None:
    script = "CREATE TABLE t (a); CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END; SELECT 3;"
    assert [s.strip() for s in statements(script)] == [
        "CREATE TABLE t (a);",
        "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;",
        "SELECT 3;",
    ]


def test_the_filter_choices_are_read_from_an_index_not_the_whole_figures_table(seeded: Store) -> None:
    plan = db_rows(seeded.path, "EXPLAIN QUERY PLAN SELECT DISTINCT model, endpoint FROM turn_figures")
    assert any("COVERING INDEX turn_figures_by_model" in str(row[-1]) for row in plan), plan


def test_a_ttft_just_below_a_bucket_edge_stays_below_it(tmp_path: Path) -> None:
    """TTFTs are grouped to 10 ms in SQL: floored, not rounded (0.0999 s rounded to 0.10 and fell into
    the bucket above 0.1 s), and an exact 0.29 s stays 0.29 (no float drift down to 0.28)."""
    store = Store(tmp_path / "glmtui.db")
    c = store.create_conversation("edges", GLM, None)
    for n, ttft in enumerate((0.0999, 0.0951, 0.2451, 0.4999, 0.29)):
        save(store, c, NOW - 60 * (n + 1), ttft=ttft)
    report = load(store, UsageQuery(now=NOW, offset_s=0))
    assert dict(report.ttfts[(GLM, "exact")]) == {0.09: 2, 0.24: 1, 0.29: 1, 0.49: 1}
    assert ttft_histogram(report)[:3] == [2, 1, 2]  # <0.1: two; <0.25: one; <0.5: two
