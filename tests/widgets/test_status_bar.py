"""The status bar's line at the widths people use: a pull's summary always gets its room."""

from __future__ import annotations

import pytest

from glmtui.core.context import ContextUse
from glmtui.core.state import GenerationStats, PullProgress, Turn, TurnStatus
from glmtui.core.units import GIB
from glmtui.widgets.status_bar import StatusBar
from tests.helpers import HostApp, wait_until

LAST = Turn(
    "hello",
    "glm-4.7-flash:latest",
    status=TurnStatus.DONE,
    stats=GenerationStats(
        ttft_s=0.42,
        eval_count=512,
        eval_duration_ns=6_000_000_000,
        prompt_eval_count=1234,
        prompt_eval_duration_ns=800_000_000,
        load_duration_ns=2_500_000_000,
    ),
)
PULLS = (
    PullProgress(
        "hf.co/unsloth/GLM-4.7-Flash-GGUF:Q4_K_M",
        "pulling",
        "downloading",
        completed=7 * GIB,
        total=18 * GIB,
        rate=48_000_000.0,
        eta_s=250.0,
    ),
    PullProgress("glm-4.7-flash:bf16"),
)


@pytest.mark.parametrize("columns", [120, 80])
async def test_the_pull_summary_is_whole_at_120_and_80_columns(columns: int) -> None:
    bar = StatusBar()
    async with HostApp([bar]).run_test(size=(columns, 10)):
        bar.think = "on"
        bar.low_bandwidth = True
        bar.last = LAST
        bar.show_pulls(PULLS)
        await wait_until(lambda: "(+1 queued)" in bar.render().plain, what="the pulls")
        line = bar.render().plain
        assert len(line) <= bar.content_size.width, line
        assert line.startswith("think: on")
        # The percentage and the queue are always there; the name whole at 120 columns.
        assert "39%" in line and line.endswith("(+1 queued)")
        if columns == 120:
            assert "⤓ hf.co/unsloth/GLM-4.7-Flash-GGUF:Q4_K_M 39%" in line and "ETA" in line
            assert "last reply" in line  # the reply's main figure keeps its place when there is room


async def test_without_pulls_the_reply_figures_are_all_there() -> None:
    bar = StatusBar()
    async with HostApp([bar]).run_test(size=(120, 10)) as pilot:
        bar.think = "on"
        bar.last = LAST
        await pilot.pause()
        line = bar.render().plain
        assert "last reply" in line and "TTFT" in line and "prompt 1234 tok" in line and "load" in line


@pytest.mark.parametrize(
    ("used", "level"), [(28_774, "warn"), (20_000, "ok"), (31_500, "critical")]
)  # of 32,768: 87.8 %, 61 %, 96.1 %
async def test_the_context_gauge_takes_the_theme_meter_colour_as_it_fills(used: int, level: str) -> None:
    bar = StatusBar()
    async with HostApp([bar]).run_test(size=(140, 10)) as pilot:
        bar.think = "on"
        bar.last = LAST
        bar.context = ContextUse("glm-4.7-flash:latest", used, 32_768, "loaded")
        await pilot.pause()
        gauge = bar.context_text()
        assert gauge.plain.startswith("ctx ") and gauge.plain.endswith(" / 32k")
        assert str(gauge.style) == bar.app.theme_variables[f"meter-{level}"]
        line = bar.render().plain
        # Beside the reply's speed, before the figures that give way first.
        assert f"last reply 85.33 tok/s  ·  {gauge.plain}  ·  TTFT" in line


async def test_an_unknown_context_is_a_question_mark_never_a_default() -> None:
    bar = StatusBar()
    async with HostApp([bar]).run_test(size=(140, 10)) as pilot:
        bar.context = ContextUse("glm-4.7-flash:latest", 28_774)
        await pilot.pause()
        assert bar.context_text().plain == "ctx 28.1k / ?" and "ctx 28.1k / ?" in bar.render().plain
        assert str(bar.context_text().style) == "dim"
        bar.context = None
        await pilot.pause()
        assert "ctx" not in bar.render().plain


@pytest.mark.parametrize(
    ("support", "said"),
    [("yes", "preserved thinking"), ("unknown", "preserved thinking (may be ignored)"), ("no", None)],
)
async def test_preserved_thinking_is_said_only_where_the_model_takes_the_traces(
    support: str, said: str | None
) -> None:
    bar = StatusBar()
    async with HostApp([bar]).run_test(size=(140, 10)) as pilot:
        bar.think = "on"
        bar.preserved_thinking = True  # on for this chat (screens/chat_thinking.py)
        bar.preserved_support = support  # what the current model does with them (core/preserve.py)
        await pilot.pause()
        line = bar.render().plain
        if said is None:
            assert "preserved" not in line, line  # none are sent: nothing to claim
        else:
            assert said in line, line
            assert ("may be ignored" in line) == (support == "unknown"), line
