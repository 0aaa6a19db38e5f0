"""The bench's compact results table (screen and CLI), its notes, and a run's status in words."""

from __future__ import annotations

from glmtui.core.bench import CellResult, summarize
from glmtui.core.bench_table import HEAD, Tally, run_status, run_words, table_notes, table_rows, tally
from glmtui.core.units import GIB

GONE = "node1 went away (Cannot reach http://node1:8000)"


def measured(model: str = "glm-4.7-flash:q4_K_M", tokens: int = 512, decode: float = 120.0) -> CellResult:
    return CellResult(
        model,
        "desk",
        "ollama",
        tokens,
        128,
        prefill_tps=summarize([3480.0, 3600.0, 3720.0]),
        decode_tps=summarize([decode * 0.99, decode, decode * 1.01]),
        ttft_s=summarize([0.125, 0.128, 0.131]),
        load_s=summarize([0.0, 0.0, 0.0]),
        memory_bytes=19 * GIB,
        processor="100% GPU",
        nvml_peak_bytes=20 * GIB,
    )


def gone() -> CellResult:
    return CellResult(
        "glm-4.7-flash:q8_0", "node1", "vLLM", 512, 128, "client-timed", error=GONE, skipped=True
    )


def test_a_row_is_the_median_with_its_spread_and_the_table_fits_120_columns() -> None:
    cells = [measured(), measured(tokens=16384, decode=84.0), gone()]
    rows = table_rows(cells)
    first = dict(zip(HEAD, rows[0], strict=True))
    assert first["decode\ntok/s"].plain == "120.0 ±1%" and first["prefill\ntok/s"].plain == "3600.0 ±3%"
    assert (
        first["runs"].plain == "3"
        and first["timing"].plain == "exact"
        and first["memory"].plain == "19.0 GiB"
    )
    # Each column as wide as its widest cell or header line, plus DataTable's one-cell padding each side.
    widths = [
        max([len(line) for line in name.split("\n")] + [len(row[i].plain) for row in rows]) + 2
        for i, name in enumerate(HEAD)
    ]
    assert sum(widths) <= 120, widths
    skipped = dict(zip(HEAD, rows[2], strict=True))
    assert skipped["prefill\ntok/s"].plain == "skipped" and GONE not in skipped["prefill\ntok/s"].plain


def test_a_wide_spread_and_a_cpu_share_are_warnings_and_fewer_runs_are_said() -> None:
    cell = measured()
    cell.decode_tps = summarize([100.0, 120.0, 121.0])  # an outlier: kept, and shown as a wide ±
    cell.ttft_s = summarize([0.1, 0.2])
    cell.processor = "48%/52% CPU/GPU"
    row = dict(zip(HEAD, table_rows([cell])[0], strict=True))
    assert row["decode\ntok/s"].plain == "120.0 ±17%" and row["decode\ntok/s"].aside_style == "warning"
    assert row["TTFT\ns"].plain.endswith("2×")
    assert row["memory"].aside == "48%/52% CPU/GPU" and row["memory"].aside_style == "warning"


def test_notes_say_why_once_per_reason_without_saying_not_run_twice() -> None:
    notes = table_notes([measured(), gone(), gone()])
    assert len(notes) == 1
    text, style = notes[0]
    assert text.startswith(f"skipped: {GONE} — ") and text.count("q8_0 @ node1 512") == 2
    assert "not run" not in text and style == "error"


def test_a_run_with_a_failed_cell_is_done_with_the_failure_counted() -> None:
    cells = [measured() for _ in range(6)] + [gone()]
    assert run_status(False, cells) == "failed"  # the store's column, for scripts: unchanged
    assert run_words("failed", tally(cells)) == "done · 1 of 7 cells failed"
    assert run_words("failed", tally([gone()])) == "failed · nothing measured"
    assert run_words("done", tally([measured()])) == "done"
    assert run_words("stopped", Tally(4, 3, 0, 0)) == "stopped · 3 of 4 cells measured"
    wont = CellResult("big", "desk", "ollama", 512, 8, error="big needs 80 GiB; will not fit", skipped=True)
    assert run_status(False, [measured(), wont]) == "done"
    assert run_words("done", tally([measured(), wont])) == "done · 1 skipped (won't fit)"
