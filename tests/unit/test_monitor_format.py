"""The monitor's maths: `ollama ps`'s CPU/GPU split, sizes, meters, sparklines, countdowns."""

from __future__ import annotations

import pytest

from glmtui.core.state import LoadedModel
from glmtui.widgets.monitor.format import countdown, human_bytes, level, memory, meter, sparkline

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


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (19 * GB, "19 GB"),
        (5_400_000_000, "5.4 GB"),
        (2 * GB, "2 GB"),
        (65_000_000_000, "65 GB"),
        (274_302_450, "274 MB"),
        (512, "512 B"),
    ],
)
def test_human_bytes_like_ollama(value: int, shown: str) -> None:
    assert human_bytes(value) == shown


def test_memory_switches_to_gib_at_one_gib() -> None:
    assert memory(300 * 1024**2) == "300 MiB"
    assert memory(18 * 1024**3 + 200 * 1024**2) == "18.2 GiB"


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


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "forever"),
        (-1, "unloading"),
        (0, "unloading"),
        (42.9, "42s"),
        (65, "1:05"),
        (299, "4m"),
        (7200, "2h"),
    ],
)
def test_countdown(seconds: float | None, shown: str) -> None:
    assert countdown(seconds) == shown
