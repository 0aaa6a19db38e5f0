"""Bench runs in the history database: a run is saved as it goes, each cell the moment it finishes.

Functions over a `Store` (its `read` and `transaction`), beside it rather than in it. The app calls them
through `await app.journal.run(fn, app.journal.store, ...)` (None on a storage problem, already reported);
the CLI calls them in a thread and reports a storage problem in one line (its exports are still written).

A run row is written first (status `running`), each finished cell adds a row, and the run is closed with
`done`, `stopped` or `failed`: a run cut off by a crash stays `running`, with every cell it finished.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from glmtui.core.bench import CellResult
from glmtui.core.bench_export import RunInfo, SavedCell, cell_dict, cell_from_dict
from glmtui.core.bench_table import tally
from glmtui.core.bench_view import RunRow
from glmtui.services.store import Store


def start_run(store: Store, run: RunInfo) -> int:
    """A new run's row; its id."""
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO bench_runs (created_at, status, gpus, glmtui_version, plan) VALUES (?, ?, ?, ?, ?)",
            (
                run.created_at,
                "running",
                json.dumps(list(run.gpus)),
                run.glmtui_version,
                json.dumps(run.plan or {}),
            ),
        )
        return int(cursor.lastrowid or 0)


def save_cell(store: Store, run_id: int, cell: CellResult) -> int:
    """One finished (or failed, or skipped) cell of a run."""
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO bench_cells (run_id, model, model_digest, endpoint, engine, server_version,"
            " prompt_tokens, gen_tokens, cold, label, prefill_median, decode_median, ttft_median,"
            " memory_bytes, error, figures, created_at)"
            f" VALUES ({', '.join('?' * 17)})",
            (
                run_id,
                cell.model,
                cell.digest,
                cell.endpoint,
                cell.engine,
                cell.server_version,
                cell.prompt_tokens,
                cell.gen_tokens,
                int(cell.cold),
                cell.label,
                cell.prefill_tps.median,
                cell.decode_tps.median,
                cell.ttft_s.median,
                cell.memory_bytes,
                cell.error,
                json.dumps(cell_dict(cell)),
                time.time(),
            ),
        )
        return int(cursor.lastrowid or 0)


def finish_run(store: Store, run_id: int, status: str, gpus: Sequence[str] = ()) -> None:
    """Close a run: `done`, `stopped` (Ctrl+C, Esc) or `failed`; the GPU names once they are known."""
    with store.transaction() as db:
        if gpus:
            db.execute("UPDATE bench_runs SET gpus = ? WHERE id = ?", (json.dumps(list(gpus)), run_id))
        db.execute(
            "UPDATE bench_runs SET status = ?, finished_at = ? WHERE id = ?", (status, time.time(), run_id)
        )


def _cell(figures: str, fallback: dict[str, object]) -> CellResult:
    try:
        data = json.loads(figures)
    except (TypeError, ValueError, RecursionError):
        data = None
    return cell_from_dict(data if isinstance(data, dict) else fallback)  # a damaged JSON: the columns


def earlier_cells(store: Store, models: Sequence[str], *, before_run: int | None = None) -> list[SavedCell]:
    """The cells of earlier runs for these models (every run when `before_run` is None), oldest first,
    for comparisons with this run."""
    if not models:
        return []
    marks = ", ".join("?" for _ in models)
    params: list[object] = list(models)
    sql = (
        "SELECT c.*, r.created_at AS run_at FROM bench_cells c LEFT JOIN bench_runs r ON r.id = c.run_id"
        f" WHERE c.model IN ({marks})"
    )
    if before_run is not None:
        sql += " AND c.run_id < ?"
        params.append(before_run)
    rows = store.read(sql + " ORDER BY c.id", tuple(params))
    found = []
    for row in rows:
        fallback = {
            k: row[k] for k in ("model", "endpoint", "engine", "prompt_tokens", "gen_tokens", "error")
        }
        when = float(row["run_at"] or row["created_at"])
        found.append(SavedCell(_cell(row["figures"], fallback), when, int(row["run_id"])))
    return found


def runs(store: Store, limit: int = 100) -> list[RunInfo]:
    """Saved runs, newest first."""
    rows = store.read("SELECT * FROM bench_runs ORDER BY id DESC LIMIT ?", (limit,))
    return [_run(row) for row in rows]


def run_rows(store: Store, limit: int = 100) -> list[RunRow]:
    """Saved runs, newest first, each with what its cells ran on: the models (the plan's, in its
    order), the engines with their server versions, how many cells it kept and how they went."""
    found = []
    for run in runs(store, limit):
        rows = store.read(
            "SELECT DISTINCT model, engine, server_version FROM bench_cells WHERE run_id = ? ORDER BY id",
            (run.run_id,),
        )
        kept = store.read("SELECT model, error, figures FROM bench_cells WHERE run_id = ?", (run.run_id,))
        cells = [_cell(r["figures"], {"model": r["model"], "error": r["error"]}) for r in kept]
        planned = (run.plan or {}).get("models")
        models = [str(m) for m in planned] if isinstance(planned, list) else []
        models += [str(r["model"]) for r in rows if str(r["model"]) not in models]
        servers = list(
            dict.fromkeys((str(r["engine"]), str(r["server_version"])) for r in rows if r["engine"])
        )
        found.append(
            RunRow(
                run,
                tuple(models),
                tuple(e for e, _ in servers),
                tuple(v for _, v in servers),
                len(cells),
                tally(cells),
            )
        )
    return found


def load_run(store: Store, run_id: int) -> tuple[RunInfo, list[CellResult]] | None:
    """One saved run and its cells in the order they finished; None when it is gone."""
    head = store.read("SELECT * FROM bench_runs WHERE id = ?", (run_id,))
    if not head:
        return None
    rows = store.read("SELECT * FROM bench_cells WHERE run_id = ? ORDER BY id", (run_id,))
    cells = [_cell(row["figures"], {"model": row["model"], "error": row["error"]}) for row in rows]
    return _run(head[0]), cells


def _run(row: sqlite3.Row) -> RunInfo:
    def loads(text: object, default: object) -> object:
        try:
            return json.loads(str(text))
        except (ValueError, RecursionError):
            return default

    get = row.__getitem__  # a sqlite3.Row
    gpus = loads(get("gpus"), [])
    plan = loads(get("plan"), {})
    return RunInfo(
        created_at=float(get("created_at")),
        gpus=tuple(str(g) for g in gpus) if isinstance(gpus, list) else (),
        glmtui_version=str(get("glmtui_version")),
        plan=plan if isinstance(plan, dict) else {},
        status=str(get("status")),
        run_id=int(get("id")),
    )
