"""The comparison's verdicts, totals, run mode, votes and Markdown export, from hand-made figures."""

from __future__ import annotations

from pathlib import Path

from glmtui.core.state import GenerationStats, Turn, TurnStatus
from glmtui.core.units import GIB
from glmtui.screens.compare.dialogs import parse_options
from glmtui.services.compare import (
    CompareRun,
    Round,
    VoteRecord,
    choose_mode,
    comparable,
    round_metrics,
    session_metrics,
    totals,
    verdict,
    vote_summary,
)
from glmtui.services.compare_export import compare_markdown
from glmtui.services.conversation_export import demote_headings, export_path

S = 1_000_000_000  # ns


def stats(tokens: int, seconds: float, ttft: float, load: float = 0.01, thinking: int = 0) -> GenerationStats:
    return GenerationStats(
        ttft_s=ttft,
        eval_count=tokens,
        eval_duration_ns=int(seconds * S),
        prompt_eval_count=30,
        prompt_eval_duration_ns=int(0.01 * S),
        load_duration_ns=int(load * S),
        thinking_tokens=thinking,
        thinking_s=1.0 if thinking else None,
    )


def turn(
    model: str, figures: GenerationStats, status: TurnStatus = TurnStatus.DONE, reply: str = "ok"
) -> Turn:
    return Turn(prompt="p", model=model, reply=reply, status=status, stats=figures)


def test_verdict_marks_the_better_side_and_the_ratio() -> None:
    assert verdict(50.0, 90.0, False, "faster") == ("b", "B 1.8× faster")
    assert verdict(0.2, 0.5, True, "sooner") == ("a", "A 2.5× sooner")
    assert verdict(100.0, 101.0, False, "faster") == (None, "even")  # within 10%: noise
    assert verdict(100.0, 109.0, False, "faster") == (None, "even")
    assert verdict(100.0, 112.0, False, "faster") == ("b", "B 1.1× faster")
    assert verdict(300.0, 200.0, None, "more") == (None, "A 1.5× more")  # neutral: named, not marked
    assert verdict(None, 2.0, False, "faster") == (None, "")
    assert verdict(0.0, 2.0, True, "quicker") == ("a", "A ∞× quicker")


def test_round_metrics_cover_every_figure_and_mark_partial_sides() -> None:
    round_ = Round(
        "p",
        "m:a",
        "m:b",
        "parallel",
        sent=True,
        a=turn("m:a", stats(500, 10.0, 0.2, thinking=100)),
        b=turn("m:b", stats(200, 2.0, 2.7, load=2.3, thinking=50)),  # B's TTFT includes its 2.3 s load
    )
    rows = {m.label: m for m in round_metrics(round_)}
    assert list(rows) == [
        "TTFT",
        "TTFT − load",  # a side loaded its model: TTFT is also compared without the load
        "eval rate",
        "prompt eval",
        "load time",
        "output tokens",
        "thinking tokens",
        "thinking time",
    ]
    assert rows["eval rate"].a == "50.00 tok/s" and rows["eval rate"].b == "100.00 tok/s"
    assert rows["eval rate"].better == "b" and rows["eval rate"].verdict == "B 2.0× faster"
    assert rows["TTFT"].better is None and rows["TTFT"].verdict == "includes B's load"
    assert rows["TTFT − load"].better == "a" and rows["load time"].verdict == "A was already loaded"
    assert rows["load time"].better is None
    assert rows["output tokens"].better is None and rows["output tokens"].verdict == "A 2.5× more"
    assert rows["thinking time"].better is None  # thinking is compared, not judged
    # A stopped side has no server figures, and no verdict is given against a partial reply.
    round_.b = turn("m:b", GenerationStats(ttft_s=0.3, content_tokens=12), TurnStatus.STOPPED)
    rows = {m.label: m for m in round_metrics(round_)}
    assert rows["eval rate"].b == "n/a (stopped)" and rows["TTFT"].b == "300 ms (stopped)"
    assert rows["output tokens"].b == "12 (stopped)"  # how far it got, from the tokens received
    assert all(m.verdict == "" and m.better is None for m in rows.values())
    round_.b = None
    assert {m.label: m for m in round_metrics(round_)}["TTFT"].b == "n/a (not sent)"


def test_no_thinking_rows_when_neither_side_thought() -> None:
    round_ = Round(
        "p", "a", "b", "sequential", sent=True, a=turn("a", stats(10, 1, 0.1)), b=turn("b", stats(10, 1, 0.1))
    )
    assert [m.label for m in round_metrics(round_)][-1] == "output tokens"


def test_a_cold_load_on_one_side_is_not_crowned_as_a_sooner_first_token() -> None:
    # The case: one model on both sides, sequential, cold. A loads it (2 s), B finds it loaded.
    a = turn("glm", stats(200, 2.0, 2.45, load=2.0))
    b = turn("glm", stats(200, 2.0, 0.52, load=0.001))
    round_ = Round("p", "glm", "glm", "sequential", sent=True, a=a, b=b)
    rows = {m.label: m for m in round_metrics(round_)}
    assert rows["TTFT"].a == "2.45 s" and rows["TTFT"].b == "520 ms"  # the figures stay, as measured
    assert rows["TTFT"].better is None and "sooner" not in rows["TTFT"].verdict  # was: B 4.7× sooner
    assert rows["TTFT"].verdict == "includes A's load"
    # Without the load A answered a little sooner, but one model run twice in a row has no winner:
    # B always runs second, on a warm server.
    assert rows["TTFT − load"].a == "450 ms" and rows["TTFT − load"].b == "519 ms"
    assert rows["TTFT − load"].better is None and rows["TTFT − load"].verdict == "same model: order decides"
    assert rows["load time"].a == "2.00 s" and rows["load time"].verdict == "B was already loaded"
    from glmtui.services.compare import notes

    assert notes(round_) == [
        "Same model both sides, one after the other: B always runs second, so TTFT is not judged.",
        "TTFT includes A's model load: not judged; TTFT − load is, where known.",
    ]


def test_a_warm_prompt_cache_on_b_is_not_weighed_against_a_full_prefill() -> None:
    a = turn("glm", stats(200, 2.0, 0.50))
    a.stats.prompt_eval_count, a.stats.prompt_eval_duration_ns = 800, int(0.4 * S)  # 2,000 tok/s
    b = turn("glm", stats(200, 2.0, 0.08))
    b.stats.prompt_eval_count, b.stats.prompt_eval_duration_ns = 3, int(0.001 * S)  # a cache hit
    round_ = Round("p", "glm", "glm", "sequential", sent=True, a=a, b=b)
    rows = {m.label: m for m in round_metrics(round_)}
    assert rows["prompt eval"].a == "2000.00 tok/s" and rows["prompt eval"].b == "3000.00 tok/s"
    assert (
        rows["prompt eval"].better is None and rows["prompt eval"].verdict == "unlike prompts (800 vs 3 tok)"
    )
    # The prefill is in the first token's wait too: TTFT is not judged either.
    assert rows["TTFT"].better is None and rows["TTFT"].verdict == "unlike prompts (800 vs 3 tok)"
    assert rows["eval rate"].verdict == "even"  # generation is not touched by the cache
    from glmtui.services.compare import notes

    assert any("A 800 tok, B 3" in line and "not judged" in line for line in notes(round_))
    # Tokenizers differ between models: prompts within a factor of two are like.
    b.stats.prompt_eval_count, b.stats.prompt_eval_duration_ns = 700, int(0.5 * S)
    assert {m.label: m for m in round_metrics(round_)}["prompt eval"].better == "a"


def test_output_tokens_of_a_side_that_thought_are_not_set_against_an_answer_alone() -> None:
    a = turn("glm", stats(500, 5.0, 0.2, thinking=300))  # Ollama's eval_count counts thinking too
    b = turn("glm", stats(200, 2.0, 0.2))  # think off
    rows = {m.label: m for m in round_metrics(Round("p", "glm", "glm", "parallel", sent=True, a=a, b=b))}
    assert rows["output tokens"].verdict == "A's include thinking"  # was: A 2.5× more
    assert rows["eval rate"].verdict == "even"  # per token, thinking or not: still like with like


def test_session_totals_do_not_carry_one_rounds_load_or_count_loads_unevenly() -> None:
    def r(a: GenerationStats, b: GenerationStats) -> Round:
        return Round("p", "a", "b", "sequential", sent=True, a=turn("a", a), b=turn("b", b))

    rounds = [
        r(stats(100, 1.0, 2.2, load=2.0), stats(100, 1.0, 2.2, load=2.0)),  # both cold
        r(stats(100, 1.0, 1.6, load=1.4), stats(100, 1.0, 0.3, load=0.001)),  # A was evicted, B stayed
        r(stats(100, 1.0, 0.2), stats(100, 1.0, 0.3)),
    ]
    rows = {m.label: m for m in session_metrics(rounds)}
    assert rows["TTFT"].better is None and rows["TTFT"].verdict == "includes both sides' load"
    assert rows["TTFT − load"].better == "a"  # 0.2 s a round against B's 0.27 s
    # One load each is compared, not A's two loads against B's one (was: B 1.7× quicker).
    assert rows["load time"].a == "1.70 s" and rows["load time"].b == "2.00 s"
    assert rows["load time"].better == "a" and rows["load time"].verdict == "A 1.2× quicker"


def test_unlike_options_are_named_in_a_note() -> None:
    from glmtui.services.compare import notes

    a, b = turn("glm", stats(100, 1.0, 0.2)), turn("glm", stats(100, 1.0, 0.2))
    round_ = Round("p", "glm", "glm", "parallel", sent=True, a=a, b=b)
    assert notes(round_) == []
    round_.options_a, round_.options_b = {"num_ctx": 8192, "seed": 1}, {"num_ctx": 32768, "seed": 1}
    assert notes(round_) == [
        "Options differ (num_ctx 8192 vs 32768): the figures weigh the settings as well as the models."
    ]


def test_session_totals_cover_complete_rounds_with_the_same_models() -> None:
    def r(a: Turn, b: Turn, model_b: str = "b") -> Round:
        return Round("p", "a", model_b, "parallel", sent=True, a=a, b=b)

    rounds = [
        r(turn("a", stats(100, 1.0, 0.2)), turn("b", stats(100, 2.0, 0.4))),
        r(turn("a", stats(300, 2.0, 0.4)), turn("b", stats(60, 1.0, 0.2))),
        # B failed: the round is left out on both sides, or A's figures would cover more rounds
        r(turn("a", stats(900, 1.0, 0.1)), turn("b", stats(50, 1.0, 0.2), TurnStatus.FAILED)),
    ]
    assert comparable(rounds) == rounds[:2]
    total_a = totals(x.a for x in comparable(rounds))
    assert total_a is not None and total_a.eval_count == 400 and total_a.eval_rate == 400 / 3.0
    assert abs((total_a.ttft_s or 0) - 0.3) < 1e-9
    rows = {m.label: m for m in session_metrics(rounds)}
    assert rows["eval rate"].a == "133.33 tok/s" and rows["eval rate"].b == "53.33 tok/s"
    assert rows["eval rate"].verdict == "A 2.5× faster"
    # A pane switched to another model: the tally starts again with the new pair.
    switched = [*rounds, r(turn("a", stats(10, 1.0, 0.1)), turn("c", stats(20, 1.0, 0.1)), model_b="c")]
    assert comparable(switched) == switched[-1:]
    assert session_metrics([Round("p", "a", "b", "parallel", sent=True)]) == []


def test_run_mode_from_the_fit() -> None:
    # Smaller first whichever side it is on (a blind run must not give the sides away).
    assert choose_mode(18 * GIB, 4 * GIB, False, 24 * GIB) == (
        "parallel",
        "both fit together (est. 4.0 + 18.0 of 24 GiB)",
    )
    mode, reason = choose_mode(19 * GIB, 32 * GIB, False, 24 * GIB)
    assert mode == "sequential" and "together they need est. 51.0 of 24 GiB" in reason
    assert choose_mode(19 * GIB, 19 * GIB, True, 24 * GIB)[0] == "parallel"  # one copy serves both
    assert choose_mode(30 * GIB, 30 * GIB, True, 24 * GIB)[0] == "sequential"
    assert choose_mode(1, 1, False, None)[1].startswith("no GPU information")
    assert choose_mode(None, 1, False, 24 * GIB)[0] == "sequential"


def test_vote_summary_counts_wins_per_pair_whichever_side_a_model_sat_on() -> None:
    votes = [
        VoteRecord("q4", "q8", "a", 1),
        VoteRecord("q8", "q4", "a", 2),
        VoteRecord("q8", "q4", "b", 1),
        VoteRecord("q4", "q8", "tie", 1),
        VoteRecord("gpt", "gpt", "b", 1),
    ]
    assert vote_summary(votes) == [
        "q4 2 · q8 1 · tie 1 (4 vote(s))",
        "gpt vs itself: A 0 · B 1 · tie 0 (1 vote(s))",
    ]


def test_markdown_export_has_both_transcripts_and_the_tables(tmp_path: Path) -> None:
    run = CompareRun()
    a = turn("glm:q4", stats(100, 1.0, 0.2, thinking=10), reply="Answer A | with a pipe\x1b[31m")
    a.thinking = "pondering"
    b = turn("glm:q8", stats(100, 2.0, 0.3), TurnStatus.FAILED, reply="partial B")
    b.error = "The connection dropped"
    run.rounds.append(Round("line one\nline two", "glm:q4", "glm:q8", "parallel", a=a, b=b, sent=True))
    a.think = "on"
    text = compare_markdown(run, host="http://gpu:11434", now=0)
    assert text.startswith("# A/B comparison: glm:q4 vs glm:q8")
    assert (
        "> line one\n> line two" in text and "### A · glm:q4 · think on" in text and "### B · glm:q8" in text
    )
    assert "Answer A | with a pipe␛[31m" in text  # control characters made visible, never raw
    assert "<summary>Thinking (10 tokens, 1.0 s)</summary>" in text and "pondering" in text
    assert "_Failed: The connection dropped; the reply above is partial._" in text
    assert "| eval rate | 100.00 tok/s | 50.00 tok/s (failed) |  |" in text  # no verdict against a failure
    assert "Session totals" not in text  # one round: its table says it all
    blind = CompareRun(blind=True, rounds=run.rounds)
    hidden = compare_markdown(blind, host="h", now=0)
    assert "glm:q4" not in hidden and "model hidden" in hidden and "vote: not yet" in hidden
    first = export_path(tmp_path, "glmtui-compare", now=0)
    first.write_text("x")
    assert export_path(tmp_path, "glmtui-compare", now=0) != first  # never overwrites


def test_pane_options_are_typed_and_bad_boxes_named() -> None:
    options, problems = parse_options({"temperature": "0.2", "seed": "42", "top_k": "", "num_ctx": "8192"})
    assert options == {"temperature": 0.2, "seed": 42, "num_ctx": 8192} and problems == []
    options, problems = parse_options({"seed": "4.5", "temperature": "hot", "num_ctx": "0"})
    assert options == {} and len(problems) == 3 and "seed: '4.5' is not a whole number" in problems


def test_exports_put_a_replys_headings_under_their_own() -> None:
    reply = "## Answer\n\n```python\n# a comment, not a heading\n```\n#### deep\n###### deepest"
    assert demote_headings(reply, 3) == (
        "##### Answer\n\n```python\n# a comment, not a heading\n```\n###### deep\n###### deepest"
    )


def two(a: GenerationStats, b: GenerationStats, mode: str = "parallel", model_b: str = "gpt") -> Round:
    return Round("p", "glm", model_b, mode, sent=True, a=turn("glm", a), b=turn(model_b, b))  # type: ignore[arg-type]


def test_first_token_gaps_within_noise_are_even() -> None:
    # The tester's figures: 58 ms against 32 ms was "B 1.8× sooner"; a gap under 50 ms is a few ticks.
    rows = {m.label: m for m in round_metrics(two(stats(100, 1.0, 0.058), stats(100, 1.0, 0.032)))}
    assert rows["TTFT"].better is None and rows["TTFT"].verdict == "even"
    # Over 50 ms but within 20% of the smaller: still one short wait's jitter.
    rows = {m.label: m for m in round_metrics(two(stats(100, 1.0, 0.50), stats(100, 1.0, 0.58)))}
    assert rows["TTFT"].verdict == "even"
    rows = {m.label: m for m in round_metrics(two(stats(100, 1.0, 0.50), stats(100, 1.0, 0.65)))}
    assert rows["TTFT"].better == "a" and rows["TTFT"].verdict == "A 1.3× sooner"
    # TTFT − load, its sibling, by the same rule.
    rows = {m.label: m for m in round_metrics(two(stats(100, 1.0, 2.06, 2.0), stats(100, 1.0, 0.032)))}
    assert rows["TTFT − load"].better is None and rows["TTFT − load"].verdict == "even"


def test_every_compared_row_calls_a_small_gap_even() -> None:
    # The tester's thinking time: 1.37 s against 1.41 s was "B 1.03× longer" beside rows called even.
    a, b = stats(100, 1.0, 0.2, thinking=50), stats(105, 1.03, 0.2, thinking=52)
    a.thinking_s, b.thinking_s = 1.37, 1.41
    a.load_duration_ns, b.load_duration_ns = int(2.0 * S), int(2.1 * S)
    a.prompt_eval_duration_ns = int(0.0105 * S)
    rows = {m.label: m for m in round_metrics(two(a, b))}
    for label in (
        "thinking time",
        "thinking tokens",
        "output tokens",
        "eval rate",
        "prompt eval",
        "load time",
    ):
        assert rows[label].better is None and rows[label].verdict == "even", label


def test_one_model_in_sequence_crowns_neither_side_for_the_first_token() -> None:
    # Both warm, one model, one after the other: B always runs second, so the order answers sooner.
    round_ = two(stats(100, 1.0, 0.40), stats(100, 1.0, 0.20), "sequential", model_b="glm:latest")
    round_.model_a = "glm:latest"
    rows = {m.label: m for m in round_metrics(round_)}
    assert rows["TTFT"].better is None and rows["TTFT"].verdict == "same model: order decides"
    from glmtui.services.compare import notes

    assert notes(round_) == [
        "Same model both sides, one after the other: B always runs second, so TTFT is not judged."
    ]
    assert session_metrics([round_, round_])[0].verdict == "same model: order decides"
    # In parallel, or between two models, the first token is judged as before.
    round_.mode = "parallel"
    assert {m.label: m for m in round_metrics(round_)}["TTFT"].verdict == "B 2.0× sooner"
    assert notes(round_) == []


def test_both_sides_already_loaded_names_neither() -> None:
    rows = {m.label: m for m in round_metrics(two(stats(100, 1.0, 0.2), stats(100, 1.0, 0.2, load=0.002)))}
    assert rows["load time"].better is None and rows["load time"].verdict == "both already loaded"


def test_notes_say_whether_they_are_this_rounds_or_the_sessions() -> None:
    from glmtui.services.compare import notes

    first = two(stats(100, 1.0, 2.2, load=2.0), stats(100, 1.0, 0.3))  # A loaded its model
    second = two(stats(100, 1.0, 0.2), stats(100, 1.0, 0.3))  # both warm
    load = "TTFT includes A's model load: not judged; TTFT − load is, where known."
    # Round 2 shown with the session's columns: the load was the session's, not this round's.
    assert notes(second, [first, second]) == [f"Session: {load}"]
    assert notes(first, [first, second]) == [f"This round and the session: {load}"]
    assert notes(first) == [load]  # one round, no session columns: nothing to tell apart
