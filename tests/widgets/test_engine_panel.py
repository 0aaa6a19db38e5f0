"""The engine panel in a small host app: normal, narrow, metrics off, counters reset, hidden."""

from __future__ import annotations

import re

from textual.containers import Vertical

from glmtui.core.engine_metrics import EngineMetrics, ModelFigures
from glmtui.widgets.monitor.engine_panel import EnginePanel, latency, pair
from tests.helpers import HostApp, panel_text

FIGURES = ModelFigures(
    model="glm-4.7-flash",
    running=2,
    waiting=1,
    kv_percent=37.5,
    prefix_hit_percent=62.0,
    gen_tps=1234.5,
    ttft_p50=0.3125,
    ttft_p95=1.25,
    itl_p50=0.0175,
    itl_p95=0.0375,
    spec_acceptance_percent=80.0,
    spec_mean_length=1.8,
)
READING = EngineMetrics("ok", flavour="vllm", version="0.17.1", where="node1", models=(FIGURES,))
NUMBERS = (
    "2 running",
    "1 waiting",
    "38%",
    "62%",
    "1,234.5 tok/s",
    "312 ms",
    "1.25 s",
    "18 ms",
    "38 ms",
    "80%",
)


def host(panel: EnginePanel, width: int) -> HostApp:
    panel.styles.width = width
    return HostApp([Vertical(panel)])


async def shown(reading: EngineMetrics | None, width: int = 38) -> tuple[EnginePanel, str]:
    panel = EnginePanel()
    async with host(panel, width).run_test(size=(80, 40)) as pilot:
        panel.reading = reading
        await pilot.pause()
        return panel, panel_text(panel)


async def test_every_figure_with_its_label_and_source() -> None:
    _, text = await shown(READING)
    assert text.splitlines()[0].startswith("Engine · vLLM 0.17.1 · node1")
    assert "server-side · /metrics" in text
    for number in NUMBERS:
        assert number in text, number
    assert "gen (Δ counter)" in text and "TTFT p50/p95" in text and "ITL p50/p95" in text
    assert "spec accept" in text and "1.80 tok/step" in text
    assert "counters reset" not in text


async def test_narrow_sidebar_wraps_and_never_cuts_a_number() -> None:
    _, text = await shown(READING, width=22)  # 20 content columns
    assert max(len(line) for line in text.splitlines()) <= 20
    flat = re.sub(r"\s+", " ", text)
    for number in NUMBERS:
        assert number in flat, number
    assert "1.80 tok/step" in flat and "0.17.1" in flat and "server-side · /metrics" in flat


async def test_metrics_off_says_how_to_turn_them_on() -> None:
    off = EngineMetrics(
        "off", flavour="sglang", message="metrics are off — start SGLang with --enable-metrics"
    )
    _, text = await shown(off)
    assert "metrics off" in text
    assert "--enable-metrics" in text.replace("\n", " ")


async def test_a_reset_is_noted_dimly() -> None:
    _, text = await shown(EngineMetrics("ok", flavour="vllm", models=(FIGURES,), reset=True))
    assert "counters reset (engine restarted)" in text


async def test_no_spec_decode_no_spec_line_and_sglang_throughput_is_theirs() -> None:
    figures = ModelFigures(model="m", running=0, waiting=0, gen_tps=99.0, gen_tps_source="engine")
    _, text = await shown(EngineMetrics("ok", flavour="sglang", models=(figures,)))
    assert "spec accept" not in text
    assert "gen (engine's)" in text and "99.0 tok/s" in text
    assert "— / —" in text  # no request measured yet


async def test_hidden_without_metrics() -> None:
    panel, _ = await shown(None)
    assert not panel.display
    panel, _ = await shown(EngineMetrics("absent"))
    assert not panel.display


def test_pair_breaks_a_value_at_its_separators() -> None:
    lines = [line.plain for line in pair("TTFT p50/p95", "312 ms / 1.25 s", 10)]
    assert lines == ["TTFT p50/p95", "  312 ms /", "    1.25 s"]


def test_latency_units() -> None:
    assert (latency(None), latency(0.0042), latency(0.3125), latency(2.5)) == (
        "—",
        "4.2 ms",
        "312 ms",
        "2.50 s",
    )
