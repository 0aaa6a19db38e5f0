"""The status bar's line at the widths people use: a pull's summary always gets its room."""

from __future__ import annotations

import pytest

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
