"""The bench's results as a compact table (the screen's and the CLI's), the notes under it, and a run's
status in words. Pure: strings in, strings out.

A figure is its median, then how far the farthest run fell from it, in percent: `120.0 ±1%`. That is
the whole min–max range folded into one number (an outlier shows as a wide ±, never dropped); the
exports (JSON, CSV, Markdown) keep the exact min, max and every value. The cell's run count is a column
of its own; a figure measured in fewer runs than its cell says so (`±2% 2×`).

A cell that was not measured (skipped, or failed before its first run) says so in its row, and why in
the notes right under the table, where a long message can wrap: the table stays ~120 columns wide.

    rows = table_rows(cells)      # each part a Part(text, aside, style): aside dim, style a hint
    notes = table_notes(cells)    # "skipped (node1 went away: Cannot reach …): q8_0 @ node1 512"
    run_words("done", tally(cells))  # "done · 1 of 7 cells failed"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text

from glmtui.core.bench import STABLE_SPREAD, CellResult, Summary, cell_runs
from glmtui.core.bench_export import ctx_label, prompt_label
from glmtui.core.units import GIB

HEAD = (
    "model",
    "endpoint",
    "prompt",
    "runs",
    "prefill\ntok/s",
    "decode\ntok/s",
    "TTFT\ns",
    "load\ns",
    "memory",
    "GPU\npeak",
    "timing",
)
NUMERIC = frozenset({"runs", "prefill\ntok/s", "decode\ntok/s", "TTFT\ns", "load\ns", "memory", "GPU\npeak"})
CAPTION = "median ±farthest run from it · exact = the server's timings, client-timed = glmtui's"


@dataclass(frozen=True, slots=True)
class Part:
    """One table cell: its text, an aside written after it (dim unless `aside_style`), and style hints
    ("" / "error" / "warning") that the screen and the CLI map to their colours."""

    text: str
    aside: str = ""
    style: str = ""
    aside_style: str = ""

    @property
    def plain(self) -> str:
        return f"{self.text} {self.aside}" if self.aside else self.text

    def rich(self) -> Text:
        """As Rich text (the screen's DataTable, the CLI's table): plain text, never markup."""
        text = Text(self.text, style=STYLES.get(self.style, ""))
        if self.aside:
            text.append(" " + self.aside, style=STYLES.get(self.aside_style, "dim"))
        return text


STYLES = {"error": "red", "warning": "yellow"}  # the hints' colours, as the bench's pre-flight uses them


def counts_as_failed(cell: CellResult) -> bool:
    """A cell that went wrong — not one skipped because the fit said it will not fit (the user's plan
    left it out; the CLI's `--force` runs it). The rule behind the CLI's exit code and a run's status."""
    return cell.error is not None and not (cell.skipped and "fit" in cell.error)


def deviation(summary: Summary) -> float | None:
    """How far the farthest run fell from the median, as a fraction of it (None: no runs, a 0 median)."""
    if summary.median is None or summary.min is None or summary.max is None or summary.median <= 0:
        return None
    return max(summary.max - summary.median, summary.median - summary.min) / summary.median


def figure(summary: Summary, digits: int, runs: int) -> Part:
    """`120.0` with `±1%` aside (`±12% 2×` when this figure had fewer runs than its cell); a spread over
    the stopping rule's limit is a warning; `—` when nothing was measured."""
    if summary.median is None:
        return Part("—")
    spread = deviation(summary)
    if round(summary.median, digits) == 0:
        spread = None  # "0.00 ±31%" of a warm load says nothing: the spread of a figure shown as 0
    aside = "" if spread is None or summary.runs < 2 else f"±{spread * 100:.0f}%"
    if summary.runs < runs:
        aside = f"{aside} {summary.runs}×".strip()
    wide = spread is not None and spread > STABLE_SPREAD
    return Part(f"{summary.median:.{digits}f}", aside, aside_style="warning" if wide else "")


def _memory(cell: CellResult) -> Part:
    if cell.memory_bytes is None:
        return Part("—")
    # Wholly on the GPU is the expected case and goes unsaid; a CPU share is the figure that matters.
    where = "" if cell.processor in ("100% GPU", "unknown", "") else cell.processor
    return Part(f"{cell.memory_bytes / GIB:.1f} GiB", where, aside_style="warning" if "CPU" in where else "")


def table_rows(cells: Iterable[CellResult]) -> list[tuple[Part, ...]]:
    """One row per cell, HEAD's columns."""
    rows = []
    for cell in cells:
        runs = cell_runs(cell)
        head = (Part(cell.model), Part(cell.endpoint or "default"), _prompt(cell))
        if cell.error is not None and not runs:
            word = "skipped" if cell.skipped else "failed"
            style = "error" if counts_as_failed(cell) else "warning"
            rows.append((*head, Part("0"), Part(word, style=style), *(Part("") for _ in HEAD[5:])))
            continue
        load = Part("n/a") if cell.load_note else figure(cell.load_s, 2, runs)
        peak = Part("—") if cell.nvml_peak_bytes is None else Part(f"{cell.nvml_peak_bytes / GIB:.1f} GiB")
        timing = Part(cell.label, "⚠" if cell.error or cell.warning else "", aside_style="warning")
        rows.append(
            (
                *head,
                Part(str(runs)),
                figure(cell.prefill_tps, 1, runs),
                figure(cell.decode_tps, 1, runs),
                figure(cell.ttft_s, 3, runs),
                load,
                _memory(cell),
                peak,
                timing,
            )
        )
    return rows


def _prompt(cell: CellResult) -> Part:
    """The prompt length column: the measured length where it is not the one asked for, in yellow
    (the note under the table says why)."""
    label = prompt_label(cell)
    if label == ctx_label(cell.prompt_tokens):
        return Part(label)
    measured, _, asked = label.partition(" ")
    return Part(measured, asked, aside_style="warning")


def _where(cell: CellResult) -> str:
    return f"{cell.model} @ {cell.endpoint or 'default'} {prompt_label(cell)}"


def table_notes(cells: Sequence[CellResult]) -> list[tuple[str, str]]:
    """(line, style hint) under the table: why cells were skipped or failed (one line per reason, its
    cells listed), a measured cell's error or warning, why a load time is missing."""
    groups: dict[tuple[str, str], list[CellResult]] = {}
    for cell in cells:
        if cell.error is not None and not cell_runs(cell):
            word = "skipped" if cell.skipped else "failed"
            groups.setdefault((word, cell.error), []).append(cell)
    notes = []
    for (word, reason), found in groups.items():
        shown = ", ".join(_where(c) for c in found[:3]) + (
            f" and {len(found) - 3} more" if len(found) > 3 else ""
        )
        style = "error" if any(counts_as_failed(c) for c in found) else "warning"
        notes.append((f"{word}: {reason} — {shown}", style))
    for cell in cells:
        if not cell_runs(cell):
            continue
        for text, style in ((cell.error, "warning"), (cell.warning, "warning"), (cell.load_note, "")):
            if text:
                notes.append((f"⚠ {_where(cell)}: {text}" if style else f"{_where(cell)}: {text}", style))
    return notes


# -- a run's status in words --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """A run's cells counted: all, measured (at least one run), failed (`counts_as_failed`), and
    skipped because they would not fit."""

    cells: int = 0
    measured: int = 0
    failed: int = 0
    wont_fit: int = 0


def tally(cells: Iterable[CellResult]) -> Tally:
    found = list(cells)
    return Tally(
        len(found),
        sum(1 for c in found if cell_runs(c)),
        sum(1 for c in found if counts_as_failed(c)),
        sum(1 for c in found if c.error is not None and not cell_runs(c) and not counts_as_failed(c)),
    )


def run_status(stopped: bool, cells: Iterable[CellResult]) -> str:
    """The store's status column (scripts may read it): `stopped`, `failed` (a cell failed), `done`."""
    if stopped:
        return "stopped"
    return "failed" if tally(cells).failed else "done"


def run_words(status: str, count: Tally) -> str:
    """The status as the runs list says it: 'done · 1 of 7 cells failed' (some measured), 'failed ·
    nothing measured', 'stopped · 4 cells kept'; a run still `running` that this glmtui is not running
    was cut off (a crash, a kill), with what it kept."""
    of = f"of {count.cells} cell{'s' if count.cells != 1 else ''}"
    if status == "stopped":
        return f"stopped · {count.measured} {of} measured"
    if status == "running":
        return f"cut off · {count.measured} {of} measured"
    if count.cells and not count.measured:
        return "failed · nothing measured" if count.failed else "done · nothing measured (none fits)"
    parts = []
    if count.failed:
        parts.append(f"{count.failed} {of} failed")
    if count.wont_fit:
        parts.append(f"{count.wont_fit} skipped (won't fit)")
    return " · ".join(["done", *parts])
