"""What the bench screen draws, as plain data: the charts' series and the saved runs' one-line summaries.

Pure (no I/O, no Textual), so the rules are unit-tested apart from the widgets. A chart shows only
measured cells: a cell that failed before its first run, or was skipped, has no point to draw (the table
says what happened to it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from glmtui.core.bench import CellResult
from glmtui.core.bench_export import RunInfo, ctx_label, short_names
from glmtui.core.bench_table import Tally, run_words
from glmtui.core.units import GIB


def series_name(cell: CellResult) -> str:
    """'glm-4.7-flash:q8_0 @ desk' ('… @ default' for the endpoint without a name)."""
    return f"{cell.model} @ {cell.endpoint or 'default'}"


def _decode(cell: CellResult) -> float | None:
    median = cell.decode_tps.median
    return median if median is not None and median > 0 and math.isfinite(median) else None


@dataclass(frozen=True, slots=True)
class Lines:
    """Decode rate against prompt length: x is log2 of the prompt length (the lengths a bench uses,
    512 to 32k, grow by factors: on a linear axis the short ones would sit in one column), with ticks
    written as the lengths ('512', '4k')."""

    series: dict[str, tuple[list[float], list[float]]]
    ticks: tuple[list[float], list[str]]


def decode_lines(cells: Iterable[CellResult]) -> Lines:
    """One line per model @ endpoint, its points in prompt-length order."""
    points: dict[str, dict[int, float]] = {}
    for cell in cells:
        rate = _decode(cell)
        if rate is None or cell.prompt_tokens < 1:
            continue
        points.setdefault(series_name(cell), {})[cell.prompt_tokens] = rate
    series = {
        name: ([math.log2(t) for t in sorted(found)], [found[t] for t in sorted(found)])
        for name, found in points.items()
    }
    lengths = sorted({t for found in points.values() for t in found})
    return Lines(series, ([math.log2(t) for t in lengths], [ctx_label(t) for t in lengths]))


@dataclass(frozen=True, slots=True)
class Point:
    """A cell on the speed-vs-memory chart: memory in GiB (x), decode rate (y), its words."""

    memory_gib: float
    decode_tps: float
    label: str  # the variant and length: 'q8_0 4k'


def memory_points(cells: Iterable[CellResult]) -> dict[str, list[Point]]:
    """Per model @ endpoint (one colour each), a point per measured cell whose memory is known
    (`/api/ps`' size; an OpenAI-compatible engine has none, and its cells are left out)."""
    found: dict[str, list[Point]] = {}
    measured = [c for c in cells if _decode(c) is not None and c.memory_bytes]
    models = list(dict.fromkeys(c.model for c in measured))
    for cell in measured:
        # Variants of one model by their tags (as the comparisons name them): 'q8_0', not the whole name.
        others = [m for m in models if m != cell.model]
        name = short_names(cell.model, others[0])[0] if others else cell.model
        found.setdefault(series_name(cell), []).append(
            Point(
                (cell.memory_bytes or 0) / GIB,
                _decode(cell) or 0.0,
                f"{name} {ctx_label(cell.prompt_tokens)}",
            )
        )
    return found


def memory_note(cells: Sequence[CellResult]) -> str:
    """Why the memory chart is empty ('' when it has points)."""
    if memory_points(cells):
        return ""
    if not any(_decode(c) is not None for c in cells):
        return "no cell measured yet"
    return "no memory figures: the engine has no /api/ps (vLLM, SGLang)"


# -- saved runs ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRow:
    """A saved run in the list of earlier runs."""

    run: RunInfo
    models: tuple[str, ...]
    engines: tuple[str, ...]
    versions: tuple[str, ...]
    cells: int
    tally: Tally | None = None  # how its cells went (None: not counted; the status as stored)

    def columns(self) -> tuple[str, str, str, str, str, str]:
        """date, models, engine and server version, GPUs, cells, status."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.run.created_at))
        engines = ", ".join(
            f"{'Ollama' if e == 'ollama' else e} {v}".strip()
            for e, v in zip(self.engines, self.versions, strict=True)
        )
        return (
            when,
            ", ".join(self.models) or "—",
            engines or "—",
            ", ".join(self.run.gpus) or "—",
            str(self.cells),
            self.status_words(),
        )

    def status_words(self, live: bool = False) -> str:
        """'done · 1 of 7 cells failed' (see bench_table.run_words); `live`: this glmtui runs it now."""
        if live:
            return "running"
        return run_words(self.run.status, self.tally) if self.tally is not None else self.run.status
