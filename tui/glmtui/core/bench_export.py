"""The bench's results as text: JSON (the schema scripts rely on), CSV (the same cells flat), a Markdown
table, and comparison lines against earlier saved runs. Pure: strings in, strings out; the caller writes.

JSON: `{"schema": 1, "run": {...}, "cells": [{"model", "endpoint", "engine", "prompt_tokens",
"gen_tokens", "prefill_tps": {"median", "min", "max", "runs"}, "decode_tps": {…}, "ttft_s": {…},
"load_s": {…}, "memory_bytes", "label": "exact" | "client-timed", "error": null | "…", …}]}`. A figure
with no runs is `{"median": null, "min": null, "max": null, "runs": 0}`, never missing, so a script's
`cell["decode_tps"]["median"]` works on a failed cell too.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from glmtui.core.bench import CLIENT, EXACT, CellResult, Label, Summary, cell_runs, summarize, within
from glmtui.core.units import GIB

SCHEMA = 1
FIGURES = ("prefill_tps", "decode_tps", "ttft_s", "load_s")
PARTS = ("median", "min", "max", "runs")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a run was: when, on which GPUs, by which glmtui, planned how (`plan` as plain values)."""

    created_at: float
    gpus: tuple[str, ...] = ()
    glmtui_version: str = ""
    plan: Mapping[str, Any] | None = None
    status: str = "done"  # running, done, stopped, failed
    run_id: int | None = None


def cell_dict(cell: CellResult) -> dict[str, Any]:
    """One cell as the JSON export (and the store) keep it."""
    out: dict[str, Any] = {
        "model": cell.model,
        "endpoint": cell.endpoint,
        "engine": cell.engine,
        "prompt_tokens": cell.prompt_tokens,
        "gen_tokens": cell.gen_tokens,
    }
    for name in FIGURES:
        summary: Summary = getattr(cell, name)
        out[name] = summary.as_dict() | {"values": list(summary.values)}
    out |= {
        "memory_bytes": cell.memory_bytes,
        "label": cell.label,
        "error": cell.error,
        "size_vram": cell.size_vram,
        "processor": cell.processor,
        "nvml_peak_bytes": cell.nvml_peak_bytes,
        "nvml_note": cell.nvml_note,
        "load_note": cell.load_note,
        "cold": cell.cold,
        "prompt_tokens_measured": cell.prompt_tokens_measured,
        "gen_tokens_measured": cell.gen_tokens_measured,
        "num_ctx": cell.num_ctx,
        "digest": cell.digest,
        "server_version": cell.server_version,
        "warning": cell.warning,
        "skipped": cell.skipped,
    }
    return out


def cell_from_dict(data: Mapping[str, Any]) -> CellResult:
    """A cell back from `cell_dict`'s form (the store's); unknown or damaged parts read as unknown."""

    def summary(name: str) -> Summary:
        part = data.get(name)
        values = part.get("values") if isinstance(part, dict) else None
        if isinstance(values, list):
            return summarize([float(v) for v in values if isinstance(v, (int, float))])
        return Summary()

    def number(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(name: str, default: str = "") -> str:
        value = data.get(name)
        return value if isinstance(value, str) else default

    label: Label = CLIENT if data.get("label") == CLIENT else EXACT
    error = data.get("error")
    return CellResult(
        model=text("model"),
        endpoint=text("endpoint"),
        engine=text("engine"),
        prompt_tokens=number("prompt_tokens") or 0,
        gen_tokens=number("gen_tokens") or 0,
        label=label,
        prefill_tps=summary("prefill_tps"),
        decode_tps=summary("decode_tps"),
        ttft_s=summary("ttft_s"),
        load_s=summary("load_s"),
        load_note=text("load_note"),
        cold=data.get("cold") is True,
        prompt_tokens_measured=number("prompt_tokens_measured"),
        gen_tokens_measured=number("gen_tokens_measured"),
        memory_bytes=number("memory_bytes"),
        size_vram=number("size_vram"),
        processor=text("processor", "unknown"),
        nvml_peak_bytes=number("nvml_peak_bytes"),
        nvml_note=text("nvml_note"),
        digest=text("digest"),
        server_version=text("server_version"),
        num_ctx=number("num_ctx"),
        warning=text("warning"),
        error=error if isinstance(error, str) else None,
        skipped=data.get("skipped") is True,
    )


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a figure is unknown (null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def to_json(cells: Sequence[CellResult], run: RunInfo | None = None) -> str:
    """The JSON export: valid whatever happened (failed and skipped cells carry their error)."""
    head: dict[str, Any] = {}
    if run is not None:
        head = {
            "created_at": run.created_at,
            "gpus": list(run.gpus),
            "glmtui_version": run.glmtui_version,
            "status": run.status,
            "plan": dict(run.plan or {}),
        }
    document = {"schema": SCHEMA, "run": head, "cells": [cell_dict(c) for c in cells]}
    return json.dumps(_finite(document), indent=2, allow_nan=False) + "\n"


CSV_HEAD = (
    ["model", "endpoint", "engine", "prompt_tokens", "gen_tokens", "label"]
    + [f"{figure}_{part}" for figure in FIGURES for part in PARTS]
    + ["memory_bytes", "size_vram", "processor", "nvml_peak_bytes", "cold", "prompt_tokens_measured"]
    + ["gen_tokens_measured", "num_ctx", "digest", "server_version", "load_note", "warning", "error"]
)


def csv_rows(cells: Iterable[CellResult]) -> list[dict[str, Any]]:
    """The cells flat, one dict per row with CSV_HEAD's keys ("" for unknown)."""
    rows = []
    for cell in cells:
        data = cell_dict(cell)
        row: dict[str, Any] = {key: data.get(key) for key in CSV_HEAD if key in data}
        for figure in FIGURES:
            for part in PARTS:
                row[f"{figure}_{part}"] = data[figure][part]
        rows.append({key: "" if row.get(key) is None else row[key] for key in CSV_HEAD})
    return rows


def to_csv(cells: Sequence[CellResult]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_HEAD, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_finite(csv_rows(cells)))
    return buffer.getvalue()


# -- words ------------------------------------------------------------------------------------------


def ctx_label(tokens: int) -> str:
    """4096 → '4k', 32768 → '32k', 512 → '512', 1000 → '1000'."""
    return f"{tokens // 1024}k" if tokens >= 1024 and tokens % 1024 == 0 else str(tokens)


def prompt_label(cell: CellResult) -> str:
    """The prompt length a cell's figures belong to: the requested one, or the measured one where the
    calibration could not reach it ('26 (asked 10)'; the cell's warning says why)."""
    measured = cell.prompt_tokens_measured
    if measured is None or within(cell.prompt_tokens, measured):
        return ctx_label(cell.prompt_tokens)
    return f"{measured} (asked {ctx_label(cell.prompt_tokens)})"


def figure_text(summary: Summary, digits: int = 1, unit: str = "") -> str:
    """'61.2 (60.8–63.0, 5 runs)'; '—' when nothing was measured."""
    if summary.median is None or summary.min is None or summary.max is None:
        return "—"
    runs = f"{summary.runs} run{'s' if summary.runs != 1 else ''}"
    return f"{summary.median:.{digits}f}{unit} ({summary.min:.{digits}f}–{summary.max:.{digits}f}, {runs})"


def memory_text(cell: CellResult) -> str:
    if cell.memory_bytes is None:
        return "unknown"
    return f"{cell.memory_bytes / GIB:.1f} GiB ({cell.processor})"


def peak_text(cell: CellResult) -> str:
    return "unknown" if cell.nvml_peak_bytes is None else f"{cell.nvml_peak_bytes / GIB:.1f} GiB"


TABLE_HEAD = (
    "model",
    "endpoint",
    "prompt",
    "prefill tok/s",
    "decode tok/s",
    "TTFT s",
    "load s",
    "memory",
    "GPU peak",
    "timing",
)


def table_rows(cells: Iterable[CellResult]) -> list[tuple[str, ...]]:
    """The Markdown export's rows: each figure whole, `median (min–max, runs)` (the screen and the CLI
    show the compact table of core/bench_table.py)."""
    rows = []
    for cell in cells:
        if cell.error is not None and cell_runs(cell) == 0:  # read back, a cell keeps figures, not reps
            status = "skipped" if cell.skipped else "failed"
            rows.append(
                (cell.model, cell.endpoint, ctx_label(cell.prompt_tokens), f"{status}: {cell.error}")
                + ("",) * (len(TABLE_HEAD) - 4)
            )
            continue
        load = cell.load_note or figure_text(cell.load_s, 2)
        label = cell.label + (f" · error: {cell.error}" if cell.error else "")
        label += f" · warning: {cell.warning}" if cell.warning else ""
        rows.append(
            (
                cell.model,
                cell.endpoint,
                prompt_label(cell),
                figure_text(cell.prefill_tps),
                figure_text(cell.decode_tps),
                figure_text(cell.ttft_s, 3),
                load,
                memory_text(cell),
                peak_text(cell),
                label,
            )
        )
    return rows


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(cells: Sequence[CellResult], run: RunInfo | None = None) -> str:
    """A Markdown table of the results (figures as median (min–max, runs))."""
    lines = []
    if run is not None and run.gpus:
        lines += [f"GPUs: {_md(', '.join(run.gpus))}", ""]
    lines.append("| " + " | ".join(TABLE_HEAD) + " |")
    lines.append("|" + "---|" * len(TABLE_HEAD))
    lines += ["| " + " | ".join(_md(part) for part in row) + " |" for row in table_rows(cells)]
    return "\n".join(lines) + "\n"


# -- comparisons ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedCell:
    """An earlier run's cell, with when it ran and which run it was (a pair's ratio is taken from one
    run: two models' rates from different runs are not a ratio of anything)."""

    cell: CellResult
    created_at: float
    run_id: int | None = None


def short_names(a: str, b: str) -> tuple[str, str]:
    """Two variants of one model by their tags ('q8_0', 'q4_K_M'); other pairs by their full names."""
    base_a, _, tag_a = a.partition(":")
    base_b, _, tag_b = b.partition(":")
    if base_a == base_b and tag_a and tag_b:
        return tag_a, tag_b
    return a, b


def _server(cell: CellResult) -> str:
    engine = "Ollama" if cell.engine == "ollama" else cell.engine or "the engine"
    return f"{engine} {cell.server_version}".strip()


def _decode(cell: CellResult) -> float | None:
    median = cell.decode_tps.median
    return median if cell.error is None and median is not None and median > 0 else None


Setup = tuple[str, str, str, bool, int, int]


def setup_of(cell: CellResult) -> Setup:
    """What a cell's figures depend on besides the model: its endpoint, engine (kind and whether the
    figures are exact or client-timed), cold or warm, generation and prompt lengths. Figures are only
    compared within one setup: an Ollama exact decode rate beside a vLLM client-timed one, a cold run
    beside a warm one, or 256 generated tokens beside 8, is a difference of method, not of speed."""
    return (
        cell.endpoint,
        cell.engine,
        cell.label,
        cell.cold,
        cell.gen_tokens,
        cell.prompt_tokens,
    )


def _latest(earlier: Sequence[SavedCell], model: str, setup: Setup) -> SavedCell | None:
    found = [
        s
        for s in earlier
        if s.cell.model == model and setup_of(s.cell) == setup and _decode(s.cell) is not None
    ]
    return max(found, key=lambda s: s.created_at, default=None)


def _latest_pair(
    earlier: Sequence[SavedCell], model: str, base: str, setup: Setup
) -> tuple[SavedCell, SavedCell] | None:
    """The two models' cells from the latest earlier run that measured both in this setup."""
    runs: dict[object, dict[str, SavedCell]] = {}
    for saved in earlier:
        if saved.cell.model in (model, base) and setup_of(saved.cell) == setup and _decode(saved.cell):
            run = saved.run_id if saved.run_id is not None else saved.created_at
            runs.setdefault(run, {})[saved.cell.model] = saved
    both = [cells for cells in runs.values() if model in cells and base in cells]
    if not both:
        return None
    latest = max(both, key=lambda cells: cells[model].created_at)
    return latest[model], latest[base]


def comparison_lines(current: Sequence[CellResult], earlier: Sequence[SavedCell]) -> list[str]:
    """Lines comparing this run's decode rates, each model against the plan's first in the same setup
    (`setup_of`: endpoint, engine, timing, cold/warm, lengths), and against the last earlier run of the
    same pair in that same setup (never across engines, timings, cold/warm or lengths):
    "q8_0 decodes at 0.74× q4_K_M at 4k; was 0.77× on Ollama 0.14.3". A model measured alone is
    compared with its own last run: "glm-4.7-flash decodes at 61.2 tok/s at 4k; was 63.0 tok/s on
    Ollama 0.14.3 (0.97×)"."""
    lines: list[str] = []
    groups: dict[Setup, list[CellResult]] = {}
    for cell in current:
        groups.setdefault(setup_of(cell), []).append(cell)
    for setup, cells in groups.items():
        where = ctx_label(setup[-1])
        measured = [c for c in cells if _decode(c) is not None]
        if len(measured) >= 2:
            base = measured[0]
            for other in measured[1:]:
                ratio = (_decode(other) or 0) / (_decode(base) or 1)
                name, base_name = short_names(other.model, base.model)
                line = f"{name} decodes at {ratio:.2f}× {base_name} at {where}"
                pair = _latest_pair(earlier, other.model, base.model, setup)
                if pair is not None:
                    was_other, was_base = pair
                    was = (_decode(was_other.cell) or 0) / (_decode(was_base.cell) or 1)
                    line += f"; was {was:.2f}× on {_server(was_other.cell)}"
                lines.append(line)
        for cell in measured:
            before = _latest(earlier, cell.model, setup)
            if before is None:
                continue
            now, then = _decode(cell), _decode(before.cell)
            if now is None or then is None:
                continue
            lines.append(
                f"{cell.model} decodes at {now:.1f} tok/s at {where}; was {then:.1f} tok/s on"
                f" {_server(before.cell)} ({now / then:.2f}×)"
            )
    return lines


# -- one export by its format's name (the bench screen's dialog; the CLI has a flag per format) --------

EXPORT_FORMATS = {"json": "json", "csv": "csv", "markdown": "md"}  # format → file extension


def export_text(fmt: str, cells: Sequence[CellResult], run: RunInfo | None = None) -> str:
    """The export in `fmt` ("json", "csv" or "markdown"): the same text the CLI's flags write."""
    if fmt == "json":
        return to_json(cells, run)
    if fmt == "csv":
        return to_csv(cells)
    if fmt == "markdown":
        return to_markdown(cells, run)
    raise ValueError(f"no export format {fmt!r} ({', '.join(EXPORT_FORMATS)})")
