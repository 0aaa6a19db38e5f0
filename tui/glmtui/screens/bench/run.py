"""One live bench run's state, apart from the widgets: the request, the pre-flight's findings, the cells
finished so far, where it is saved, and its words (the current cell, how it ended).

Textual-free: the screen owns one and renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text

from glmtui.core.bench import CellKey, CellResult
from glmtui.core.bench_export import RunInfo, SavedCell, ctx_label
from glmtui.core.bench_table import run_status
from glmtui.screens.bench.setup import BenchRequest
from glmtui.services.bench import BenchEvent, BenchRunner, Preflight, RepDone

STYLES = {"unknown-model": "red", "unreachable": "red", "wont-fit": "yellow", "partial-fit": "yellow"}


@dataclass
class BenchRun:
    """A run from Start to its end."""

    request: BenchRequest
    info: RunInfo
    active: bool = True
    run_id: int | None = None
    unsaved_reason: str = ""  # why nothing is saved ("" : saved as it goes)
    unsaved_cells: int = 0  # cells whose save failed
    problems: list[Preflight] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)  # endpoints without an engine
    cells: list[CellResult] = field(default_factory=list)
    earlier: list[SavedCell] = field(default_factory=list)
    gpus: tuple[str, ...] = ()
    offset: int = 0  # cells of the runners before the current one
    current: tuple[CellKey, int, int] | None = None  # the cell under way, its run, its most runs

    def preflight(self, unusable: Sequence[str], problems: Sequence[Preflight]) -> None:
        self.unusable = list(unusable)
        self.problems = list(problems)

    def preflight_text(self) -> Text:
        """What the pre-flight found, a line each (said once per message, server text as data)."""
        text = Text()
        if not self.problems and not self.unusable:
            text.append("Pre-flight: every model found, and fits.", style="green")
            return text
        text.append("Pre-flight:\n", style="bold")
        for line in self.unusable:
            text.append(f"✗ {line}; its cells are not run\n", style="red")
        for message, kind in dict.fromkeys((p.message, p.kind) for p in self.problems):
            mark = "✗" if STYLES[kind] == "red" else "!"
            text.append(f"{mark} {message}\n", style=STYLES.get(kind, ""))
        text.rstrip()
        return text

    def runnable(self, runners: Sequence[BenchRunner]) -> bool:
        """Any cell left to run after the pre-flight."""
        skipped = {p.key for p in self.problems if p.skip}
        return any(key not in skipped for runner in runners for key in runner.plan.cells())

    def total_steps(self, runners: Sequence[BenchRunner]) -> int:
        """The progress bar's total: every cell at its most runs (a cell that settles early skips the
        rest of its share when it finishes, as the CLI's bar does)."""
        return sum(len(r.plan.cells()) * r.plan.max_reps for r in runners)

    def current_text(self, event: BenchEvent) -> str:
        if self.current is None:
            return ""
        key, rep, most = self.current
        total = sum(len(plan.cells()) for plan in self.request.plans())
        index = getattr(event, "index", 0) + self.offset
        where = f"{key.model} @ {key.endpoint or 'default'}"
        step = f"run {rep} of ≤{most}" if isinstance(event, RepDone) else "calibrating the prompt"
        return f"Cell {index + 1} of {total}: {where} · {ctx_label(key.prompt_tokens)} prompt · {step}"

    def status(self, stopped: bool) -> str:
        """The store's status (`done`, `stopped`, `failed`): the CLI's rule, bench_table.run_status."""
        return run_status(stopped, self.cells)

    def saved_words(self) -> str:
        if self.unsaved_reason:
            return f"not saved ({self.unsaved_reason}); Ctrl+S exports them"
        if self.unsaved_cells:
            return f"{self.unsaved_cells} not saved (the history database refused them); Ctrl+S exports them"
        return "saved"

    def ending(self, stopped: bool) -> str:
        measured = sum(1 for c in self.cells if c.reps)
        failed = sum(1 for c in self.cells if c.error is not None)
        if stopped:
            head = f"Stopped: {len(self.cells)} finished cell(s) kept"
        else:
            head = f"Bench finished: {measured} cell(s) measured" + (
                f", {failed} failed or skipped" if failed else ""
            )
        return f"{head}, {self.saved_words()}."

    def plan_dict(self) -> dict[str, object]:
        request = self.request
        return {
            "models": list(dict.fromkeys(r.model for r in request.refs)),
            "endpoints": list(dict.fromkeys(r.endpoint for r in request.refs)),
            "contexts": list(request.contexts),
            "gen": request.gen,
            "max_reps": request.max_reps,
            "cold": request.cold,
            "force": request.force,
            "seed": request.plans()[0].seed,
        }

    def export_info(self) -> RunInfo:
        status = "running" if self.active else self.info.status
        return RunInfo(
            self.info.created_at, self.gpus, self.info.glmtui_version, self.plan_dict(), status, self.run_id
        )
