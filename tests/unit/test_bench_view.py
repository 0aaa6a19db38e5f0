"""The bench screen's pure parts: the charts' data, the form's checks (the CLI's rules), saved runs'
rows and the export by format name."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from glmtui.core.bench import CellResult, parse_contexts, summarize
from glmtui.core.bench_export import RunInfo, export_text
from glmtui.core.bench_view import decode_lines, memory_note, memory_points
from glmtui.core.endpoints import ModelRef
from glmtui.core.units import GIB
from glmtui.screens.bench.setup import read_request
from glmtui.services import bench_store
from glmtui.services.store import Store


def cell(
    model: str, tokens: int, decode: float | None, memory: int | None = None, **more: object
) -> CellResult:
    found = CellResult(model, "desk", "ollama", tokens, 8, memory_bytes=memory, **more)  # type: ignore[arg-type]
    if decode is not None:
        found.decode_tps = summarize([decode, decode + 1.0, decode - 1.0])
    return found


def test_decode_lines_one_per_model_in_length_order_on_a_log_axis_skipping_unmeasured_cells() -> None:
    cells = [
        cell("m:q8_0", 4096, 40.0),
        cell("m:q8_0", 512, 50.0),
        cell("m:q4_K_M", 512, 70.0),
        cell("m:q4_K_M", 4096, None, error="failed"),  # no point: the table says why
    ]
    lines = decode_lines(cells)
    assert lines.series == {
        "m:q8_0 @ desk": ([9.0, 12.0], [50.0, 40.0]),
        "m:q4_K_M @ desk": ([9.0], [70.0]),
    }
    assert lines.ticks == ([9.0, 12.0], ["512", "4k"])
    assert decode_lines([]).series == {}


def test_memory_points_name_variants_by_tag_and_leave_out_cells_without_memory() -> None:
    cells = [
        cell("m:q8_0", 512, 50.0, memory=30 * GIB),
        cell("m:q4_K_M", 512, 70.0, memory=18 * GIB),
        cell("m:q4_K_M", 4096, 60.0, memory=20 * GIB),
        cell("vllm-model", 512, 90.0, memory=None),  # no /api/ps: no point
    ]
    points = memory_points(cells)
    assert list(points) == ["m:q8_0 @ desk", "m:q4_K_M @ desk"]
    assert [(p.memory_gib, p.decode_tps, p.label) for p in points["m:q4_K_M @ desk"]] == [
        (18.0, 70.0, "q4_K_M 512"),
        (20.0, 60.0, "q4_K_M 4k"),
    ]
    assert memory_note(cells) == ""
    assert "no /api/ps" in memory_note([cells[-1]])
    assert memory_note([]) == "no cell measured yet"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("512,abc", "not a token count: 'abc'"),
        ("0", "must be positive"),
        ("", "at least one prompt length"),
        ("99999999", "more than"),
    ],
)
def test_prompt_lengths_are_refused_with_a_message_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_contexts(text)


def test_prompt_lengths_take_k_spaces_and_drop_duplicates() -> None:
    assert parse_contexts("512, 4k 4096,16K") == (512, 4096, 16384)


def test_the_form_checks_say_what_to_change_and_plan_per_endpoint() -> None:
    refs = [ModelRef("desk", "a"), ModelRef("node1", "b"), ModelRef("desk", "c")]
    with pytest.raises(ValueError, match="Pick at least one model"):
        read_request([], "512", "8", "3", cold=False, force=False)
    with pytest.raises(ValueError, match="Prompt lengths: not a token count"):
        read_request(refs, "5x", "8", "3", cold=False, force=False)
    with pytest.raises(ValueError, match="Generated tokens: not a whole number"):
        read_request(refs, "512", "", "3", cold=False, force=False)
    with pytest.raises(ValueError, match=r"the median needs 3.*at least 3, got 2"):
        read_request(refs, "512", "8", "2", cold=False, force=False)
    request = read_request(refs, "512,4k", "8", "3", cold=True, force=False)
    plans = request.plans()  # one plan per endpoint: no pair nobody picked
    assert [(p.endpoints, p.models) for p in plans] == [(("desk",), ("a", "c")), (("node1",), ("b",))]
    assert all(p.contexts == (512, 4096) and p.cold and p.gen == 8 for p in plans)


def test_saved_runs_list_models_engines_versions_and_cells(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    try:
        run_id = bench_store.start_run(
            store, RunInfo(1.0e9, ("NVIDIA RTX 4090",), plan={"models": ["m:q8_0"]})
        )
        for c in (cell("m:q8_0", 512, 50.0), cell("m:q8_0", 4096, 40.0)):
            c.server_version = "0.14.3"
            bench_store.save_cell(store, run_id, c)
        bench_store.finish_run(store, run_id, "done")
        (row,) = bench_store.run_rows(store)
    finally:
        store.close()
    assert row.models == ("m:q8_0",) and row.engines == ("ollama",) and row.versions == ("0.14.3",)
    _when, models, engine, gpus, cells, status = row.columns()
    assert (models, engine, gpus, cells, status) == (
        "m:q8_0",
        "Ollama 0.14.3",
        "NVIDIA RTX 4090",
        "2",
        "done",
    )


def test_a_saved_run_with_one_failed_cell_reads_done_with_the_failure_counted(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    try:
        run_id = bench_store.start_run(store, RunInfo(1.0e9, plan={"models": ["m:q8_0"]}))
        for c in (cell("m:q8_0", 512, 50.0), cell("m:q8_0", 4096, 40.0)):
            bench_store.save_cell(store, run_id, c)
        bench_store.save_cell(
            store,
            run_id,
            CellResult("m:q8_0", "node1", "vLLM", 512, 8, error="node1 went away", skipped=True),
        )
        bench_store.finish_run(store, run_id, "failed")  # the status column keeps the CLI's word
        (row,) = bench_store.run_rows(store)
    finally:
        store.close()
    assert row.run.status == "failed"
    assert row.columns()[-1] == "done · 1 of 3 cells failed"
    assert row.status_words(live=True) == "running"


def test_export_by_format_name_is_the_clis_text() -> None:
    cells = [
        cell("m", 512, 50.0),
        CellResult("m", "desk", "ollama", 4096, 8, error="Cannot reach", skipped=True),
    ]
    document = json.loads(export_text("json", cells, RunInfo(1.0)))
    assert document["cells"][1]["error"] == "Cannot reach" and document["cells"][1]["decode_tps"]["runs"] == 0
    assert math.isclose(document["cells"][0]["decode_tps"]["median"], 50.0)
    assert export_text("csv", cells).splitlines()[0].startswith("model,endpoint,engine")
    assert export_text("markdown", cells).startswith("| model |")
    with pytest.raises(ValueError, match="no export format"):
        export_text("xml", cells)
