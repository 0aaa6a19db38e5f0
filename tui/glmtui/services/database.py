"""The history database's file: opening it, migrating its schema, recovering it, and transactions.

One file at platformdirs' user_data_dir, WAL mode so two glmtui instances can share it (a busy
database is retried for a few seconds, not failed). The schema is versioned with PRAGMA
user_version; `MIGRATIONS[n]` takes a database from version n to n + 1, so an old file is upgraded
in place. A file that is not a glmtui database (garbage, or someone else's) is moved aside with a
timestamp, never deleted, and a fresh one started. A glmtui database with damaged pages (found at open,
by `check()`, or by an error in use) is salvaged: what still reads is copied into a fresh file
(services/salvage.py) and the damaged one is moved aside beside it. Calls are synchronous and
thread-safe: the UI runs them with `asyncio.to_thread`. The queries are `Store`'s (services/store.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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

BUSY_TIMEOUT_S = 5.0
OUR_TABLES = {*TABLES, *DERIVED_TABLES}  # every table a glmtui schema makes


class StoreError(Exception):
    """The database cannot be used (read-only folder, disk trouble). The app chats without saving."""


class NotOurs(sqlite3.DatabaseError):
    """A database, but another program's: moved aside whole, nothing copied out of it."""


class Database:
    """One glmtui database file, open: `notice` says what happened on open (e.g. a corrupt file moved
    aside). `Store` adds glmtui's queries to it."""

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
