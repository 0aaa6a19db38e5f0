"""`GenerationStats.timing` end to end: saved and read back by the store, carried through the compare
totals, and an exact rate never weighed against a client-timed one without saying so."""

from __future__ import annotations

from pathlib import Path

from glmtui.core.state import Conversation, GenerationStats, Turn, TurnStatus
from glmtui.services.compare import Round, notes, round_metrics, session_metrics, totals
from glmtui.services.conversation_export import conversation_markdown
from glmtui.services.store import Store

S = 1_000_000_000


def figures(tokens: int, seconds: float, timing: str = "exact") -> GenerationStats:
    exact = timing == "exact"
    return GenerationStats(
        ttft_s=0.2,
        eval_count=tokens,
        eval_duration_ns=int(seconds * S),
        prompt_eval_count=30,
        prompt_eval_duration_ns=int(0.01 * S) if exact else None,
        load_duration_ns=int(0.01 * S) if exact else None,
        timing=timing,
    )


def done(stats: GenerationStats, model: str = "m") -> Turn:
    return Turn(prompt="p", model=model, reply="ok", status=TurnStatus.DONE, stats=stats)


def a_round(a: GenerationStats, b: GenerationStats) -> Round:
    return Round("p", "desk-model", "node-model", "parallel", sent=True, a=done(a), b=done(b))


def test_the_store_keeps_the_timing(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    conv = store.create_conversation("t", "glm-4.7-flash", "")
    for timing in ("client", "exact"):
        turn = done(figures(100, 1.0, timing), "glm-4.7-flash")
        store.finish_turn(store.start_turn(conv, turn, digest="", options={}), turn)
    assert [t.stats.timing for t in store.load(conv).turns] == ["client", "exact"]


def test_an_exact_rate_against_a_client_timed_one_is_not_judged() -> None:
    round_ = a_round(figures(500, 10.0), figures(200, 1.0, "client"))  # B "4× faster", on another clock
    rows = {m.label: m for m in round_metrics(round_)}
    rate = rows["eval rate"]
    assert rate.a == "50.00 tok/s" and rate.b == "200.00 tok/s (client-timed)"
    assert rate.better is None and rate.verdict == "not like for like: A exact, B client-timed"
    assert rows["prompt eval"].b == "n/a" and rows["prompt eval"].verdict == ""
    assert rows["TTFT"].verdict == "even"  # glmtui's clock on both sides: like for like
    unlike = "Eval rate not like for like: A exact, B client-timed"
    assert any(line.startswith(unlike) for line in notes(round_))


def test_two_client_timed_sides_are_judged_and_both_marked() -> None:
    round_ = a_round(figures(500, 10.0, "client"), figures(200, 1.0, "client"))
    rate = {m.label: m for m in round_metrics(round_)}["eval rate"]
    assert rate.a.endswith("(client-timed)") and rate.b.endswith("(client-timed)")
    assert rate.better == "b" and rate.verdict == "B 4.0× faster"
    assert not any("like for like" in line for line in notes(round_))


def test_session_totals_carry_the_timing() -> None:
    rounds = [a_round(figures(500, 10.0), figures(200, 1.0, "client")) for _ in range(2)]
    assert totals(r.b for r in rounds).timing == "client"  # type: ignore[union-attr]
    assert totals(r.a for r in rounds).timing == "exact"  # type: ignore[union-attr]
    rate = {m.label: m for m in session_metrics(rounds)}["eval rate"]
    assert rate.better is None and rate.verdict.startswith("not like for like")


def test_the_export_says_whose_clock_the_rate_is_on() -> None:
    conversation = Conversation(turns=[done(figures(100, 1.0, "client")), done(figures(100, 1.0))])
    text = conversation_markdown(conversation, now=0)
    assert 'eval_timing: "mixed"' in text and "100.00 tok/s (client-timed)" in text


def test_a_client_timed_rate_counts_the_gaps_between_tokens() -> None:
    """N tokens read over N − 1 gaps: the duration is scaled so that eval_count / eval_duration is the
    rate between tokens (8 tokens 0.1 s apart: 10 tok/s, not 11.4)."""
    from glmtui.core.stats import LiveStats
    from glmtui.services.engines.openai import OpenAIEngine

    now = [0.0]
    live = LiveStats(clock=lambda: now[0])
    for _ in range(8):
        now[0] += 0.1
        live.on_token(thinking=False)
    stats = OpenAIEngine._final(live, {"completion_tokens": 8, "prompt_tokens": 5}, "stop", 0.0)
    assert stats.eval_rate is not None and abs(stats.eval_rate - 10.0) < 1e-6
