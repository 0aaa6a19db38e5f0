"""Sessions: the app's history — opening the store, saving as the chat goes, resuming a conversation.

Owned by the app (it outlives every screen). The store is opened before the first frame, because it
is a few milliseconds and the remembered theme must be known before anything is drawn; every later
read and write goes through the Journal, in a thread.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from glmtui.core.model_names import same_model
from glmtui.services.compare import VoteRecord
from glmtui.services.journal import Journal
from glmtui.services.store import Store, StoreError
from glmtui.services.trace import trace

if TYPE_CHECKING:
    from glmtui.app import GlmTuiApp

THEME_KEY = "theme"


class Sessions:
    """The store, the journal over it, and the problems to tell the user once the app is up."""

    def __init__(self, app: GlmTuiApp, path: Path | None) -> None:
        self.app = app
        self.problems: list[str] = []
        self.remembered_theme: str | None = None
        store: Store | None = None
        if path is not None:
            try:
                store = Store(path)
                if store.notice:
                    self.problems.append(store.notice)
                self.remembered_theme = store.get_setting(THEME_KEY)
            except StoreError as exc:
                self.problems.append(
                    f"History is off for this session: {exc}. Chatting works; nothing is saved."
                )
                store = None
            except Exception as exc:
                self.problems.append(f"History is off for this session: {type(exc).__name__}: {exc}.")
                store = None
        self.journal = Journal(store, self._problem)

    def _problem(self, message: str) -> None:
        self.app.notify(message, title="History", severity="error", timeout=10)

    async def load_votes(self) -> None:
        """Earlier sessions' blind votes, so the tally per model pair covers them too."""
        stored = [VoteRecord(a, b, vote, rounds) for a, b, vote, rounds in await self.journal.votes()]  # type: ignore[arg-type]
        self.app.compare_votes[:0] = stored

    def remember_theme(self, name: str) -> None:
        self.app.run_worker(
            self.journal.remember(THEME_KEY, name), group="remember-theme", exit_on_error=False
        )

    async def resume(self, conversation_id: int | None) -> bool:
        """Open a saved conversation in the chat (the model of its last turn, if installed)."""
        from glmtui.screens.chat import ChatScreen

        app = self.app
        if conversation_id is None:
            app.notify("No saved conversation to continue yet.", timeout=3)
            return False
        trace("resume_start", id=conversation_id)
        chat = next(s for s in app.screen_stack if isinstance(s, ChatScreen))
        # A reply streaming now is stopped and saved first: resuming that same conversation must
        # read it back with its partial text (the model is sent what the user saw).
        if chat.pane.is_streaming:
            await chat.pane.stop_and_wait()
            last = chat.pane.conversation.turns[-1] if chat.pane.conversation.turns else None
            if last is not None:
                await self.journal.turn_ended(last)
        # Saved replies render as Markdown at once: import it (~0.2 s) while the turns are read.
        _, conversation = await asyncio.gather(
            asyncio.to_thread(importlib.import_module, "rich.markdown"), self.journal.load(conversation_id)
        )
        trace("resume_loaded", turns=len(conversation.turns) if conversation else 0)
        if conversation is None:
            app.notify("That conversation no longer exists (deleted in another glmtui?).", severity="warning")
            return False
        while app.screen is not chat:
            await app.pop_screen()
        await chat.pane.load(conversation)
        chat.show_last(conversation.turns[-1] if conversation.turns else None)
        trace("resume_mounted")
        last_model = conversation.turns[-1].model if conversation.turns else None
        if last_model and not same_model(last_model, app.model):
            if app.is_installed(last_model):
                await app.switch_model(last_model)
            else:
                app.notify(
                    f"It was with {last_model}, which is not installed: it continues with {app.model}.",
                    severity="warning",
                    timeout=6,
                )
        app.notify(f"Resumed “{conversation.title}” ({len(conversation.turns)} turns).", timeout=3)
        return True
