"""SQLite storage: conversations, their turns (prompt, reply, thinking, model, digest, options, stats),
A/B runs with their votes, a few remembered settings and the VRAM estimates' corrections.

`Store` is glmtui's database: the file's opening, migrating, recovering and transactions are
`Database`'s (services/database.py); the queries are here, and those of the newer tables in their own
modules beside it (bench_store.py, arena_store.py...), as functions over a `Store`.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from glmtui.core.branches import restore
from glmtui.core.load_check import Correction
from glmtui.core.state import Conversation, Turn, TurnStatus
from glmtui.services.database import Database
from glmtui.services.database import StoreError as StoreError  # re-exported: the store's own error
from glmtui.services.turn_rows import turn_from_row


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One line of the history list."""

    id: int
    title: str
    model: str
    updated_at: float
    turns: int


class Store(Database):
    """glmtui's database. `notice` says what happened on open (e.g. a corrupt file moved aside)."""

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
