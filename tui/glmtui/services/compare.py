"""A/B comparisons without a screen: rounds, the run mode, metric-by-metric verdicts, votes.

The compare screen sends one prompt to two panes; each prompt is a `Round` holding both turns. When both
have ended, `round_metrics` says for each figure which side did better and by how much, and
`session_metrics` does the same over all the rounds of the run. Pure functions, so the verdicts are
tested with hand-made stats.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from glmtui.core.endpoints import ModelRef
from glmtui.core.model_names import same_model
from glmtui.core.state import (
    CLIENT_TIMED,
    GenerationStats,
    ModelDetails,
    PullProgress,
    ThinkSetting,
    Turn,
    TurnStatus,
)
from glmtui.core.stats import CLIENT_MARK
from glmtui.services.compare_figures import (
    LOADED_S,
    METRICS,
    TIMED_ROWS,
    TTFT_NET,
    Bias,
    Side,
    bias,
    side_timing,
    unjudged,
    unlike_timing,
    whose,
)
from glmtui.services.compare_figures import verdict as verdict  # re-exported: a verdict is asked of compare
from glmtui.services.compare_mode import RunMode as RunMode  # re-exported: the screen's run mode
from glmtui.services.compare_mode import choose_mode as choose_mode

Vote = Literal["a", "b", "tie"]
VOTES: dict[str, Vote] = {"a": "a", "b": "b", "tie": "tie"}  # stored text → Vote
SIDES: tuple[Side, Side] = ("a", "b")


@dataclass
class PaneModel:
    """Everything that names one side's model and must move with it when a blind run shuffles the sides.

    What the side sends (model, think preference, options) and what is known about that model
    (`/api/show`, its size, whether it is installed, its pull). Swapping two panes' `PaneModel`s swaps
    the models completely; nothing about a model is kept anywhere else.
    """

    model: str
    think_pref: ThinkSetting = "on"
    options: dict[str, Any] = field(default_factory=dict)
    details: ModelDetails | None = None  # `/api/show`; None: not known (yet), or not installed
    weights: int | None = None  # bytes on disk (installed) or the catalogue's download size
    installed: bool | None = None  # None: not checked yet
    pull: PullProgress | None = None  # this model's pull, while it is not installed
    think_chosen: bool = False  # picked with Ctrl+T: sent even while the capabilities are unknown
    endpoint: str = ""  # the endpoint's name: its engine streams this side's replies
    pull_refused: str = ""  # why F7 cannot pull this model onto its endpoint ("" when it can)


@dataclass
class Round:
    """One prompt sent to both panes. A side is None when it was not sent (its model is missing)."""

    prompt: str
    model_a: str
    model_b: str
    mode: RunMode
    a: Turn | None = None
    b: Turn | None = None
    sent: bool = False  # both sides sent (or skipped): until then the round cannot have ended
    stopped: bool = False  # Esc: nothing more of this round may start
    options_a: dict[str, Any] = field(default_factory=dict)  # the options each side was sent with
    options_b: dict[str, Any] = field(default_factory=dict)
    endpoint_a: str = ""  # the endpoint each side was sent to
    endpoint_b: str = ""

    def turn(self, side: Side) -> Turn | None:
        return self.a if side == "a" else self.b

    def model(self, side: Side) -> str:
        return self.model_a if side == "a" else self.model_b

    def endpoint(self, side: Side) -> str:
        return self.endpoint_a if side == "a" else self.endpoint_b

    @property
    def complete(self) -> bool:
        """Both replies came to their end with the server's figures: only then may they be weighed."""
        return all(t is not None and t.status is TurnStatus.DONE and t.stats.final for t in (self.a, self.b))

    @property
    def ended(self) -> bool:
        return self.sent and all(t is None or t.status is not TurnStatus.STREAMING for t in (self.a, self.b))


@dataclass
class CompareRun:
    """A comparison session: its rounds, whether it is blind, and the vote that reveals it."""

    blind: bool = False
    rounds: list[Round] = field(default_factory=list)
    vote: Vote | None = None
    created_at: float = field(default_factory=time.time)
    id: int | None = None  # its row in the store, once saved

    @property
    def revealed(self) -> bool:
        return not self.blind or self.vote is not None


@dataclass(frozen=True, slots=True)
class VoteRecord:
    """A blind vote, with the models (and their endpoints) it was really between (kept with the run)."""

    model_a: str
    model_b: str
    vote: Vote
    rounds: int
    at: float = field(default_factory=time.time)
    endpoint_a: str = ""
    endpoint_b: str = ""

    def names(self) -> tuple[str, str]:
        """How the tally names each side: the model, or `node1 · model` when the endpoints differ (the
        same model on two servers is two contestants, a model on one server always the same one)."""
        if self.endpoint_a and self.endpoint_b and self.endpoint_a != self.endpoint_b:
            a, b = ModelRef(self.endpoint_a, self.model_a), ModelRef(self.endpoint_b, self.model_b)
            return a.label, b.label
        return self.model_a, self.model_b


@dataclass(frozen=True, slots=True)
class Metric:
    """One row of the comparison: both values as text, which side is better, and the verdict."""

    label: str
    a: str
    b: str
    better: Side | None
    verdict: str


def _metrics(
    a: Sequence[GenerationStats],
    b: Sequence[GenerationStats],
    suffix: Callable[[Side], str],
    judge: bool = True,
    ordered: bool = False,
) -> list[Metric]:
    """One row per figure of A's stats against B's (one per round each); verdicts only when `judge`.
    `ordered`: one model on both sides, run one after the other (see `Bias.ordered`)."""
    why = bias(list(zip(a, b, strict=True)), ordered) if judge else Bias()
    timing = (side_timing(a), side_timing(b))
    rows: list[Metric] = []
    for spec in METRICS:
        va = spec.value(a) if a else None
        vb = spec.value(b) if b else None
        if spec.label.startswith("thinking") and not (va or vb):
            continue  # neither thought: no rows about thinking
        if spec.label == TTFT_NET and (not any(why.loaded) or (va is None and vb is None)):
            continue  # no load to take out (TTFT says it all), or figures that cannot be taken apart
        better, text = (
            verdict(va, vb, spec.lower_is_better, spec.word, spec.margin, spec.floor) if judge else (None, "")
        )
        if text and (reason := unjudged(spec.label, why)) is not None:
            better, text = None, reason
        elif (
            spec.label == "load time"
            and text
            and va is not None
            and vb is not None
            and min(va, vb) < LOADED_S
        ):
            # A model in memory already: that is where it happened to be, not how fast it loads.
            if max(va, vb) < LOADED_S:
                better, text = None, "both already loaded"  # neither loaded: no side to name
            else:
                better, text = None, f"{'A' if va < vb else 'B'} was already loaded"
        # A figure from glmtui's clock says so, whether or not the other side's is on the server's.
        timed = spec.label in TIMED_ROWS
        marks = [
            f" ({CLIENT_MARK})" if timed and value is not None and t == CLIENT_TIMED else ""
            for value, t in ((va, timing[0]), (vb, timing[1]))
        ]
        rows.append(
            Metric(
                spec.label,
                spec.show(va) + marks[0] + suffix("a"),
                spec.show(vb) + marks[1] + suffix("b"),
                better,
                text,
            )
        )
    return rows


def round_metrics(round_: Round) -> list[Metric]:
    """This round's figures side by side; a side that stopped or failed is marked `(partial)`."""

    def suffix(side: Side) -> str:
        turn = round_.turn(side)
        if turn is None:
            return " (not sent)"
        return "" if turn.status is TurnStatus.DONE else f" ({turn.status.value})"

    # Verdicts only between two complete replies: a stopped one's counts say nothing about the model.
    return _metrics(
        [round_.a.stats] if round_.a else [],
        [round_.b.stats] if round_.b else [],
        suffix,
        round_.complete,
        ordered(round_),
    )


def ordered(round_: Round) -> bool:
    """One model on both sides, one after the other: B runs second on a warm server, every time."""
    return round_.mode == "sequential" and same_model(round_.model_a, round_.model_b)


def totals(turns: Iterable[Turn | None]) -> GenerationStats | None:
    """Completed turns summed into one set of figures (rates over the summed durations)."""
    done = [t.stats for t in turns if t is not None and t.status is TurnStatus.DONE and t.stats.final]
    if not done:
        return None

    def total(values: Iterable[int | float | None]) -> int:
        return int(sum(v or 0 for v in values))

    ttfts = [s.ttft_s for s in done if s.ttft_s is not None]
    thinks = [s.thinking_s for s in done if s.thinking_s is not None]
    return GenerationStats(
        ttft_s=sum(ttfts) / len(ttfts) if ttfts else None,  # mean: a sum of waits means nothing
        eval_count=total(s.eval_count for s in done),
        eval_duration_ns=total(s.eval_duration_ns for s in done),
        prompt_eval_count=total(s.prompt_eval_count for s in done),
        prompt_eval_duration_ns=total(s.prompt_eval_duration_ns for s in done),
        load_duration_ns=total(s.load_duration_ns for s in done),
        thinking_tokens=total(s.thinking_tokens for s in done),
        thinking_s=sum(thinks) if thinks else None,
        timing=side_timing(done),
    )


def comparable(rounds: Sequence[Round]) -> list[Round]:
    """The rounds the session totals cover: both sides complete, with the models of the last round
    (a pane switched to another model starts a new tally rather than mixing two models' figures)."""
    if not rounds:
        return []
    last = rounds[-1]
    return [
        r
        for r in rounds
        if (r.model_a, r.model_b, r.endpoint_a, r.endpoint_b)
        == (last.model_a, last.model_b, last.endpoint_a, last.endpoint_b)
        and r.complete
    ]


def session_metrics(rounds: Sequence[Round]) -> list[Metric]:
    """Figures over the comparable rounds: rates over summed durations, TTFT averaged, load averaged over
    the loads, the rest summed. A row unlike in any round (a load, a cached prompt) gets no verdict."""
    both = comparable(rounds)
    if not both:
        return []
    a = [r.a.stats for r in both if r.a is not None]
    b = [r.b.stats for r in both if r.b is not None]
    return _metrics(a, b, lambda side: "", ordered=any(map(ordered, both)))


def notes(round_: Round | None, session: Sequence[Round] = ()) -> list[str]:
    """One short line per reason a row of the strip has no verdict, and per unlike setting of the sides.

    With a session (its columns shown beside the round's), each line says which it applies to: this
    round, the session, or both; a condition of earlier rounds must not read as one of the round shown.
    """
    pairs = [(r.a.stats, r.b.stats) for r in session if r.a is not None and r.b is not None]
    here: list[str] = []
    if round_ is not None and round_.complete and round_.a is not None and round_.b is not None:
        here = _bias_lines(bias([(round_.a.stats, round_.b.stats)], ordered(round_)))
    if not session:
        lines = here
    else:
        over = _bias_lines(bias(pairs, any(map(ordered, session))))
        lines = [f"{'This round and the session' if line in over else 'This round'}: {line}" for line in here]
        lines += [f"Session: {line}" for line in over if line not in here]
    if round_ is not None and round_.options_a != round_.options_b:
        a_opts, b_opts = round_.options_a, round_.options_b
        keys = sorted(k for k in {*a_opts, *b_opts} if a_opts.get(k) != b_opts.get(k))
        shown = ", ".join(f"{k} {a_opts.get(k, 'default')} vs {b_opts.get(k, 'default')}" for k in keys)
        lines.append(f"Options differ ({shown}): the figures weigh the settings as well as the models.")
    return lines


def _bias_lines(why: Bias) -> list[str]:
    """The notes for these unlike conditions, one line each."""
    lines: list[str] = []
    if why.ordered:
        lines.append(
            "Same model both sides, one after the other: B always runs second, so TTFT is not judged."
        )
    if any(why.loaded):
        lines.append(f"TTFT includes {whose(why.loaded)} model load: not judged; {TTFT_NET} is, where known.")
    if why.timing[0] != why.timing[1]:
        lines.append(
            f"Eval rate {unlike_timing(why.timing)} (exact: the server's own durations; client-timed: "
            "glmtui's clock, network included): not judged."
        )
    if why.unlike_prompts is not None:
        a, b = why.unlike_prompts
        lines.append(
            f"Prompts of unlike size (A {a:,} tok, B {b:,}; Ollama reuses a cached prefix): "
            "TTFT and prompt eval not judged."
        )
    return lines


def vote_summary(votes: Iterable[VoteRecord]) -> list[str]:
    """One line per model pair: wins for each model and ties, e.g. `a:q4 3 · a:q8 1 · tie 1 (5 votes)`;
    across endpoints each side is `endpoint · model` (`VoteRecord.names`).

    A model against itself (a consistency check) counts wins by pane instead.
    """
    pairs: dict[tuple[str, str], dict[str, int]] = {}
    for record in votes:
        name_a, name_b = record.names()
        if (name_a, name_b) == (record.model_a, record.model_b) and same_model(name_a, name_b):
            tally = pairs.setdefault((name_a, name_a), {"A": 0, "B": 0, "tie": 0})
            tally[{"a": "A", "b": "B", "tie": "tie"}[record.vote]] += 1
            continue
        first, second = sorted((name_a, name_b), key=str.lower)
        tally = pairs.setdefault((first, second), {first: 0, second: 0, "tie": 0})
        if record.vote == "tie":
            tally["tie"] += 1
        else:
            winner = name_a if record.vote == "a" else name_b
            tally[first if same_model(winner, first) else second] += 1
    lines = []
    for (first, second), tally in pairs.items():
        count = sum(tally.values())
        if first == second:
            lines.append(
                f"{first} vs itself: A {tally['A']} · B {tally['B']} · tie {tally['tie']} ({count} vote(s))"
            )
        else:
            lines.append(
                f"{first} {tally[first]} · {second} {tally[second]} · tie {tally['tie']} ({count} vote(s))"
            )
    return lines
