"""Figures glmtui timed itself (an OpenAI-compatible engine) say so wherever a reply's figures are shown:
the line under a reply, the status bar, the throughput panel, the comparison strip. Ollama's
exact figures show as before, unmarked."""

from __future__ import annotations

from textual.containers import Vertical

from glmtui.core.state import GenerationStats, Turn, TurnStatus
from glmtui.services.compare import Round, round_metrics
from glmtui.widgets.compare_strip import ComparisonStrip
from glmtui.widgets.message import stats_line
from glmtui.widgets.monitor.throughput_panel import ThroughputPanel
from glmtui.widgets.status_bar import StatusBar
from tests.helpers import HostApp, panel_text, wait_until

EXACT = GenerationStats(
    ttft_s=0.42,
    eval_count=512,
    eval_duration_ns=6_000_000_000,
    prompt_eval_count=1234,
    prompt_eval_duration_ns=800_000_000,
    load_duration_ns=2_500_000_000,
)
# What the OpenAI engine's StreamDone carries: usage counts, glmtui's clock, no prompt or load time.
CLIENT = GenerationStats(
    ttft_s=0.42, eval_count=512, eval_duration_ns=6_000_000_000, prompt_eval_count=1234, timing="client"
)


def done(stats: GenerationStats) -> Turn:
    return Turn("hello", "glm-4.7-flash", status=TurnStatus.DONE, stats=stats)


def test_the_line_under_a_reply() -> None:
    client = stats_line(done(CLIENT)).plain
    assert "eval 85.33 tok/s (client-timed)" in client and "tokens 512" in client
    # No server durations: the prompt's count alone (never "(cached)", which the server did not say).
    assert "prompt 1234 tok" in client and "@" not in client and "cached" not in client
    assert "load" not in client
    exact = stats_line(done(EXACT)).plain
    assert exact == (
        "TTFT 420 ms · eval 85.33 tok/s · tokens 512 · prompt 1234 tok @ 1542.50 tok/s · load 2.50 s"
    )


async def test_the_status_bar() -> None:
    bar = StatusBar()
    async with HostApp([bar]).run_test(size=(160, 10)) as pilot:
        bar.think = "on"
        bar.last = done(CLIENT)
        await pilot.pause()
        line = bar.render().plain
        assert "last reply 85.33 tok/s (client-timed)" in line and "prompt 1234 tok" in line
        assert "@" not in line and "load" not in line
        bar.last = done(EXACT)
        await pilot.pause()
        line = bar.render().plain
        assert "last reply 85.33 tok/s  ·  TTFT" in line and "client" not in line


async def test_the_throughput_panel() -> None:
    panel = ThroughputPanel()
    panel.styles.width = 40
    async with HostApp([Vertical(panel)]).run_test(size=(80, 12)):
        panel.history = (EXACT, CLIENT)
        await wait_until(lambda: "client-timed" in panel_text(panel), what="the marked rate")
        assert "85.33 tok/s (client-timed)" in panel_text(panel)
        panel.history = (CLIENT, EXACT)
        await wait_until(lambda: "client-timed" not in panel_text(panel), what="the exact rate")
        assert "85.33 tok/s" in panel_text(panel)


async def test_the_comparison_strip_marks_the_clock_and_crowns_no_one_across_two() -> None:
    a = Turn("p", "desk · glm-4.7-flash:q4_K_M", status=TurnStatus.DONE, stats=EXACT)
    b = Turn("p", "node1 · glm-4.7-flash", status=TurnStatus.DONE, stats=CLIENT)
    round_ = Round("p", a.model, b.model, "parallel", sent=True, a=a, b=b)
    strip = ComparisonStrip()
    async with HostApp([strip]).run_test(size=(120, 20)) as pilot:
        strip.show(round_metrics(round_), [], names=(a.model, b.model), rounds=1)
        await pilot.pause()
        rate = next(line for line in strip_lines(strip) if line.startswith("eval rate"))
        assert "85.33 tok/s (client-timed)" in rate and "not like for like: A exact, B client-timed" in rate
        assert "✓" not in rate


def strip_lines(strip: ComparisonStrip) -> list[str]:
    console = strip.app.console
    lines = console.render_lines(strip.render(), console.options.update_width(strip.size.width), pad=False)
    return ["".join(segment.text for segment in line).strip() for line in lines]


async def test_a_fast_client_timed_rate_keeps_its_mark_in_the_sidebars_width() -> None:
    """The monitor sidebar is 38 cells (its panels' lines ~35): `last reply 1283.85 tok/s (client-timed)`
    does not fit, and the mark was cut to `(client-tim`; the label gives way instead."""
    fast = GenerationStats(ttft_s=0.1, eval_count=3000, eval_duration_ns=2_336_721_000, timing="client")
    panel = ThroughputPanel()
    panel.styles.width = 35
    async with HostApp([Vertical(panel)]).run_test(size=(80, 12)):
        panel.history = (fast,)
        await wait_until(lambda: "tok/s" in panel_text(panel), what="the rate")
        assert "1283.85 tok/s (client-timed)" in panel_text(panel)
        panel.history = (EXACT,)
        await wait_until(lambda: "85.33" in panel_text(panel), what="the exact rate")
        assert "last reply" in panel_text(panel)  # the label as before where it fits
