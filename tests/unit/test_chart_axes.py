"""Chart axes: round ticks in 1-2-5 steps, thousands as k, a value axis from 0 (core/axes.py)."""

from __future__ import annotations

import pytest

from glmtui.core.axes import nice_ticks, tick_labels


@pytest.mark.parametrize(
    ("low", "high", "most", "ticks", "labels"),
    [
        (0, 4954, 6, [0, 1000, 2000, 3000, 4000, 5000], ["0", "1k", "2k", "3k", "4k", "5k"]),
        (0, 120, 4, [0, 50, 100, 150], ["0", "50", "100", "150"]),
        (0, 23.1, 5, [0, 5, 10, 15, 20, 25], ["0", "5", "10", "15", "20", "25"]),
        (0, 0.33, 5, [0, 0.1, 0.2, 0.3, 0.4], ["0", "0.1", "0.2", "0.3", "0.4"]),
        (0, 1_500_000, 5, [0, 500_000, 1_000_000, 1_500_000], ["0", "500k", "1M", "1.5M"]),
        (63, 120, 5, [60, 80, 100, 120], ["60", "80", "100", "120"]),  # a zoomed axis, asked for
    ],
)
def test_ticks_are_round_and_cover_the_data(
    low: float, high: float, most: int, ticks: list[float], labels: list[str]
) -> None:
    found = nice_ticks(low, high, most)
    assert found == ticks and tick_labels(found) == labels
    assert found[0] <= low and found[-1] >= high and len(found) <= most + 1


def test_counts_never_get_a_tick_between_two_integers_and_a_flat_or_empty_axis_still_has_two() -> None:
    assert nice_ticks(0, 3, 6, whole=True) == [0, 1, 2, 3]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert len(nice_ticks(5, 5)) >= 2
