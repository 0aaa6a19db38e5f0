"""Salvage a damaged history database: copy every row that can still be read into a fresh file.

Python's `sqlite3` has no `.recover` (that is a command of the sqlite3 shell), so this walks each of
glmtui's tables by rowid in small ranges: a range that reads cleanly is copied at once, a range that
raises is retried row by row, and a row that still raises is skipped. Ids are kept, so a conversation
or turn open in the app still points at its own row; the AUTOINCREMENT counters are carried over (and
raised past any unreadable id) so an id that was lost is never handed to a new conversation.
Turns whose conversation row was lost are kept under a placeholder conversation.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Parents first.
TABLES = (
    "conversations",
    "turns",
    "compare_runs",
    "settings",
    "fit_corrections",
    "bench_runs",
    "bench_cells",
)
# Tables kept by triggers from the tables above: not copied (the fresh file's triggers rebuild them
# from the turns that were saved; a damaged file's copy could hold figures of turns that were lost).
DERIVED_TABLES = ("turn_figures",)
CHUNK = 256  # rows read per range; a damaged range is re-read one row at a time
BLIND_LIMIT = 1 << 17  # past this id, only rows actually seen extend the scan (a damaged root reads as
# "maybe rows everywhere": trying every id up to 2**48 one by one would never end)


@dataclass(frozen=True, slots=True)
class Salvaged:
    """What a salvage copied (and what it had to leave behind)."""

    conversations: int
    turns: int
    skipped: int  # rows that could not be read (an estimate: unreadable ranges are counted by id)
    placeholders: int  # conversations re-made for turns whose own conversation row was lost


def _readable_upper(old: sqlite3.Connection, table: str) -> int:
    """The highest rowid worth trying: max(rowid) if it reads, else the highest power of two that
    has (or may have, because reading it failed) a row at or above it, doubled."""
    try:
        top = old.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]  # our own table names, never input
        return int(top or 0)
    except sqlite3.DatabaseError:
        pass
    seen, damaged = 0, 0
    for power in range(48):
        probe = 1 << power
        try:
            if old.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? LIMIT 1", (probe,)).fetchone():
                seen = probe * 2
        except sqlite3.DatabaseError:
            damaged = probe * 2 if probe <= BLIND_LIMIT else damaged  # rows there, probably
    # Nothing seen at all: the table's root is unreadable, and so is every row under it.
    return max(seen, damaged) if seen else 0


def _rows(old: sqlite3.Connection, table: str, upper: int) -> Iterator[sqlite3.Row | None]:
    """Every row of `table` with rowid ≤ `upper`; None for each id of a range that could not be read
    row by row (so the caller can count the losses)."""
    select = f"SELECT rowid AS _rowid_, * FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
    for low in range(0, upper + 1, CHUNK):
        high = min(low + CHUNK - 1, upper)
        try:
            yield from old.execute(select, (low, high)).fetchall()
            continue
        except sqlite3.DatabaseError:
            pass
        for rowid in range(low, high + 1):
            try:
                yield from old.execute(select, (rowid, rowid)).fetchall()
            except sqlite3.DatabaseError:
                yield None


def _sequences(old: sqlite3.Connection) -> dict[str, int]:
    try:
        return {name: int(seq) for name, seq in old.execute("SELECT name, seq FROM sqlite_sequence")}
    except sqlite3.DatabaseError:
        return {}


def salvage(
    old: sqlite3.Connection, target: Path, make_schema: Callable[[sqlite3.Connection], None]
) -> Salvaged:
    """Copy what `old` still reads into a new database at `target` (made with `make_schema`)."""
    counts = dict.fromkeys(TABLES, 0)
    skipped = 0
    new = sqlite3.connect(target, isolation_level=None)
    try:
        make_schema(new)
        new.execute("PRAGMA foreign_keys = OFF")  # orphan turns are adopted below, not dropped
        columns = {table: [row[1] for row in new.execute(f"PRAGMA table_info({table})")] for table in TABLES}
        uppers: dict[str, int] = {}
        new.execute("BEGIN")
        for table in TABLES:
            uppers[table] = _readable_upper(old, table)
            for row in _rows(old, table, uppers[table]):
                if row is None:
                    skipped += 1
                    continue
                names = [name for name in row.keys() if name in columns[table]]  # noqa: SIM118 (a Row iterates values)
                try:
                    new.execute(
                        f"INSERT OR IGNORE INTO {table} ({', '.join(names)})"
                        f" VALUES ({', '.join('?' for _ in names)})",
                        [row[name] for name in names],
                    )
                except sqlite3.Error:
                    skipped += 1  # a value the schema refuses (a damaged NOT NULL column)
                    continue
                counts[table] += 1
        placeholders = _adopt_orphans(new)
        _carry_sequences(new, _sequences(old), uppers)
        new.execute("COMMIT")
    finally:
        new.close()
    return Salvaged(counts["conversations"], counts["turns"], skipped, placeholders)


def _adopt_orphans(new: sqlite3.Connection) -> int:
    """A conversation row for every set of turns whose own conversation row was lost."""
    orphans = new.execute(
        "SELECT conversation_id, min(created_at), max(created_at), min(model) FROM turns"
        " WHERE conversation_id NOT IN (SELECT id FROM conversations) GROUP BY conversation_id"
    ).fetchall()
    for conversation_id, first, last, model in orphans:
        new.execute(
            "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (conversation_id, f"Recovered conversation {conversation_id}", model or "", first, last),
        )
    return len(orphans)


def _carry_sequences(new: sqlite3.Connection, old: dict[str, int], uppers: dict[str, int]) -> None:
    """AUTOINCREMENT ids are never reused: not even one whose row could not be read."""
    for table in ("conversations", "compare_runs", "bench_runs"):
        floor = max(old.get(table, 0), uppers.get(table, 0))
        if new.execute("SELECT 1 FROM sqlite_sequence WHERE name = ?", (table,)).fetchone():
            new.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (floor, table))
        elif floor:
            new.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, floor))


INTEGRITY_FAILED = "SQLite's integrity check failed"
"""How a damage found by `PRAGMA quick_check` is named to the user (its raw rows go beside the file)."""


def damage_summary(reason: str) -> str:
    """`reason` as a person reads it: quick_check's rows ("*** in database main *** Page 4:
    btreeInitPage() returns error code 11 ...") become one phrase; SQLite's one-line errors
    ("database disk image is malformed") stay, as they are already a sentence."""
    if reason.startswith(INTEGRITY_FAILED) or "\n" in reason or "***" in reason or len(reason) > 80:
        return INTEGRITY_FAILED
    return f"SQLite: {reason}"


def keep_reason(moved: Path, reason: str) -> None:
    """The raw detail, for whoever looks into the damaged file: in a text file beside it."""
    with contextlib.suppress(OSError):
        moved.with_name(moved.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")


def recovery_notice(reason: str, moved: Path, saved: Salvaged) -> str:
    """What to tell the user, once, after a salvage: short, the raw `reason` left to `keep_reason`."""
    summary = damage_summary(reason)
    if not (saved.conversations or saved.turns):
        return f"The history file was unreadable ({summary}); it was moved to {moved} and a new one started."
    adopted = f" ({saved.placeholders} under “Recovered conversation …” titles)" if saved.placeholders else ""
    return (
        f"The history file was damaged ({summary}). Recovered {saved.conversations} conversation(s)"
        f" and {saved.turns} turn(s){adopted}; the damaged file was moved to {moved}."
    )
