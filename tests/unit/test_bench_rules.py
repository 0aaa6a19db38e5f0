"""The bench's pure rules: summaries, stopping, the prompt and its calibration, exports, comparisons."""

from __future__ import annotations

import csv
import io
import json

import pytest

from glmtui.core.bench import (
    BenchPlan,
    CellResult,
    RepFigures,
    build_prompt,
    first_guess,
    next_guess,
    rep_figures,
    rep_tag,
    should_stop,
    spread,
    stable,
    summarize,
    within,
)
from glmtui.core.bench_export import (
    CSV_HEAD,
    SavedCell,
    cell_dict,
    cell_from_dict,
    comparison_lines,
    ctx_label,
    to_csv,
    to_json,
    to_markdown,
)
from glmtui.core.state import CLIENT_TIMED, GenerationStats


def rep(decode: float, prefill: float | None = 1000.0, label: str = "exact") -> RepFigures:
    return RepFigures(prefill, decode, 0.1, 0.01, 512, 32, label)  # type: ignore[arg-type]


def test_summary_keeps_outliers_and_counts_runs() -> None:
    summary = summarize([10.0, 11.0, 100.0, None])
    assert (summary.median, summary.min, summary.max, summary.runs) == (11.0, 10.0, 100.0, 3)
    assert summary.values == (10.0, 11.0, 100.0)
    assert summarize([None]).as_dict() == {"median": None, "min": None, "max": None, "runs": 0}


def test_spread_is_the_median_absolute_deviation_over_the_median() -> None:
    assert spread([100.0, 102.0, 98.0]) == pytest.approx(2 / 100)
    assert spread([]) is None
    assert spread([0.0, 0.0]) is None
    # One outlier among agreeing runs does not make the median unstable (the range would: 50 %).
    assert spread([100.0, 101.0, 150.0]) == pytest.approx(1 / 101)


def test_stopping_rule_needs_three_runs_and_a_stable_decode_and_prefill() -> None:
    plan = BenchPlan(models=("m",), max_reps=6)
    assert not stable([rep(100), rep(100)])  # two runs never settle it
    assert stable([rep(100), rep(101), rep(99)])
    assert not stable([rep(100), rep(130), rep(70)])  # decode scattered
    assert not stable([rep(100, 1000), rep(100, 1300), rep(100, 700)])  # prefill scattered
    assert stable([rep(100, None), rep(101, None), rep(99, None)])  # no prefill figure: decode decides
    noisy = [rep(100), rep(130), rep(70), rep(160), rep(40)]
    assert not should_stop(noisy, plan)
    assert should_stop([*noisy, rep(10)], plan)  # N reached


def test_plan_validates_and_orders_cells() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        BenchPlan(models=("m",), max_reps=2)
    with pytest.raises(ValueError, match="positive"):
        BenchPlan(models=("m",), contexts=(0,))
    plan = BenchPlan(models=("a", "b"), endpoints=("desk",), contexts=(512, 4096), gen=256)
    assert [(c.model, c.prompt_tokens) for c in plan.cells()] == [
        ("a", 512),
        ("a", 4096),
        ("b", 512),
        ("b", 4096),
    ]
    assert plan.num_ctx(4096) >= 4096 + 256 and plan.num_ctx(4096) % 256 == 0
    options = plan.options(512)
    assert options["temperature"] == 0 and options["num_predict"] == 256 and "ignore_eos" not in options
    assert plan.options(512, vllm=True)["min_tokens"] == 256


def test_rep_figures_label_where_they_came_from() -> None:
    exact = GenerationStats(
        ttft_s=0.2, eval_count=100, eval_duration_ns=2 * 10**9, prompt_eval_count=400,
        prompt_eval_duration_ns=10**8, load_duration_ns=3 * 10**9,
    )  # fmt: skip
    figures = rep_figures(exact)
    assert (figures.label, figures.decode_tps, figures.prefill_tps, figures.load_s) == ("exact", 50, 4000, 3)
    client = GenerationStats(
        ttft_s=0.5, eval_count=100, eval_duration_ns=10**9, prompt_eval_count=400, timing=CLIENT_TIMED
    )
    figures = rep_figures(client)
    assert (figures.label, figures.decode_tps, figures.prefill_tps) == ("client-timed", 100, 800)


def test_prompt_has_a_distinct_prefix_and_the_fixed_text() -> None:
    a, b = build_prompt(5000, rep_tag("abc123", 1)), build_prompt(5000, rep_tag("abc123", 2))
    assert a != b and a[20:] == b[20:]  # only the prefix differs
    assert a.startswith("[abc123-0001]")
    assert len(build_prompt(100_000, "x")) > 100_000  # the fixed text repeats for long prompts


def test_calibration_converges_on_a_linear_tokenizer() -> None:
    def count(chars: int) -> int:  # a template's 17 tokens plus ~3.7 characters a token
        return 17 + round(chars / 3.7)

    target, tries = 4096, []
    chars = first_guess(target)
    for _ in range(4):
        tries.append((chars, count(chars)))
        if within(target, tries[-1][1]):
            break
        chars = next_guess(target, tries)
    assert within(target, tries[-1][1])
    assert len(tries) <= 3
    assert within(512, 515) and not within(512, 530) and within(32768, 33000)


def failed_cell() -> CellResult:
    return CellResult("m:q8_0", "desk", "ollama", 4096, 256, error="Cannot reach Ollama at x", skipped=True)


def measured_cell(model: str, decode: float, version: str = "0.15.5") -> CellResult:
    cell = CellResult(model, "desk", "ollama", 4096, 256, server_version=version, memory_bytes=10**9)
    for value in (decode, decode * 1.01, decode * 0.99):
        cell.add(rep(value))
    return cell


def test_json_export_keeps_the_schema_and_stays_valid_with_a_failed_cell() -> None:
    data = json.loads(to_json([measured_cell("m:q4_K_M", 60.0), failed_cell()]))
    ok, failed = data["cells"]
    for key in (
        "model",
        "endpoint",
        "engine",
        "prompt_tokens",
        "gen_tokens",
        "memory_bytes",
        "label",
        "error",
    ):
        assert key in ok and key in failed
    for figure in ("prefill_tps", "decode_tps", "ttft_s", "load_s"):
        assert set(ok[figure]) >= {"median", "min", "max", "runs"}
        assert failed[figure]["median"] is None and failed[figure]["runs"] == 0
    assert ok["decode_tps"]["runs"] == 3 and ok["label"] == "exact" and ok["error"] is None
    assert failed["error"] == "Cannot reach Ollama at x"
    assert json.loads(to_json([])) == {"schema": 1, "run": {}, "cells": []}


def test_csv_round_trips_the_cells() -> None:
    cells = [measured_cell("m:q4_K_M", 60.0), failed_cell()]
    rows = list(csv.DictReader(io.StringIO(to_csv(cells))))
    assert list(rows[0]) == CSV_HEAD
    assert float(rows[0]["decode_tps_median"]) == pytest.approx(cells[0].decode_tps.median)
    assert rows[0]["decode_tps_runs"] == "3" and rows[1]["decode_tps_median"] == ""
    assert rows[1]["error"] == "Cannot reach Ollama at x"


def test_cell_dict_round_trips_and_markdown_escapes() -> None:
    cell = measured_cell("m|x", 60.0)
    back = cell_from_dict(json.loads(json.dumps(cell_dict(cell))))
    assert back.decode_tps == cell.decode_tps and back.model == "m|x" and back.memory_bytes == 10**9
    table = to_markdown([cell, failed_cell()])
    assert "m\\|x" in table and "skipped: Cannot reach" in table


def test_comparison_lines_against_the_first_model_and_an_earlier_run() -> None:
    now = [measured_cell("glm:q4_K_M", 80.0), measured_cell("glm:q8_0", 59.2)]
    then = [
        SavedCell(measured_cell("glm:q4_K_M", 78.0, "0.14.3"), 1.0),
        SavedCell(measured_cell("glm:q8_0", 60.06, "0.14.3"), 1.0),
    ]
    lines = comparison_lines(now, then)
    assert lines[0] == "q8_0 decodes at 0.74× q4_K_M at 4k; was 0.77× on Ollama 0.14.3"
    assert "glm:q4_K_M decodes at 80.0 tok/s at 4k; was 78.0 tok/s on Ollama 0.14.3 (1.03×)" in lines
    assert comparison_lines(now, []) == ["q8_0 decodes at 0.74× q4_K_M at 4k"]
    assert comparison_lines([failed_cell()], then) == []
    assert (ctx_label(4096), ctx_label(512), ctx_label(1000)) == ("4k", "512", "1000")


# -- found in review ----------------------------------------------------------------------------------


def _decoded(model: str, rate: float, version: str = "0.15.0") -> CellResult:
    cell = CellResult(model, "desk", "ollama", 4096, 256, server_version=version)
    cell.decode_tps = summarize([rate, rate, rate])
    return cell


def test_a_was_ratio_takes_both_rates_from_one_earlier_run() -> None:
    """Run 1 measured both (q8_0/q4 = 0.70); run 2 measured q4_K_M alone, slower. The pair's 'was' is
    run 1's 0.70, not run 1's q8_0 over run 2's q4_K_M (1.40)."""
    earlier = [
        SavedCell(_decoded("m:q4_K_M", 100, "0.12.0"), 1.0, run_id=1),
        SavedCell(_decoded("m:q8_0", 70, "0.12.0"), 1.0, run_id=1),
        SavedCell(_decoded("m:q4_K_M", 50, "0.14.3"), 2.0, run_id=2),
    ]
    lines = comparison_lines([_decoded("m:q4_K_M", 100), _decoded("m:q8_0", 74)], earlier)
    assert lines[0] == "q8_0 decodes at 0.74× q4_K_M at 4k; was 0.70× on Ollama 0.12.0"


def test_the_context_has_room_for_the_longest_prompt_the_calibration_accepts() -> None:
    plan = BenchPlan(models=("m",), endpoints=("desk",), contexts=(32768, 131072), gen=256)
    for target in (512, 32768, 131072):
        longest = max(n for n in range(target, target + 2000) if within(target, n))
        assert plan.num_ctx(target) >= longest + plan.gen, target


def test_a_saved_cell_stopped_after_some_runs_keeps_its_figures_in_the_markdown() -> None:
    cell = _decoded("m:q4_K_M", 61.0)
    cell.error = "stopped after 3 run(s)"
    again = cell_from_dict(cell_dict(cell))  # as the store gives it back: figures, no repetitions
    assert "61.0" in to_markdown([again]) and "failed:" not in to_markdown([again])
