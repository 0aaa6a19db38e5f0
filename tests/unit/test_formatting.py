"""The shared Rich builders (levels, meters, sparklines, series, label/value lines); `ollama ps`'s split."""

from __future__ import annotations

import pytest

from glmtui.core.state import LoadedModel
from glmtui.widgets.formatting import label_value, level, meter, meter_line, series_line, sparkline

GB = 1000**3


@pytest.mark.parametrize(
    ("size", "vram", "shown"),
    [
        (19 * GB, 0, "100% CPU"),
        (19 * GB, 19 * GB, "100% GPU"),
        (100, 77, "23%/77% CPU/GPU"),
        (200, 175, "13%/87% CPU/GPU"),  # 12.5 % on CPU: Go's math.Round goes away from zero, not to even
        (200, 195, "3%/97% CPU/GPU"),  # 2.5 %: the same
        (1000, 999, "0%/100% CPU/GPU"),  # not everything on the GPU, so not "100% GPU" (as ollama ps)
        (100, 101, "Unknown"),  # more VRAM than size: ollama ps says Unknown
        (0, 5, "Unknown"),
    ],
)
def test_processor_split_matches_ollama_ps(size: int, vram: int, shown: str) -> None:
    assert LoadedModel("m", size, vram).processor == shown


def test_levels() -> None:
    assert level(None, 80, 90) == "ok"
    assert level(79.9, 80, 90) == "ok"
    assert level(80, 80, 90) == "warn"
    assert level(95, 80, 90) == "critical"


def test_meter_fills_in_eighths() -> None:
    assert meter(0.5, 10, "green").plain == "█████·····"
    assert meter(0.0625, 10, "green").plain == "▋·········"
    assert meter(1.5, 4, "green").plain == "████"
    assert meter(None, 4, "green").plain == "····"
    assert len(meter(0.33, 17, "green").plain) == 17


def test_sparkline_scales_and_pads() -> None:
    assert sparkline([0, 50, 100], 5) == "  ▁▅█"
    assert sparkline([], 3) == "   "
    assert sparkline([2, 4], 2, top=None) == "▅█"


def test_sparkline_squeezes_a_minute_keeping_spikes() -> None:
    values = [0.0] * 60
    values[31] = 100.0  # one second at full load
    line = sparkline(values, 10)
    assert len(line) == 10 and line.count("█") == 1


def test_meter_line_label_bar_and_percent() -> None:
    assert meter_line("VRAM", 50, 20, "green").plain == "VRAM █████·····  50%"
    assert meter_line("GPU", None, 20, "green").plain == "GPU  ··········  n/a"


def test_label_value_right_aligns_and_truncates() -> None:
    assert label_value("now", "idle", 12).plain == "now     idle"
    assert label_value("a long label", "value", 10).plain == "a long lab"


def test_series_line_names_the_unit_once() -> None:
    show = lambda v: f"{v:.0f} tok/s"  # noqa: E731
    assert series_line("rate", [], 30, show).plain == "rate —"
    assert series_line("rate", [38.0, 45.0], 30, show).plain == "rate ▇█ 38–45 tok/s"
    assert series_line("rate", [40.0], 30, show).plain == "rate █ 40 tok/s"
    assert series_line("rate", [38.0, 45.0], 16, show).plain == "rate  38–45 tok/s"
