"""`glmtui bench MODEL …`: the bench, headless and scriptable (routed here by __main__.main).

Endpoints as for the app (the config's `[[endpoints]]`, `--host`, `--endpoint`, `OLLAMA_HOST`); by default
the first (the chat's). A Rich progress bar with an ETA on stderr (plain lines when stderr is not a
terminal); the results table on stdout at the end; `--json`, `--csv`, `--markdown` files. It never asks
a question: a model that will not fit is said and skipped unless `--force`. Ctrl+C stops cleanly, keeps
the finished cells (saved as each finished), writes the exports and exits 130; any other failure is one
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from glmtui import __version__
from glmtui.config import build_config, load_config
from glmtui.core.bench import (
    DEFAULT_CONTEXTS,
    DEFAULT_GEN,
    DEFAULT_REPS,
    MIN_REPS,
    BenchPlan,
    CellResult,
    parse_contexts,
)
from glmtui.core.bench_export import RunInfo, comparison_lines, to_csv, to_json, to_markdown
from glmtui.core.bench_table import counts_as_failed, run_status
from glmtui.core.endpoints import Endpoint, parse_endpoint_flag
from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import distinct_models
from glmtui.paths import config_path, db_path
from glmtui.services.bench import (
    BenchEvent,
    BenchRunner,
    BenchTarget,
    CellDone,
    CellStarted,
    Preflight,
    RepDone,
)

EXIT_INTERRUPTED = 130


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _reps(text: str) -> int:
    value = _positive(text)
    if value < MIN_REPS:
        raise argparse.ArgumentTypeError(f"at least {MIN_REPS} (the median needs three runs), got {value}")
    return value


def _contexts(text: str) -> tuple[int, ...]:
    """`512,4096,16k`: prompt lengths in tokens (`k` = 1024); the rule is core's, shared with the screen."""
    try:
        return parse_contexts(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (--ctx)") from None


def _endpoint(text: str) -> Endpoint | str:
    """`NAME=URL` adds an endpoint; a bare `NAME` picks a configured one."""
    if "=" not in text:
        return text.strip()
    try:
        return parse_endpoint_flag(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="glmtui bench",
        description="Measure models' prefill and decode rates, TTFT, load time and memory, per endpoint and "
        "prompt length, repeating until the medians are stable.",
    )
    parser.add_argument("models", nargs="+", metavar="MODEL", help="models to measure")
    parser.add_argument("--host", help="the server's URL, alone (kind auto)")
    parser.add_argument(
        "--endpoint",
        action="append",
        type=_endpoint,
        default=[],
        metavar="NAME[=URL]",
        help="bench on this endpoint (a configured name, or NAME=URL), repeatable; default: the first",
    )
    parser.add_argument(
        "--ctx",
        type=_contexts,
        default=DEFAULT_CONTEXTS,
        metavar="N,N,…",
        help=f"prompt lengths in tokens (default {','.join(map(str, DEFAULT_CONTEXTS))})",
    )
    parser.add_argument(
        "--gen", type=_positive, default=DEFAULT_GEN, help=f"tokens generated (default {DEFAULT_GEN})"
    )
    parser.add_argument(
        "--reps",
        type=_reps,
        default=DEFAULT_REPS,
        help=f"most runs per cell (at least 3; default {DEFAULT_REPS})",
    )
    parser.add_argument("--cold", action="store_true", help="unload the model before every run (load time)")
    parser.add_argument("--force", action="store_true", help="run models the fit says will not fit")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the results as CSV")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write the results as a Markdown table")
    parser.add_argument("--config", type=Path, help=f"config file (default: {config_path()})")
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(f"glmtui bench: {text}", file=sys.stderr, flush=True)


def pick_endpoints(args: argparse.Namespace) -> tuple[Endpoint, ...]:
    """The endpoints to bench on, from the config, the environment and the flags; ValueError: why not."""
    path = args.config or config_path()
    file_values, problems = load_config(path, named=args.config is not None)
    for problem in problems:
        say(f"config: {problem}")
    added = [e for e in args.endpoint if isinstance(e, Endpoint)]
    named = [e for e in args.endpoint if isinstance(e, str)]
    config = build_config(file_values, env=os.environ, flags={"host": args.host, "endpoints": tuple(added)})
    every = config.endpoint_list
    if not added and not named:
        return every[:1]
    known = {e.name: e for e in every}
    unknown = [n for n in named if n not in known]
    if unknown:
        raise ValueError(f"no endpoint named {', '.join(unknown)} (configured: {', '.join(known)})")
    return tuple(known[n] for n in dict.fromkeys([*named, *(e.name for e in added)]))


class Progress:
    """The runner's events on stderr: a Rich bar with an ETA on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, cells: int, reps: int) -> None:
        self.stream = stream
        self.bar = None
        self.reps = reps
        if stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=stream),
                refresh_per_second=2,  # the engine should be the only thing working
                transient=True,
            )
            self.task = self.bar.add_task("bench", total=cells * reps)
            self.bar.start()

    def __call__(self, event: BenchEvent) -> None:
        if isinstance(event, CellStarted):
            key = event.key
            text = f"[{event.index + 1}/{event.total}] {key.model} @ {key.endpoint} · {key.prompt_tokens} tok"
            if self.bar is not None:
                self.bar.update(self.task, description=text)
            else:
                print(text, file=self.stream, flush=True)
        elif isinstance(event, RepDone) and self.bar is not None:
            self.bar.advance(self.task)
        elif isinstance(event, CellDone):
            cell = event.cell
            if self.bar is not None:
                self.bar.advance(self.task, max(0, self.reps - len(cell.reps)))
            elif cell.error is not None:
                print(
                    f"  {'skipped' if cell.skipped else 'failed'}: {cell.error}", file=self.stream, flush=True
                )
            else:
                rate = cell.decode_tps.median
                decode = "n/a" if rate is None else f"{rate:.1f} tok/s"
                print(
                    f"  decode {decode} ({cell.label}), {len(cell.reps)} runs", file=self.stream, flush=True
                )

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def show_results(cells: list[CellResult], lines: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from glmtui.core.bench_table import CAPTION, HEAD, NUMERIC, STYLES, table_notes, table_rows

    # The screen's table (core/bench_table.py): medians with their spread dim beside them, the reasons
    # for skipped and failed cells under it where they can wrap. Exact min–max: the exports.
    table = Table(title="glmtui bench", caption=CAPTION, caption_justify="left")
    for name in HEAD:
        table.add_column(name, no_wrap=True, justify="right" if name in NUMERIC else "left")
    for row in table_rows(cells):
        table.add_row(*(part.rich() for part in row))  # server text is data, never markup
    # Piped: wide enough for every column (a script reads the lines whole); a terminal: its own width.
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 220)
    console.print(table)
    for note, style in table_notes(cells):
        console.print(Text(note, style=STYLES.get(style, "")))
    for line in lines:
        console.print(Text(line))


EXPORT_FLAGS = ("json", "csv", "markdown")


def export_problem(args: argparse.Namespace) -> str | None:
    """Why an export file cannot be written, checked before the bench runs (minutes of measuring
    would otherwise end in "cannot write"): a folder, a missing or read-only directory, a read-only
    file, or one file named for two formats. None when each can be written, as far as can be known
    before writing (a disk can still fill meanwhile: write_exports says so then)."""
    seen: dict[Path, str] = {}
    for flag in EXPORT_FLAGS:
        path: Path | None = getattr(args, flag)
        if path is None:
            continue
        target = path.expanduser()
        folder = target.parent
        resolved = target.resolve()
        if resolved in seen:
            return f"--{flag} {path}: the same file as --{seen[resolved]}"
        seen[resolved] = flag
        if target.is_dir():
            return f"--{flag} {path}: is a folder; name a file in it"
        if not folder.is_dir():
            return f"--{flag} {path}: no folder {folder}"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"--{flag} {path}: cannot write in {folder}"
        if target.exists() and not os.access(target, os.W_OK):
            return f"--{flag} {path}: the file is read-only"
    return None


def write_exports(args: argparse.Namespace, cells: list[CellResult], run: RunInfo) -> bool:
    ok = True
    exports: list[tuple[Path | None, Callable[[], str]]] = [
        (args.json, lambda: to_json(cells, run)),
        (args.csv, lambda: to_csv(cells)),
        (args.markdown, lambda: to_markdown(cells, run)),
    ]
    for path, text in exports:
        if path is None:
            continue
        try:
            path.expanduser().write_text(text(), encoding="utf-8")
        except OSError as exc:
            say(f"cannot write {path}: {exc.strerror or exc}")
            ok = False
    return ok


async def bench(args: argparse.Namespace, endpoints: tuple[Endpoint, ...]) -> int:
    from glmtui.services import bench_store
    from glmtui.services.bench_gpu import bench_nvml, machine_now
    from glmtui.services.engines.factory import engine_for
    from glmtui.services.journal import Journal
    from glmtui.services.store import Store, StoreError

    plan = BenchPlan(
        models=tuple(args.models),
        endpoints=tuple(e.name for e in endpoints),
        contexts=args.ctx,
        gen=args.gen,
        max_reps=args.reps,
        cold=args.cold,
        force=args.force,
    )
    targets = [BenchTarget(e.name, await engine_for(e), e.local) for e in endpoints]
    local = any(t.local for t in targets)
    nvml = bench_nvml() if local else None
    machine = await asyncio.to_thread(machine_now, nvml) if nvml is not None else None
    try:
        store: Store | None = await asyncio.to_thread(Store, db_path())
    except StoreError as exc:
        say(f"results will not be saved: {exc}")
        store = None
    if store is not None and store.notice:  # a damaged file moved aside (and what was salvaged)
        say(store.notice)
    journal = Journal(store, on_problem=lambda text: say(f"history: {text}"))  # also a salvage: not "unsaved"
    run = RunInfo(time.time(), glmtui_version=__version__, plan=_plan_dict(plan))
    try:
        runner = BenchRunner(plan, targets, machine=machine, nvml=nvml)
        problems = await runner.preflight()
        fatal = [p for p in problems if p.kind in ("unknown-model", "unreachable")]
        if fatal:
            for message in dict.fromkeys(p.message for p in fatal):
                say(message)
            return 1
        _warn(problems)
        run_id = await journal.run(bench_store.start_run, store, run)
        earlier = await journal.run(bench_store.earlier_cells, store, plan.models, before_run=run_id) or []

        async def save(cell: CellResult) -> None:
            if run_id is not None:
                await journal.run(bench_store.save_cell, store, run_id, cell)

        runner.save = save  # attached once start_run has given the run its id
        progress = Progress(sys.stderr, len(plan.cells()), plan.max_reps)
        runner.on_event = progress
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        work = asyncio.ensure_future(runner.run())
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, work.cancel)
        stopped = False
        try:
            await work
        except asyncio.CancelledError:
            if task is not None and task.cancelling():
                raise
            stopped = True
        finally:
            progress.stop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        cells = list(runner.results)
        failed = [c for c in cells if counts_as_failed(c)]
        status = run_status(stopped, cells)
        run = RunInfo(run.created_at, runner.gpus, __version__, run.plan, status, run_id)
        if run_id is not None:
            await journal.run(bench_store.finish_run, store, run_id, status, runner.gpus)
        show_results(cells, comparison_lines(cells, earlier))
        wrote = write_exports(args, cells, run)
        if stopped:
            say(f"stopped: {len(cells)} finished cell(s) kept")
            return EXIT_INTERRUPTED
        measured = [c for c in cells if c.reps]
        return 0 if wrote and measured and not failed else 1
    finally:
        for target in targets:
            await target.engine.close()
        if store is not None:
            store.close()


def _warn(problems: list[Preflight]) -> None:
    for problem in problems:
        say(f"warning: {problem.message}")


def _plan_dict(plan: BenchPlan) -> dict[str, object]:
    return {
        "models": list(plan.models),
        "endpoints": list(plan.endpoints),
        "contexts": list(plan.contexts),
        "gen": plan.gen,
        "max_reps": plan.max_reps,
        "cold": plan.cold,
        "force": plan.force,
        "seed": plan.seed,
    }


def main(argv: list[str]) -> int:
    """`glmtui bench …`; the exit code."""
    args = parse_args(argv)
    args.models, same = distinct_models(args.models)
    for dropped, kept in same:
        say(f"{dropped} is {kept} (no tag is :latest, names in any case): benched once")
    problem = export_problem(args)
    if problem is not None:
        say(problem)
        return 2
    try:
        endpoints = pick_endpoints(args)
    except ValueError as exc:
        say(str(exc))
        return 2
    try:
        return asyncio.run(bench(args, endpoints))
    except GlmTuiError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:  # Ctrl+C before the runner started: nothing measured yet
        say("stopped before any cell finished")
        return EXIT_INTERRUPTED
