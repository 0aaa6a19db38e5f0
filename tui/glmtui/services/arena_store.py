"""The arena's reads of the store: every blind vote, the past A/B runs, and one run's rounds.

Functions over a `Store` (its `read`), called in a thread through `journal.run`. The schema is the
store's (`compare_runs`: one row per A/B run, its vote, its rounds as JSON); nothing here writes.
What another version wrote that this one cannot read (an unknown vote, a damaged rounds column) is
left out or said so, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from glmtui.core.state import GenerationStats, Turn, TurnStatus
from glmtui.services.compare import VOTES, CompareRun, Round, RunMode, VoteRecord
from glmtui.services.store import Store

RUNS_SHOWN = 1000  # the past-runs list: the newest this many


@dataclass(frozen=True, slots=True)
class StoredVotes:
    """Every blind vote this version can read, counted per pair, side and vote; and how many rows
    it could not read."""

    votes: list[tuple[VoteRecord, int]]  # a vote (its `at` and `rounds` not read) and how many alike
    unknown: int  # rows with a vote value from another version: left out


@dataclass(frozen=True, slots=True)
class RunRow:
    """One line of the past-runs list."""

    id: int
    created_at: float
    model_a: str
    model_b: str
    endpoint_a: str
    endpoint_b: str
    blind: bool
    vote: str | None  # as stored: "a", "b", "tie", None, or another version's value
    rounds: int | None  # None: the rounds column cannot be read

    @property
    def hidden(self) -> bool:
        """Blind and not voted on: the models stay secret in the list too."""
        return self.blind and self.vote is None


def stored_votes(store: Store) -> StoredVotes:
    """Every voted run's models, endpoints and vote, counted alike in SQL (not its rounds: the
    leaderboard needs no replies, and reading them would cost far more than the fit): from the
    covering index `compare_runs_votes` alone (schema migration 7 → 8)."""
    rows = store.read(
        "SELECT model_a, model_b, vote, endpoint_a, endpoint_b, COUNT(*) FROM compare_runs"
        " WHERE vote IS NOT NULL GROUP BY vote, model_a, model_b, endpoint_a, endpoint_b"
    )
    votes = []
    unknown = 0
    for model_a, model_b, vote, endpoint_a, endpoint_b, count in rows:
        if vote not in VOTES:
            unknown += count  # another version's vote value: left out, as the per-session tally does
            continue
        record = VoteRecord(
            str(model_a), str(model_b), VOTES[vote], 0, 0.0, str(endpoint_a or ""), str(endpoint_b or "")
        )
        votes.append((record, int(count)))
    return StoredVotes(votes, unknown)


def past_runs(store: Store, limit: int = RUNS_SHOWN) -> list[RunRow]:
    """The newest A/B runs first; the rounds counted in SQL (a damaged column counts as None)."""
    rows = store.read(
        "SELECT id, created_at, model_a, model_b, endpoint_a, endpoint_b, blind, vote,"
        " CASE WHEN json_valid(rounds) AND json_type(rounds) = 'array' THEN json_array_length(rounds)"
        " END AS n FROM compare_runs ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [
        RunRow(
            int(r["id"]),
            float(r["created_at"] or 0.0),
            str(r["model_a"]),
            str(r["model_b"]),
            str(r["endpoint_a"] or ""),
            str(r["endpoint_b"] or ""),
            bool(r["blind"]),
            None if r["vote"] is None else str(r["vote"]),
            None if r["n"] is None else int(r["n"]),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Reopened:
    """A stored run rebuilt for the compare screen, or why it cannot be (`problem`)."""

    run: CompareRun | None
    problem: str = ""


def load_run(store: Store, run_id: int) -> Reopened:
    """The run with its rounds and replies, as the compare screen holds it."""
    rows = store.read(
        "SELECT id, created_at, model_a, model_b, endpoint_a, endpoint_b, blind, vote, rounds"
        " FROM compare_runs WHERE id = ?",
        (run_id,),
    )
    if not rows:
        return Reopened(None, "That run is no longer in the history (deleted in another glmtui?).")
    row = rows[0]
    vote = row["vote"]
    if vote is not None and vote not in VOTES:
        # Reopened, a new round would save this run again without that vote: it is left as it is.
        return Reopened(None, f"This run's vote ({vote!r}) is from another glmtui version: not reopened.")
    try:
        rounds = [_round(item, row) for item in json.loads(row["rounds"])]
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return Reopened(None, "This run's rounds are damaged in the history: there is nothing to show.")
    if not rounds:
        return Reopened(None, "This run has no rounds to show.")
    run = CompareRun(
        blind=bool(row["blind"]),
        rounds=rounds,
        vote=None if vote is None else VOTES[vote],
        created_at=float(row["created_at"]),
        id=int(row["id"]),
    )
    return Reopened(run)


def _round(item: dict[str, Any], row: Any) -> Round:
    """One stored round (journal.compare_run's shape); KeyError/TypeError/ValueError when damaged."""
    mode: RunMode = "sequential" if item.get("mode") == "sequential" else "parallel"
    sides = {side: _turn(item["prompt"], item.get(side)) for side in ("a", "b")}
    a, b = sides["a"], sides["b"]
    return Round(
        str(item["prompt"]),
        a.model if a else str(row["model_a"]),
        b.model if b else str(row["model_b"]),
        mode,
        a=a,
        b=b,
        sent=True,
        endpoint_a=a.endpoint if a else str(row["endpoint_a"] or ""),
        endpoint_b=b.endpoint if b else str(row["endpoint_b"] or ""),
    )


def _turn(prompt: str, side: dict[str, Any] | None) -> Turn | None:
    if side is None:
        return None
    figures = side.get("stats") or {}
    stats = GenerationStats(**{k: v for k, v in figures.items() if k in GenerationStats.__slots__})
    status = str(side.get("status"))
    ended = TurnStatus(status) if status in TurnStatus._value2member_map_ else TurnStatus.STOPPED
    if ended is TurnStatus.STREAMING:
        ended = TurnStatus.STOPPED  # saved mid-reply (glmtui closed): it loads as stopped, as chats do
    return Turn(
        prompt=str(prompt),
        model=str(side["model"]),
        think=side.get("think"),
        reply=str(side.get("reply") or ""),
        thinking=str(side.get("thinking") or ""),
        status=ended,
        error=side.get("error"),
        stats=stats,
        endpoint=str(side.get("endpoint") or ""),
    )
