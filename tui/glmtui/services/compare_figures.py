"""The figures of an A/B comparison and when two of them may be weighed against each other.

Each `_Spec` is one row of the comparison strip: how to read it from one side's stats (one per round,
so a round and a session are figured alike), how to show it, and which way is better. `Bias` says when
the two sides ran under unlike conditions (a model load on one side, a cached prompt prefix), so the
rows those conditions distort are shown without a verdict rather than crowning the luckier side.
One such condition is whose clock a duration is on: Ollama reports its own (exact), an OpenAI-compatible
engine does not and glmtui times it (client-timed, network and batching included); a rate of one
against a rate of the other is not like for like, and is marked and left unjudged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from glmtui.core.state import CLIENT_TIMED, EXACT, GenerationStats
from glmtui.core.units import format_rate, format_seconds

Side = Literal["a", "b"]
# One rule for every row: two values are "even" unless they differ by more than max(FLOOR, MARGIN × the
# smaller). 10% because back-to-back runs of one local model vary by a few per cent (eval rate, thinking
# time, token counts of a sampled reply), so a smaller gap says nothing about the models.
SAME_WITHIN = 0.10
# A first token is one short wait, shaken by the scheduler, the HTTP round trip and the prefill: 20%,
# and never under 50 ms (a few event-loop ticks), which is also the floor for every other duration.
TTFT_WITHIN = 0.20
TIME_FLOOR_S = 0.05
LOADED_S = 0.05  # a load_duration under this means the model was already in memory
PROMPTS_ALIKE = 0.5  # prompt token counts closer than this ratio are like; further apart, one was cached


@dataclass(frozen=True, slots=True)
class _Spec:
    label: str
    value: Callable[[Sequence[GenerationStats]], float | None]  # one side's stats, one per round
    show: Callable[[float | None], str]
    lower_is_better: bool | None  # None: neither is better (more tokens is not a virtue)
    word: str  # "faster", "sooner", "more"...
    margin: float = SAME_WITHIN  # relative gap within which the two values are called even
    floor: float = 0.0  # absolute gap (seconds, for durations) within which they are even as well


def _count(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _output_tokens(s: GenerationStats) -> float:
    """The server's eval_count once final (`final` means it is there), else the tokens received."""
    return float(s.eval_count if s.eval_count is not None else s.thinking_tokens + s.content_tokens)


def _sum(
    getter: Callable[[GenerationStats], float | int | None],
) -> Callable[[Sequence[GenerationStats]], float | None]:
    """Summed over the rounds; None when no round has the figure (server figures need the final chunk)."""

    def value(stats: Sequence[GenerationStats]) -> float | None:
        values = [v for s in stats if s.final and (v := getter(s)) is not None]
        return float(sum(values)) if values else None

    return value


def _rate(
    count: Callable[[GenerationStats], int | None], ns: Callable[[GenerationStats], int | None]
) -> Callable[[Sequence[GenerationStats]], float | None]:
    """Tokens over summed seconds (as `ollama run --verbose` computes one reply's rate)."""

    def value(stats: Sequence[GenerationStats]) -> float | None:
        tokens, duration = _sum(count)(stats), _sum(ns)(stats)
        return tokens / (duration / 1e9) if tokens and duration else None

    return value


def _mean(
    getter: Callable[[GenerationStats], float | None],
) -> Callable[[Sequence[GenerationStats]], float | None]:
    """The mean over the rounds: a sum of waits means nothing."""

    def value(stats: Sequence[GenerationStats]) -> float | None:
        values = [v for s in stats if (v := getter(s)) is not None]
        return sum(values) / len(values) if values else None

    return value


def _net_ttft(s: GenerationStats) -> float | None:
    """TTFT less the model's load (Ollama's load_duration, in the final chunk): the wait the model caused."""
    if s.ttft_s is None or s.load_s is None or s.ttft_s < s.load_s:
        return None  # the load comes before the first token: a TTFT shorter than it is not one reply's
    return s.ttft_s - s.load_s


def _load(stats: Sequence[GenerationStats]) -> float | None:
    """The mean load over the rounds where this side loaded; 0 when it never did (it was in memory)."""
    loads = [s.load_s for s in stats if s.final and s.load_s is not None]
    if not loads:
        return None
    paid = [x for x in loads if x >= LOADED_S]
    return sum(paid) / len(paid) if paid else min(loads)


def _thinking_time(stats: Sequence[GenerationStats]) -> float | None:
    thought = [s for s in stats if s.thinking_tokens]
    return sum(s.thinking_s or 0.0 for s in thought) if thought else None


TTFT_NET = "TTFT − load"
# Rows whose figures come from durations the server reports (Ollama) or glmtui times (OpenAI-compatible):
# TTFT and thinking time are glmtui's clock on both sides, so only these change with the engine.
TIMED_ROWS = frozenset({"eval rate", "prompt eval", "load time"})
TIMING_WORDS = {EXACT: "exact", CLIENT_TIMED: "client-timed"}
ORDER_DECIDES = "same model: order decides"
METRICS: tuple[_Spec, ...] = (
    _Spec("TTFT", _mean(lambda s: s.ttft_s), format_seconds, True, "sooner", TTFT_WITHIN, TIME_FLOOR_S),
    # Only shown when a side loaded its model: the like-for-like TTFT, with the load in its own row.
    _Spec(
        TTFT_NET,
        _mean(lambda s: _net_ttft(s) if s.final else None),
        format_seconds,
        True,
        "sooner",
        TTFT_WITHIN,
        TIME_FLOOR_S,
    ),
    _Spec(
        "eval rate", _rate(lambda s: s.eval_count, lambda s: s.eval_duration_ns), format_rate, False, "faster"
    ),
    _Spec(
        "prompt eval",
        _rate(lambda s: s.prompt_eval_count, lambda s: s.prompt_eval_duration_ns),
        format_rate,
        False,
        "faster",
    ),
    _Spec("load time", _load, format_seconds, True, "quicker", floor=TIME_FLOOR_S),
    # A stopped or failed reply has no eval_count: the tokens received say how far it got.
    _Spec("output tokens", lambda st: sum(map(_output_tokens, st)) or None, _count, None, "more"),
    # Thinking is compared but not judged: a longer trace may be slower or may be the better answer.
    _Spec("thinking tokens", lambda st: float(sum(s.thinking_tokens for s in st)), _count, None, "more"),
    _Spec("thinking time", _thinking_time, format_seconds, None, "longer", floor=TIME_FLOOR_S),
)


def verdict(
    a: float | None,
    b: float | None,
    lower_is_better: bool | None,
    word: str,
    margin: float = SAME_WITHIN,
    floor: float = 0.0,
) -> tuple[Side | None, str]:
    """Which side is better and a phrase like `B 1.8× faster`; (None, "") when it cannot be said, and
    "even" when the gap is within max(`floor`, `margin` × the smaller value): noise, not a difference."""
    if a is None or b is None:
        return None, ""
    hi, lo = max(a, b), min(a, b)
    if hi - lo <= max(floor, margin * lo):
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


def loaded(s: GenerationStats) -> bool:
    """This reply paid for loading its model (a load_duration of a real load, not a lookup)."""
    return s.load_s is not None and s.load_s >= LOADED_S


def prompts_alike(a: GenerationStats, b: GenerationStats) -> bool:
    """Both sides evaluated prompts of a like size. Ollama reuses the KV cache for a prefix it has seen,
    and then counts (and times) only the rest: a cache hit against a full prefill is not a comparison."""
    ca, cb = a.prompt_eval_count or 0, b.prompt_eval_count or 0
    return max(ca, cb) == 0 or min(ca, cb) / max(ca, cb) >= PROMPTS_ALIKE


@dataclass(frozen=True, slots=True)
class Bias:
    """Why some rows of a comparison are shown without a verdict: the sides ran under unlike conditions."""

    loaded: tuple[bool, bool] = (False, False)  # a side paid a model load in some round
    unlike_prompts: tuple[int, int] | None = None  # prompt tokens evaluated (A, B) in a round where unlike
    thought: tuple[bool, bool] = (False, False)  # a side produced thinking tokens
    # One model on both sides, one after the other: B always runs second, on a warm server, so which
    # side answers sooner is the order's doing, not the model's (a consistency check has no winner).
    ordered: bool = False
    timing: tuple[str, str] = (EXACT, EXACT)  # whose clock each side's durations are on (`side_timing`)


def side_timing(stats: Sequence[GenerationStats]) -> str:
    """CLIENT_TIMED when any of one side's replies was timed by glmtui, else EXACT."""
    return CLIENT_TIMED if any(s.client_timed for s in stats) else EXACT


def unlike_timing(timing: tuple[str, str]) -> str:
    """`not like for like: A exact, B client-timed`."""
    a, b = (TIMING_WORDS.get(t, t) for t in timing)
    return f"not like for like: A {a}, B {b}"


def bias(pairs: Sequence[tuple[GenerationStats, GenerationStats]], ordered: bool = False) -> Bias:
    """The unlike conditions in these (A, B) pairs of final replies (one pair per round); `ordered`: one
    model on both sides, run one after the other, in some of these rounds."""
    unlike = next(
        ((a.prompt_eval_count or 0, b.prompt_eval_count or 0) for a, b in pairs if not prompts_alike(a, b)),
        None,
    )
    return Bias(
        loaded=(any(loaded(a) for a, _ in pairs), any(loaded(b) for _, b in pairs)),
        unlike_prompts=unlike,
        thought=(any(a.thinking_tokens for a, _ in pairs), any(b.thinking_tokens for _, b in pairs)),
        ordered=ordered and bool(pairs),
        timing=(side_timing([a for a, _ in pairs]), side_timing([b for _, b in pairs])),
    )


def whose(flags: tuple[bool, bool]) -> str:
    return "both sides'" if all(flags) else "A's" if flags[0] else "B's"


def unjudged(label: str, why: Bias) -> str | None:
    """The reason this row gets no verdict under these conditions (a short phrase), or None."""
    if label in TIMED_ROWS and why.timing[0] != why.timing[1]:
        return unlike_timing(why.timing)  # one side's durations are the server's, the other's glmtui's
    if label == "TTFT" and any(why.loaded):
        return f"includes {whose(why.loaded)} load"  # the next row compares it without
    if label in ("TTFT", TTFT_NET, "prompt eval") and why.unlike_prompts is not None:
        a, b = why.unlike_prompts
        return f"unlike prompts ({a:,} vs {b:,} tok)"
    if label in ("TTFT", TTFT_NET) and why.ordered:
        return ORDER_DECIDES
    if label == "output tokens" and why.thought[0] != why.thought[1]:
        return f"{whose(why.thought)} include thinking"
    return None
