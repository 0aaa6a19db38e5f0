"""Speed maths: exact figures as `ollama run --verbose` prints them, and the live estimate."""

from glmtui.core.state import GenerationStats
from glmtui.core.stats import LiveStats, final_stats, summary_parts
from glmtui.core.units import format_rate
from tests.fakes import FakeClock


def test_eval_rate_matches_ollama_verbose() -> None:
    # ollama's cmd/cmd.go prints float64(EvalCount)/EvalDuration.Seconds() with %.2f.
    stats = GenerationStats(eval_count=812, eval_duration_ns=9_876_543_210)
    assert format_rate(stats.eval_rate) == f"{812 / 9.87654321:.2f} tok/s" == "82.21 tok/s"


def test_zero_duration_is_na() -> None:
    stats = GenerationStats(eval_count=10, eval_duration_ns=0, prompt_eval_count=5, prompt_eval_duration_ns=0)
    assert stats.eval_rate is None and format_rate(stats.eval_rate) == "n/a"
    assert stats.prompt_eval_rate is None


def test_live_stats_ttft_thinking_and_rate() -> None:
    clock = FakeClock()
    live = LiveStats(clock=clock)
    assert live.rate() is None and live.ttft_s is None
    clock.now += 0.5
    live.on_token(thinking=True)
    for _ in range(9):
        clock.now += 0.1
        live.on_token(thinking=True)
    clock.now += 0.1
    live.on_token(thinking=False)
    assert live.ttft_s == 0.5
    assert abs((live.thinking_s or 0) - 1.0) < 1e-9
    assert live.thinking_tokens == 10 and live.content_tokens == 1
    assert abs((live.rate() or 0) - 10.0) < 1e-6  # 11 tokens over 1.0 s → 10 intervals per second


def test_live_rate_window_forgets_old_tokens() -> None:
    clock = FakeClock()
    live = LiveStats(clock=clock)
    for _ in range(5):
        live.on_token(thinking=False)
        clock.now += 0.01
    clock.now += 10  # a long stall: the old burst must not inflate the estimate
    assert live.rate() == 0.0


def test_final_stats_merges_server_figures() -> None:
    live = LiveStats(clock=FakeClock())
    live.on_token(thinking=False)
    stats = final_stats(
        live,
        {
            "eval_count": 300,
            "eval_duration": 3_000_000_000,
            "prompt_eval_count": 40,
            "prompt_eval_duration": 20_000_000,
            "load_duration": 1_500_000_000,
            "total_duration": 5_000_000_000,
            "done_reason": "stop",
        },
    )
    assert stats.final and stats.eval_rate == 100.0 and stats.prompt_eval_rate == 2000.0
    labels = dict(summary_parts(stats))
    assert labels["eval"] == "100.00 tok/s"
    assert labels["prompt"] == "40 tok @ 2000.00 tok/s"
    assert labels["load"] == "1.50 s"


def test_summary_of_partial_reply() -> None:
    stats = GenerationStats(ttft_s=0.2, thinking_tokens=3, content_tokens=7)
    assert dict(summary_parts(stats))["tokens"] == "10 received"
