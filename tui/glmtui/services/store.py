"""SQLite storage: conversations, their turns (prompt, reply, thinking, model, digest, options, stats),
A/B runs with their votes, and a few remembered settings.

One file at platformdirs' user_data_dir, WAL mode so two glmtui instances can share it (a busy
database is retried for a few seconds, not failed). The schema is versioned with PRAGMA
user_version; `MIGRATIONS[n]` takes a database from version n to n + 1, so an old file is upgraded
in place. A file that is not a glmtui database (garbage, or someone else's) is moved aside with a
timestamp, never deleted, and a fresh one started. A glmtui database with damaged pages (found at open,
by `check()`, or by an error in use) is salvaged: what still reads is copied into a fresh file
(services/salvage.py) and the damaged one is moved aside beside it. Calls are synchronous and
thread-safe: the UI runs them with `asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from glmtui.core.branches import restore
from glmtui.core.load_check import Correction
from glmtui.core.state import Conversation, Turn, TurnStatus
from glmtui.services.salvage import (
    DERIVED_TABLES,
    INTEGRITY_FAILED,
    TABLES,
    Salvaged,
    keep_reason,
    recovery_notice,
    salvage,
)
from glmtui.services.schema import MIGRATIONS, SCHEMA_VERSION, statements
from glmtui.services.turn_rows import turn_from_row

BUSY_TIMEOUT_S = 5.0
OUR_TABLES = {*TABLES, *DERIVED_TABLES}  # every table a glmtui schema makes


class StoreError(Exception):
    """The database cannot be used (read-only folder, disk trouble). The app chats without saving."""


class NotOurs(sqlite3.DatabaseError):
    """A database, but another program's: moved aside whole, nothing copied out of it."""


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One line of the history list."""

    id: int
    title: str
    model: str
    updated_at: float
    turns: int


class Store:
    """glmtui's database. `notice` says what happened on open (e.g. a corrupt file moved aside)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice: str | None = None
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the history database {path}: {exc}") from exc

    # -- opening, migrating, recovering ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _open(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = None
        try:
            db = self._connect()
            self._check_ours(db)
            db.execute("PRAGMA journal_mode = WAL")
            self._migrate(db)
            return db
        except sqlite3.OperationalError:
            raise  # cannot open, read-only, locked, disk I/O: the file may be fine, so leave it be
        except NotOurs as exc:  # another program's database: move it aside, never delete
            moved = self._move_aside()
            self.notice = (
                f"The history database was unreadable ({exc}); it was moved to {moved} and a new one started."
            )
            return self._fresh()
        except sqlite3.DatabaseError as exc:  # damaged, or not a database at all: keep what reads
            if db is None:
                raise
            self._db = db
            saved, moved = self._salvage_into_place()
            keep_reason(moved, str(exc))
            self.notice = recovery_notice(str(exc), moved, saved)
            return self._db

    def _fresh(self) -> sqlite3.Connection:
        db = self._connect()
        db.execute("PRAGMA journal_mode = WAL")
        self._migrate(db)
        return db

    def check(self) -> str | None:
        """`PRAGMA quick_check` (reads the whole file: run it off the UI thread): None when sound,
        else what is wrong."""
        with self._lock:
            try:
                rows = [str(row[0]) for row in self._db.execute("PRAGMA quick_check(5)")]
            except sqlite3.OperationalError:
                raise  # busy, or the disk: not damage to salvage
            except sqlite3.DatabaseError as exc:  # damage bad enough that the check itself fails
                return str(exc)
        # The rows (SQLite's own wording, page numbers) are for the file kept aside, not for a toast.
        return None if rows == ["ok"] else f"{INTEGRITY_FAILED}:\n" + "\n".join(rows)

    def salvage(self, reason: str) -> str:
        """Copy what still reads into a fresh file, move the damaged one aside (never deleted) and go
        on with the fresh one. Returns what to tell the user."""
        with self._lock:
            saved, moved = self._salvage_into_place()
            keep_reason(moved, reason)
            return recovery_notice(reason, moved, saved)

    def _salvage_into_place(self) -> tuple[Salvaged, Path]:
        fresh = self.path.with_name(self.path.name + ".salvaging")
        for leftover in (fresh, fresh.with_name(fresh.name + "-journal")):
            leftover.unlink(missing_ok=True)  # our own half-made copy from a salvage cut short
        saved = salvage(self._db, fresh, self._migrate)
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        moved = self._move_aside()
        fresh.rename(self.path)
        self._db = self._fresh()
        return saved, moved

    def _check_ours(self, db: sqlite3.Connection) -> None:
        """Raise DatabaseError for a file that is not a glmtui database (corrupt, or another app's)."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if tables - OUR_TABLES - {"sqlite_sequence"}:
            raise NotOurs(f"not a glmtui database (tables: {', '.join(sorted(tables))})")
        if version > SCHEMA_VERSION:
            # A newer glmtui's history is fine, just not for this version to write: leave it alone.
            raise sqlite3.OperationalError(
                f"it was written by a newer glmtui (schema {version}); update glmtui"
            )

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        counter = 2
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.unreadable-{stamp}-{counter}")
            counter += 1
        self.path.rename(target)
        for suffix in ("-wal", "-shm"):  # WAL files belong to the old file: keep them beside it
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """One step per transaction; the version is read inside it, under the write lock, so two
        glmtui instances starting together on a new file never both run the same step."""
        while True:
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    db.execute("COMMIT")
                    return
                for statement in statements(MIGRATIONS[version]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self.transaction() as db:
            yield db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on any error), for the query
        modules that keep their own tables' SQL beside their own code (bench, arena, usage)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Every row of one read-only query, under the store's lock (rows index by name and position)."""
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- conversations and turns -------------------------------------------------------------------

    def create_conversation(self, title: str, model: str, system: str | None) -> int:
        now = time.time()
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, model, system, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (title, model, system, now, now),
            )
            return int(cursor.lastrowid or 0)

    def start_turn(
        self,
        conversation_id: int,
        turn: Turn,
        digest: str = "",
        options: dict[str, Any] | None = None,
        parent_id: int | None = None,
    ) -> int:
        """Save the prompt before the reply starts: if glmtui dies mid-reply, the prompt survives.
        `parent_id`: the turn it follows (0: a root; None: the turn saved before it), core/branches.py."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO turns (conversation_id, prompt, model, model_digest, think, options, status,"
                " created_at, endpoint, preset, images, parent_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    turn.prompt,
                    turn.model,
                    digest,
                    turn.think,
                    json.dumps(options if options is not None else turn.options),
                    TurnStatus.STREAMING.value,
                    turn.created_at,
                    turn.endpoint,
                    turn.preset,
                    json.dumps([asdict(image) for image in turn.images]),
                    parent_id,
                ),
            )
            # A new turn is always the end of the branch shown (core/branches.py): the leaf.
            db.execute(
                "UPDATE conversations SET updated_at = ?, model = ?, endpoint = ?, leaf_turn_id = ?"
                " WHERE id = ?",
                (time.time(), turn.model, turn.endpoint, cursor.lastrowid, conversation_id),
            )
            return int(cursor.lastrowid or 0)

    def finish_turn(self, turn_id: int, turn: Turn) -> None:
        """The reply ended (done, stopped or failed): its text, thinking, figures and status.
        (The row must still be this turn's: after a salvage lost it, its id may be another's.)"""
        with self._tx() as db:
            db.execute(
                "UPDATE turns SET reply = ?, thinking = ?, status = ?, error = ?, stats = ?, tool_calls = ?"
                " WHERE id = ? AND created_at = ?",
                (
                    turn.reply,
                    turn.thinking,
                    turn.status.value,
                    turn.error,
                    json.dumps(asdict(turn.stats)),
                    json.dumps([asdict(call) for call in turn.tool_calls]),
                    turn_id,
                    turn.created_at,
                ),
            )

    def save_partial(self, turn_id: int, turn: Turn) -> None:
        """The reply so far, while it streams: if glmtui dies, it loads as a stopped reply with this
        text, these figures and the tool calls that arrived. Never over a turn that has ended (a late
        partial loses to the end)."""
        with self._tx() as db:
            db.execute(
                "UPDATE turns SET reply = ?, thinking = ?, stats = ?, tool_calls = ?"
                " WHERE id = ? AND created_at = ? AND status = ?",
                (
                    turn.reply,
                    turn.thinking,
                    json.dumps(asdict(turn.stats)),
                    json.dumps([asdict(call) for call in turn.tool_calls]),
                    turn_id,
                    turn.created_at,
                    TurnStatus.STREAMING.value,
                ),
            )

    def conversations(self, search: str = "", limit: int = 500) -> list[ConversationRow]:
        """Newest first; `search` matches titles, prompts and replies (case-insensitive)."""
        query = (
            "SELECT c.id, c.title, c.model, c.updated_at, "
            "(SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id) AS turns FROM conversations c"
        )
        params: list[Any] = []
        if search.strip():
            escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"  # what was typed, literally: % and _ are not wildcards here
            query += (
                " WHERE c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t"
                " WHERE t.conversation_id = c.id"
                " AND (t.prompt LIKE ? ESCAPE '\\' OR t.reply LIKE ? ESCAPE '\\'))"
            )
            params += [like, like, like]
        query += " ORDER BY c.updated_at DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            return [
                ConversationRow(r["id"], r["title"], r["model"], r["updated_at"], r["turns"])
                for r in self._db.execute(query, params)
            ]

    def load(self, conversation_id: int) -> Conversation | None:
        """A conversation with every turn, on every branch (None if it is gone: another instance may have
        deleted it). A turn still 'streaming' was cut off by a crash: it loads as stopped."""
        with self._lock:
            head = self._db.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if head is None:
                return None
            rows = self._db.execute(
                "SELECT * FROM turns WHERE conversation_id = ? ORDER BY id", (conversation_id,)
            ).fetchall()
        conversation = Conversation(
            system=head["system"], id=head["id"], title=head["title"], endpoint=head["endpoint"]
        )
        restore(conversation, [(turn_from_row(row), row["parent_id"]) for row in rows], head["leaf_turn_id"])
        return conversation

    def last_conversation_id(self) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT id FROM conversations ORDER BY updated_at DESC LIMIT 1").fetchone()
        return None if row is None else int(row[0])

    def rename(self, conversation_id: int, title: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def delete(self, conversation_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- A/B runs and settings ---------------------------------------------------------------------

    def save_compare_run(
        self,
        run_id: int | None,
        *,
        model_a: str,
        model_b: str,
        blind: bool,
        vote: str | None,
        rounds: list[dict[str, Any]],
        created_at: float,
        endpoint_a: str = "",
        endpoint_b: str = "",
    ) -> int:
        """Insert or update one run (rounds as JSON: prompts, models, statuses, figures)."""
        with self._tx() as db:
            if run_id is None:
                cursor = db.execute(
                    "INSERT INTO compare_runs (created_at, model_a, model_b, blind, vote, rounds,"
                    " endpoint_a, endpoint_b) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        created_at,
                        model_a,
                        model_b,
                        int(blind),
                        vote,
                        json.dumps(rounds),
                        endpoint_a,
                        endpoint_b,
                    ),
                )
                return int(cursor.lastrowid or 0)
            db.execute(
                "UPDATE compare_runs SET model_a = ?, model_b = ?, blind = ?, vote = ?, rounds = ?,"
                " endpoint_a = ?, endpoint_b = ? WHERE id = ?",
                (model_a, model_b, int(blind), vote, json.dumps(rounds), endpoint_a, endpoint_b, run_id),
            )
            return run_id

    def votes(self) -> list[tuple[str, str, str, int, str, str]]:
        """(model_a, model_b, vote, rounds, endpoint_a, endpoint_b) of every voted blind run, oldest
        first (endpoints '' for runs saved before they were recorded)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT model_a, model_b, vote, rounds, endpoint_a, endpoint_b FROM compare_runs"
                " WHERE vote IS NOT NULL ORDER BY id"
            ).fetchall()
        votes = []
        for model_a, model_b, vote, rounds, endpoint_a, endpoint_b in rows:
            try:
                count = len(json.loads(rounds))
            except (ValueError, TypeError, RecursionError):
                count = 0  # a damaged rounds column still leaves the vote itself
            votes.append((model_a, model_b, vote, count, endpoint_a, endpoint_b))
        return votes

    def get_setting(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- VRAM estimate corrections -----------------------------------------------------------------

    def save_correction(self, correction: Correction) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO fit_corrections (digest, model, ratio, context, measured, measured_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(digest) DO UPDATE SET model = excluded.model, "
                "ratio = excluded.ratio, context = excluded.context, measured = excluded.measured, "
                "measured_at = excluded.measured_at",
                (
                    correction.digest,
                    correction.model,
                    correction.ratio,
                    correction.context,
                    correction.measured,
                    correction.measured_at,
                ),
            )

    def corrections(self) -> list[Correction]:
        with self._lock:
            rows = self._db.execute(
                "SELECT digest, model, ratio, context, measured, measured_at FROM fit_corrections"
            ).fetchall()
        found = []
        for digest, model, ratio, context, measured, when in rows:
            try:
                found.append(
                    Correction(
                        str(digest), str(model), float(ratio), int(context), int(measured), float(when)
                    )
                )
            except (TypeError, ValueError):
                continue  # a damaged row costs that model its correction, nothing else
        return found
