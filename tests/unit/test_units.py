"""Human units, each written one way everywhere: bytes, rates, shares, durations, ages, GPU names."""

from __future__ import annotations

import time

import pytest

from glmtui.core.units import (
    GIB,
    ago,
    binary_size,
    byte_rate,
    countdown,
    duration,
    format_rate,
    format_seconds,
    gib,
    gpu_names,
    human_bytes,
    percent,
    rate_estimate,
    short_gpu_name,
    tenths,
    when,
)

GB = 1000**3


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


def test_gib_is_the_number_only() -> None:
    assert gib(None) == "n/a"
    assert gib(int(23.5 * GIB)) == "23.5"
    assert gib(24 * GIB, 0) == "24"
    assert gib(int(1.5 * GIB), digits=2) == "1.50"


def test_binary_size_switches_to_gib_at_one_gib() -> None:
    assert binary_size(300 * 1024**2) == "300 MiB"
    assert binary_size(18 * 1024**3 + 200 * 1024**2) == "18.2 GiB"


def test_byte_rate() -> None:
    assert byte_rate(None) == "…"
    assert byte_rate(110_200_000) == "110.2 MB/s"


def test_format_rate() -> None:
    assert format_rate(None) == "n/a"
    assert format_rate(45.123) == "45.12 tok/s"
    assert format_rate(38.4, digits=0) == "38 tok/s"


def test_rate_estimate() -> None:
    assert rate_estimate(None) == "…"
    assert rate_estimate(41.6) == "~42 tok/s (estimate)"


def test_percent() -> None:
    assert percent(0.42) == "42%"
    assert percent(0.05, 3) == "  5%"
    assert percent(1.0, 3) == "100%"


def test_format_seconds() -> None:
    assert format_seconds(None) == "n/a"
    assert format_seconds(0.85) == "850 ms"
    assert format_seconds(2.344) == "2.34 s"
    assert format_seconds(65) == "1m05.0s"


def test_tenths() -> None:
    assert tenths(4.26) == "4.3 s"
    assert tenths(12) == "12.0 s"


def test_duration() -> None:
    assert duration(None) == "--:--" and duration(3725) == "1:02:05"
    assert duration(42.4) == "0:42" and duration(725) == "12:05"


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


def test_ago() -> None:
    assert ago(1000.0, now=1030.0) == "just now"
    assert ago(0.0, now=3 * 86400 + 5) == "3 days ago"
    assert ago(0.0, now=3600) == "1 hour ago" and ago(None) == "?"
    assert ago(0.0, now=2 * 30 * 86400) == "2 months ago"


def test_when_today_this_week_or_the_date() -> None:
    now = time.mktime((2026, 11, 4, 14, 5, 0, 0, 0, -1))  # a Wednesday, local time
    assert when(now, now) == "14:05"
    assert when(now - 86400, now) == "Tue 14:05"
    assert when(now - 10 * 86400, now) == "2026-10-25"


def test_short_gpu_name() -> None:
    assert short_gpu_name("NVIDIA GeForce RTX 4090") == "RTX 4090"
    assert short_gpu_name("Tesla V100") == "V100"
    assert short_gpu_name("AMD Instinct MI300X") == "AMD Instinct MI300X"


def test_gpu_names_count_only_identical_gpus() -> None:
    assert gpu_names(["NVIDIA GeForce RTX 4090"]) == "1× RTX 4090"
    assert gpu_names(["NVIDIA GeForce RTX 4090"] * 2) == "2× RTX 4090"
    # Mixed GPUs are named as they are, never `2× RTX 4090 + H100 80GB` for one of each.
    assert gpu_names(["NVIDIA GeForce RTX 4090", "NVIDIA H100 80GB HBM3"]) == "RTX 4090 + H100 80GB HBM3"
    assert (
        gpu_names(["NVIDIA GeForce RTX 4090", "NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090"])
        == "2× RTX 4090 + H100 80GB HBM3"
    )
