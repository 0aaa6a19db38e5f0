"""Bradley–Terry ratings (core/ratings.py) against values computed by hand.

The model, as the module states it: P(i beats j) = 1 / (1 + e^(θj − θi)); a tie scores ½ to each
side; every contestant also draws once with a reference player fixed at θ = 0 (rating 1000); the
rating is 1000 + 400·log10(e^(θ − θ̄)), θ̄ the mean over the contestants compared with each other.
With x = e^θ, the likelihood's maximum solves, per contestant,

    observed score = Σ over its games of P(it wins that game),

and the 95 % interval is ±1.96 · (400 / ln 10) · √Var(θᵢ − θ̄), from Σ = I⁻¹, where I is the
observed information: each game between i and j adds p(1 − p) to Iᵢᵢ and Iⱼⱼ and subtracts it from
Iᵢⱼ (a virtual draw adds to Iᵢᵢ only). For two contestants with I = [[h, −w], [−w, h]]:
Var(θA − θ̄) = Var((θA − θB)/2) = (ΣAA + ΣBB − 2ΣAB)/4 = 2(h − w)/(4(h² − w²)) = 1/(2(h + w)).
"""

from __future__ import annotations

import math

import pytest

from glmtui.core.ratings import Outcome, fit


def by_name(outcomes: list[Outcome]) -> dict[str, tuple[float, float, float]]:
    return {r.name: (r.rating, r.low, r.high) for r in fit(outcomes)}


def flat(ratings: dict[str, tuple[float, float, float]]) -> dict[str, float]:
    return {f"{name}.{i}": value for name, values in ratings.items() for i, value in enumerate(values)}


def test_one_vote_matches_the_hand_computed_rating_and_its_wide_interval() -> None:
    # A beats B once. By symmetry θB = −θA, so with x = e^θA: P(A beats B) = x/(x + 1/x) = x²/(x² + 1),
    # P(A beats the reference) = x/(x + 1). A's score: 1 (the win) + ½ (the virtual draw):
    #     3/2 = x²/(x² + 1) + x/(x + 1)
    #  →  3(x² + 1)(x + 1) = 2x²(x + 1) + 2x(x² + 1)  →  x³ − x² − x − 3 = 0
    # Bisection on [2, 2.2] (f(2) = −1, f(2.2) = 0.528): x = 2.130395…
    # Rating: 1000 + 400·log10(2.130395) = 1000 + 400·0.328460 = 1131.384; B mirrors it: 868.616.
    # Interval: p1 = x²/(x² + 1) = 0.819448, p2 = x/(x + 1) = 0.680552;
    #   w1 = p1(1 − p1) = 0.147953 (the A–B game), w2 = p2(1 − p2) = 0.217401 (each virtual draw);
    #   h = w1 + w2 = 0.365354, w = w1: Var = 1/(2(0.365354 + 0.147953)) = 1/1.026614 = 0.974076
    #   ± = 1.959964 · 173.7178 · √0.974076 = 1.959964 · 173.7178 · 0.986953 = 336.04
    ratings = fit([Outcome("A", "B", "a")])
    a, b = ratings
    assert (a.name, b.name) == ("A", "B")
    assert a.rating == pytest.approx(1131.384, abs=0.01)
    assert b.rating == pytest.approx(868.616, abs=0.01)
    assert a.margin == pytest.approx(336.04, abs=0.05)
    assert b.margin == pytest.approx(336.04, abs=0.05)
    assert (a.wins, a.ties, a.losses, a.votes) == (1, 0, 0, 1)
    assert (b.wins, b.ties, b.losses, b.votes) == (0, 0, 1, 1)


def test_a_fixed_vote_set_matches_the_hand_computation() -> None:
    # A beats B three times, B beats A once (sides mixed, as blind runs shuffle them).
    # A's score: 3 + ½ = 7/2 over 4 games with B and 1 draw with the reference; θB = −θA again:
    #     7/2 = 4x²/(x² + 1) + x/(x + 1)
    #  →  7(x² + 1)(x + 1) = 8x²(x + 1) + 2x(x² + 1)  →  3x³ + x² − 5x − 7 = 0
    # Bisection on [1.5, 1.7] (f(1.5) = −2.125, f(1.7) = 2.529): x = 1.607120…
    # Rating: 1000 + 400·log10(1.607120) = 1000 + 400·0.206048 = 1082.419; B: 917.581.
    outcomes = [
        Outcome("A", "B", "a"),
        Outcome("B", "A", "b"),
        Outcome("A", "B", "a"),
        Outcome("B", "A", "a"),
    ]
    ratings = by_name(outcomes)
    assert ratings["A"][0] == pytest.approx(1082.419, abs=0.01)
    assert ratings["B"][0] == pytest.approx(917.581, abs=0.01)
    a = fit(outcomes)[0]
    assert (a.name, a.wins, a.ties, a.losses) == ("A", 3, 0, 1)


def test_a_tie_is_half_a_win_to_each_side() -> None:
    # One tie: both score ½ of the game: 1000 each. Interval: every game at p = ½ adds ¼, so
    #   h = ½ (the tie and the virtual draw), w = ¼: Var = 1/(2 · ¾) = 2/3;
    #   ± = 1.959964 · 173.7178 · √(2/3) = 1.959964 · 173.7178 · 0.816497 = 278.00
    a, b = fit([Outcome("A", "B", "tie")])
    assert a.rating == pytest.approx(1000.0) and b.rating == pytest.approx(1000.0)
    assert a.margin == pytest.approx(278.00, abs=0.05)
    assert (a.wins, a.ties, a.losses) == (0, 1, 0)
    # Two ties weigh exactly as one win each way (both: a score of 1 over 2 games).
    tied = by_name([Outcome("A", "B", "tie"), Outcome("A", "C", "tie")] * 2)
    split = by_name(
        [Outcome("A", "B", "a"), Outcome("A", "B", "b"), Outcome("A", "C", "a"), Outcome("C", "A", "a")]
    )
    for name in "ABC":
        assert list(tied[name]) == pytest.approx(list(split[name]))


def test_symmetry_sides_and_names_do_not_matter() -> None:
    outcomes = [
        Outcome("A", "B", "a"),
        Outcome("B", "C", "tie"),
        Outcome("C", "A", "b"),
        Outcome("B", "C", "a"),
    ]
    swapped = [Outcome(o.b, o.a, {"a": "b", "b": "a", "tie": "tie"}[o.result]) for o in outcomes]  # type: ignore[arg-type]
    assert flat(by_name(outcomes)) == pytest.approx(flat(by_name(swapped)))
    renamed = by_name([Outcome(o.a.lower(), o.b.lower(), o.result) for o in outcomes])
    for name, values in by_name(outcomes).items():
        assert list(renamed[name.lower()]) == pytest.approx(list(values))
    # A mirrored result mirrors the ratings around 1000.
    mirrored = by_name([Outcome("A", "B", "b")])
    assert mirrored["A"][0] == pytest.approx(2000 - by_name([Outcome("A", "B", "a")])["A"][0])


def test_a_disconnected_graph_fits_each_group_and_marks_them() -> None:
    ratings = fit([Outcome("A", "B", "a"), Outcome("C", "D", "a"), Outcome("C", "D", "a")])
    groups = {r.name: r.group for r in ratings}
    assert groups["A"] == groups["B"] != groups["C"] == groups["D"]
    assert groups["C"] == 0  # two groups of two: the one with more votes is the main one (group 0)
    assert all(math.isfinite(v) for r in ratings for v in (r.rating, r.low, r.high))
    values = {r.name: r.rating for r in ratings}
    assert values["A"] == pytest.approx(1131.384, abs=0.01)  # as if the other pair were not there


def test_a_model_that_only_lost_has_a_finite_rating_and_a_self_vote_is_left_out() -> None:
    ratings = by_name([Outcome("A", "B", "a")] * 50 + [Outcome("A", "A", "a")])
    assert all(math.isfinite(v) for values in ratings.values() for v in values)
    assert ratings["B"][0] < 700 < 1300 < ratings["A"][0]
    assert fit([Outcome("A", "A", "tie")]) == []
    assert fit([]) == []


def test_more_votes_narrow_the_interval() -> None:
    few = fit([Outcome("A", "B", "a"), Outcome("A", "B", "b")])[0]
    many = fit([Outcome("A", "B", "a"), Outcome("A", "B", "b")] * 100)[0]
    assert many.margin < few.margin / 5


def test_counted_outcomes_weigh_as_the_votes_they_count() -> None:
    # The store counts alike votes in SQL: (A beats B) × 3 must rate exactly as three separate votes.
    counted = fit([Outcome("A", "B", "a", 3), Outcome("B", "C", "tie", 2)])
    separate = fit([Outcome("A", "B", "a")] * 3 + [Outcome("B", "C", "tie")] * 2)
    assert [(r.name, r.wins, r.ties, r.losses) for r in counted] == [
        (r.name, r.wins, r.ties, r.losses) for r in separate
    ]
    assert [r.rating for r in counted] == pytest.approx([r.rating for r in separate])
    assert [r.margin for r in counted] == pytest.approx([r.margin for r in separate])
