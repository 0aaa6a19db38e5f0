"""The app's side of the store: save as the chat goes, in a thread, and never let a storage problem
stop the chat.

The prompt is written before the request goes out (so it survives a crash), the reply so far while
it streams (every few seconds and at Markdown block boundaries: a crash loses at most those seconds),
and the reply when it ends, whatever the ending. A damaged database (found by `check()`, run once
after the first frame, or by an error in use) is salvaged into a fresh file once and saving goes on;
any other storage error is reported once and saving stops; chatting carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

from glmtui.core.branches import every_turn, parent_id
from glmtui.core.load_check import Correction
from glmtui.core.markdown_blocks import settle_point
from glmtui.core.sanitize import sanitize
from glmtui.core.state import Conversation, Turn
from glmtui.services.compare import SIDES, CompareRun
from glmtui.services.salvage import damage_summary
from glmtui.services.store import ConversationRow, Store, StoreError

T = TypeVar("T")
TITLE_LENGTH = 60
PARTIAL_EVERY_S = 3.0  # a streaming reply is saved at least this often (a crash loses at most this)
PARTIAL_MIN_S = 1.0  # and at most this often, even when Markdown blocks settle faster


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file (SQLITE_CORRUPT, SQLITE_NOTADB), as opposed to a misuse or a full disk."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (11, 26)


def title_for(prompt: str) -> str:
    """A conversation's first title: its first prompt's first line, cut at a word (control
    characters made visible: a pasted escape sequence must not reach the terminal from a title)."""
    line = next((sanitize(part).strip() for part in prompt.splitlines() if part.strip()), "Untitled")
    if len(line) <= TITLE_LENGTH:
        return line
    return line[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


class Journal:
    """Saves conversations, turns and A/B runs through a Store, off the event loop."""

    def __init__(self, store: Store | None, on_problem: Callable[[str], None]) -> None:
        self.store = store
        self._tell = on_problem
        self.told: list[str] = []
        """What the journal has told the user (salvages, failures), oldest first."""
        self._lock = asyncio.Lock()  # one write at a time, in the order they were asked for
        self._salvaged = False  # a damaged file is salvaged once a session; damage again gives up
        self.partial_every_s = PARTIAL_EVERY_S  # tests shorten it
        # Per streaming turn id: when its partial was last saved, the last block boundary saved, and
        # whether a save is under way (a slow disk skips ticks instead of queueing them).
        self._partials: dict[int, tuple[float, int, bool]] = {}

    @property
    def enabled(self) -> bool:
        return self.store is not None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """`fn(*args)` in a thread, one store call at a time, with the journal's error handling: a
        storage problem is reported once and gives None, never an exception (an IntegrityError, a row
        gone under another instance, is the caller's). For the query modules beside the store
        (bench, arena, usage): `await journal.run(bench_store.save, journal.store, …)`."""
        return await self._run(fn, *args, **kwargs)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        store = self.store
        if store is None:
            return None
        async with self._lock:
            try:
                return await asyncio.to_thread(fn, *args, **kwargs)
            except sqlite3.IntegrityError:
                raise  # the row it points at is gone (another instance deleted it): the caller decides
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    # Another glmtui held the database past the retries: this write is lost, not the rest.
                    self._on_problem(f"The history database is busy ({exc}); this change was not saved.")
                    return None
                self._give_up(exc)
                return None
            except sqlite3.DatabaseError as exc:
                if not is_damage(exc):
                    self._give_up(exc)
                    return None
                # Damaged pages ("database disk image is malformed"): salvage, then go on saving.
                if not await self._salvage(store, str(exc)):
                    return None
                try:
                    return await asyncio.to_thread(fn, *args, **kwargs)
                except sqlite3.IntegrityError:
                    raise
                except (sqlite3.Error, OSError) as again:
                    self._give_up(again)
                    return None
            except (sqlite3.Error, OSError, StoreError) as exc:
                self._give_up(exc)
                return None

    async def check(self) -> None:
        """`PRAGMA quick_check` in a thread (it reads the whole file), once after the first frame;
        a damaged file is salvaged. Writes asked for meanwhile wait on the lock, so none is lost."""
        store = self.store
        if store is None:
            return
        async with self._lock:
            try:
                problem = await asyncio.to_thread(store.check)
            except sqlite3.OperationalError:
                return  # busy or unreadable just now: not damage; use will tell
            except sqlite3.DatabaseError as exc:
                if not is_damage(exc):
                    self._give_up(exc)
                    return
                problem = str(exc)
            if problem is not None:
                await self._salvage(store, problem)

    async def _salvage(self, store: Store, reason: str) -> bool:
        """Copy what reads into a fresh file and go on saving there (once a session). Under the lock."""
        if self._salvaged:
            self._give_up(sqlite3.DatabaseError(damage_summary(reason)))  # quick_check's rows: too raw
            return False
        self._salvaged = True
        try:
            notice = await asyncio.to_thread(store.salvage, reason)
        except (sqlite3.Error, OSError) as exc:
            self._give_up(exc)
            return False
        self._on_problem(notice)
        return True

    def _on_problem(self, message: str) -> None:
        self.told.append(message)
        self._tell(message)

    def _give_up(self, exc: BaseException) -> None:
        self.store = None
        self._on_problem(
            f"Saving stopped: the history database failed ({exc}). "
            "The chat goes on; this session is not saved from here."
        )

    async def turn_started(
        self,
        conversation: Conversation,
        turn: Turn,
        *,
        digest: str = "",
        options: dict[str, Any] | None = None,
    ) -> None:
        store = self.store
        if store is None:
            return
        for _ in range(2):
            if conversation.id is None:
                conversation.title = conversation.title or title_for(turn.prompt)
                conversation.id = await self._run(
                    store.create_conversation, conversation.title, turn.model, conversation.system
                )
                if conversation.id is None:
                    return
            try:
                parent = parent_id(conversation, turn)
                turn.id = await self._run(store.start_turn, conversation.id, turn, digest, options, parent)
                return
            except sqlite3.IntegrityError:
                # Deleted meanwhile by another glmtui, while this one shows it and goes on with it:
                # saved again as a new conversation with every turn on screen (the model is sent them
                # all, so a copy with only the new turn would not be this conversation).
                conversation.id = None
                await self._resave(store, conversation, turn)

    async def _resave(self, store: Store, conversation: Conversation, current: Turn) -> None:
        # Every branch, oldest first (a parent is saved before its children, so it has its new id).
        earlier = [t for t in every_turn(conversation) if t is not current]
        conversation.id = await self._run(
            store.create_conversation, conversation.title, current.model, conversation.system
        )
        if conversation.id is None:
            return
        for turn in earlier:
            turn.id = await self._run(
                store.start_turn, conversation.id, turn, parent_id=parent_id(conversation, turn)
            )
            if turn.id is not None:
                await self._run(store.finish_turn, turn.id, turn)
        self._on_problem(
            f"“{conversation.title}” was deleted in another glmtui while open here; "
            f"it is saved again with its {len(earlier) + 1} turn(s)."
        )

    def close(self) -> None:
        store, self.store = self.store, None
        if store is not None:
            with contextlib.suppress(sqlite3.Error):  # closing on the way out: nothing left to tell
                store.close()

    async def turn_ended(self, turn: Turn) -> None:
        if turn.id is not None:
            self._partials.pop(turn.id, None)
        if self.store is not None and turn.id is not None:
            await self._run(self.store.finish_turn, turn.id, turn)

    def partial_due(self, turn: Turn) -> bool:
        """Whether a streaming turn's text so far should be saved now: every `partial_every_s`, and
        when a Markdown block has settled (at most once a second). Cheap: it scans only new text."""
        if self.store is None or turn.id is None:
            return False
        saved_at, boundary, busy = self._partials.setdefault(turn.id, (time.monotonic(), 0, False))
        if busy:
            return False
        elapsed = time.monotonic() - saved_at
        if elapsed >= self.partial_every_s:
            return True
        settled = settle_point(turn.reply, boundary) > boundary
        return settled and elapsed >= min(PARTIAL_MIN_S, self.partial_every_s)

    async def turn_progress(self, partial: Turn) -> None:
        """Save a streaming turn as it stands (`partial`: a copy with the text and figures so far).
        It stays 'streaming' in the store, so after a crash it loads as a stopped partial reply."""
        store, turn_id = self.store, partial.id
        if store is None or turn_id is None:
            return
        boundary = settle_point(partial.reply, self._partials.get(turn_id, (0.0, 0, False))[1])
        self._partials[turn_id] = (time.monotonic(), boundary, True)
        try:
            await self._run(store.save_partial, turn_id, partial)
        finally:
            if turn_id in self._partials:  # not ended meanwhile
                self._partials[turn_id] = (time.monotonic(), boundary, False)

    async def compare_run(self, run: CompareRun) -> None:
        """Insert or update the run: its rounds (prompt, models, replies, figures) and its vote."""
        store = self.store
        if store is None or not run.rounds:
            return
        rounds = []
        for round_ in run.rounds:
            sides: dict[str, dict[str, Any] | None] = {}
            for side in SIDES:
                turn = round_.turn(side)
                sides[side] = (
                    None
                    if turn is None
                    else {
                        "model": turn.model,
                        "endpoint": turn.endpoint,
                        "think": turn.think,
                        "reply": turn.reply,
                        "thinking": turn.thinking,
                        "status": turn.status.value,
                        "error": turn.error,
                        "stats": asdict(turn.stats),
                    }
                )
            rounds.append({"prompt": round_.prompt, "mode": round_.mode, **sides})
        last = run.rounds[-1]
        # run.id is read when the write runs (writes queue on the lock), so a run is inserted once.
        saved = await self._run(
            lambda: store.save_compare_run(
                run.id,
                model_a=last.model_a,
                model_b=last.model_b,
                blind=run.blind,
                vote=run.vote,
                rounds=rounds,
                created_at=run.created_at,
                endpoint_a=last.endpoint_a,
                endpoint_b=last.endpoint_b,
            )
        )
        if saved is not None:
            run.id = saved

    async def conversations(self, search: str = "") -> list[ConversationRow]:
        return await self._run(self.store.conversations, search) or [] if self.store else []

    async def load(self, conversation_id: int) -> Conversation | None:
        return await self._run(self.store.load, conversation_id) if self.store else None

    async def last_id(self) -> int | None:
        return await self._run(self.store.last_conversation_id) if self.store else None

    async def rename(self, conversation_id: int, title: str) -> None:
        if self.store:
            await self._run(self.store.rename, conversation_id, title)

    async def delete(self, conversation_id: int) -> None:
        if self.store:
            await self._run(self.store.delete, conversation_id)

    def setting_now(self, key: str) -> str | None:
        """A setting read on the caller's thread: only before the first frame (the theme)."""
        if self.store is None:
            return None
        try:
            return self.store.get_setting(key)
        except sqlite3.Error:
            return None

    async def setting(self, key: str) -> str | None:
        return await self._run(self.store.get_setting, key) if self.store else None

    async def remember(self, key: str, value: str) -> None:
        if self.store:
            await self._run(self.store.set_setting, key, value)

    async def save_correction(self, correction: Correction) -> None:
        if self.store:
            await self._run(self.store.save_correction, correction)

    async def corrections(self) -> list[Correction]:
        return await self._run(self.store.corrections) or [] if self.store else []

    async def votes(self) -> list[tuple[str, str, str, int, str, str]]:
        return await self._run(self.store.votes) or [] if self.store else []


def open_journal(path: Path | None, on_problem: Callable[[str], None]) -> tuple[Journal, list[str]]:
    """Open the store at `path` (None: no history at all) and the journal over it.

    Runs before the first frame (a few milliseconds), because the remembered theme must be known
    before anything is drawn. Returns the problems to tell the user once the app is up; a store
    that cannot be opened turns history off for the session, it never stops the app starting.
    """
    problems: list[str] = []
    store: Store | None = None
    if path is not None:
        try:
            store = Store(path)
            if store.notice:
                problems.append(store.notice)
        except StoreError as exc:
            problems.append(f"History is off for this session: {exc}. Chatting works; nothing is saved.")
        except Exception as exc:
            problems.append(f"History is off for this session: {type(exc).__name__}: {exc}.")
    return Journal(store, on_problem), problems
