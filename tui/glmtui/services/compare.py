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

from glmtui.core.model_names import same_model
from glmtui.core.state import GenerationStats, ModelDetails, PullProgress, ThinkSetting, Turn, TurnStatus
from glmtui.core.units import format_rate, format_seconds, gib

Side = Literal["a", "b"]
RunMode = Literal["parallel", "sequential"]
Vote = Literal["a", "b", "tie"]
VOTES: dict[str, Vote] = {"a": "a", "b": "b", "tie": "tie"}  # stored text → Vote
SIDES: tuple[Side, Side] = ("a", "b")
SAME_WITHIN = 0.02  # values within 2% of each other are called even: closer is measurement noise
LOADED_S = 0.05  # a load_duration under this means the model was already in memory


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

    def turn(self, side: Side) -> Turn | None:
        return self.a if side == "a" else self.b

    def model(self, side: Side) -> str:
        return self.model_a if side == "a" else self.model_b

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
    """A blind vote, with the models it was really between (kept with the run)."""

    model_a: str
    model_b: str
    vote: Vote
    rounds: int
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class Metric:
    """One row of the comparison: both values as text, which side is better, and the verdict."""

    label: str
    a: str
    b: str
    better: Side | None
    verdict: str


@dataclass(frozen=True, slots=True)
class _Spec:
    label: str
    value: Callable[[GenerationStats], float | None]
    show: Callable[[float | None], str]
    lower_is_better: bool | None  # None: neither is better (more tokens is not a virtue)
    word: str  # "faster", "sooner", "more"...


def _count(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _final(
    getter: Callable[[GenerationStats], float | int | None],
) -> Callable[[GenerationStats], float | None]:
    """Server figures only exist for a reply that reached its final chunk."""
    return lambda s: None if not s.final else (None if (v := getter(s)) is None else float(v))


def _output_tokens(s: GenerationStats) -> float | None:
    """The server's eval_count once final (`final` means it is there), else the tokens received."""
    count = s.eval_count if s.eval_count is not None else s.thinking_tokens + s.content_tokens
    return float(count) or None


METRICS: tuple[_Spec, ...] = (
    _Spec("TTFT", lambda s: s.ttft_s, format_seconds, True, "sooner"),
    _Spec("eval rate", _final(lambda s: s.eval_rate), format_rate, False, "faster"),
    _Spec("prompt eval", _final(lambda s: s.prompt_eval_rate), format_rate, False, "faster"),
    _Spec("load time", _final(lambda s: s.load_s), format_seconds, True, "quicker"),
    # A stopped or failed reply has no eval_count: the tokens received say how far it got.
    _Spec(
        "output tokens",
        _output_tokens,
        _count,
        None,
        "more",
    ),
    # Thinking is compared but not judged: a longer trace may be slower or may be the better answer.
    _Spec("thinking tokens", lambda s: float(s.thinking_tokens), _count, None, "more"),
    _Spec(
        "thinking time",
        lambda s: s.thinking_s or 0.0 if s.thinking_tokens else None,
        format_seconds,
        None,
        "longer",
    ),
)


def verdict(
    a: float | None, b: float | None, lower_is_better: bool | None, word: str
) -> tuple[Side | None, str]:
    """Which side is better and a phrase like `B 1.8× faster`; (None, "") when it cannot be said."""
    if a is None or b is None:
        return None, ""
    hi, lo = max(a, b), min(a, b)
    if hi == lo or (lo > 0 and hi / lo - 1 < SAME_WITHIN):
        return None, "even"
    if lower_is_better is None:
        side: Side = "a" if a > b else "b"  # the side with more, named but not marked better
    else:
        side = ("a" if a < b else "b") if lower_is_better else ("a" if a > b else "b")
    if lo <= 0:
        ratio = "∞"
    else:  # two decimals when close, so 2.2% apart never reads as "1.0× faster"
        ratio = f"{hi / lo:.2f}" if hi / lo < 1.1 else f"{hi / lo:.1f}" if hi / lo < 100 else f"{hi / lo:.0f}"
    return (None if lower_is_better is None else side), f"{side.upper()} {ratio}× {word}"


def _metrics(
    a: GenerationStats | None, b: GenerationStats | None, suffix: Callable[[Side], str], judge: bool = True
) -> list[Metric]:
    rows: list[Metric] = []
    for spec in METRICS:
        va = spec.value(a) if a is not None else None
        vb = spec.value(b) if b is not None else None
        if spec.label.startswith("thinking") and not (va or vb):
            continue  # neither thought: no rows about thinking
        better, text = verdict(va, vb, spec.lower_is_better, spec.word) if judge else (None, "")
        if (
            spec.label == "load time"
            and text
            and va is not None
            and vb is not None
            and min(va, vb) < LOADED_S
        ):
            # One model was in memory already: that is where it happened to be, not how fast it loads.
            better, text = None, f"{'A' if va < vb else 'B'} was already loaded"
        rows.append(
            Metric(spec.label, spec.show(va) + suffix("a"), spec.show(vb) + suffix("b"), better, text)
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
    complete = all(t is not None and t.status is TurnStatus.DONE for t in (round_.a, round_.b))
    return _metrics(
        round_.a.stats if round_.a else None, round_.b.stats if round_.b else None, suffix, judge=complete
    )


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
        if r.model_a == last.model_a
        and r.model_b == last.model_b
        and all(t is not None and t.status is TurnStatus.DONE and t.stats.final for t in (r.a, r.b))
    ]


def session_metrics(rounds: Sequence[Round]) -> list[Metric]:
    """Figures over the comparable rounds: rates over summed durations, TTFT averaged, the rest summed."""
    both = comparable(rounds)
    a, b = totals(r.a for r in both), totals(r.b for r in both)
    if a is None or b is None:
        return []
    return _metrics(a, b, lambda side: "")


def choose_mode(
    need_a: int | None, need_b: int | None, same: bool, vram_total: int | None
) -> tuple[RunMode, str]:
    """Parallel when both models fit in VRAM together (or are one model), else one after the other."""
    if not vram_total:
        return "sequential", "no GPU information: one at a time, so neither slows the other"
    if need_a is None or need_b is None:
        return "sequential", "a model's size is unknown: one at a time, so neither evicts the other"
    total = gib(vram_total, digits=0)
    if same:
        if need_a <= vram_total:
            return "parallel", f"one model serves both ({gib(need_a)} of {total} GiB)"
        return "sequential", f"it needs {gib(need_a)} of {total} GiB: one reply at a time"
    if need_a + need_b <= vram_total:
        # Smaller first, whichever side it is on: in a blind run the order must not tell them apart.
        small, large = sorted((need_a, need_b))
        return "parallel", f"both fit together ({gib(small)} + {gib(large)} of {total} GiB)"
    return "sequential", (
        f"together they need {gib(need_a + need_b)} of {total} GiB: one at a time so neither evicts the other"
    )


def vote_summary(votes: Iterable[VoteRecord]) -> list[str]:
    """One line per model pair: wins for each model and ties, e.g. `a:q4 3 · a:q8 1 · tie 1 (5 votes)`.

    A model against itself (a consistency check) counts wins by pane instead.
    """
    pairs: dict[tuple[str, str], dict[str, int]] = {}
    for record in votes:
        if same_model(record.model_a, record.model_b):
            tally = pairs.setdefault((record.model_a, record.model_a), {"A": 0, "B": 0, "tie": 0})
            tally[{"a": "A", "b": "B", "tie": "tie"}[record.vote]] += 1
            continue
        first, second = sorted((record.model_a, record.model_b), key=str.lower)
        tally = pairs.setdefault((first, second), {first: 0, second: 0, "tie": 0})
        if record.vote == "tie":
            tally["tie"] += 1
        else:
            winner = record.model_a if record.vote == "a" else record.model_b
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
