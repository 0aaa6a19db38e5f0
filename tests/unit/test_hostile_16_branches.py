"""Hostile tests for issue 16's regenerate / edit / branches (item 3, and "a branch whose stored parent
is missing"): the tree, what the store writes and reads back, the journal.

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from glmtui.core import branches
from glmtui.core.state import Conversation, Turn, TurnStatus
from glmtui.screens.chat_branches import ChatBranches
from glmtui.screens.chat_send import ChatSender
from glmtui.services.journal import Journal
from glmtui.services.store import Store


def done(prompt: str) -> Turn:
    return Turn(prompt=prompt, model="m", reply=f"re {prompt}", status=TurnStatus.DONE)


def stopped_unsent(prompt: str) -> Turn:
    """A prompt queued (Ollama offline, or the model not known yet) and stopped with Esc before it
    went out: ChatPane.stop closes it, it stays on the branch shown, and the journal never saw it."""
    return Turn(prompt=prompt, model="m", status=TurnStatus.STOPPED)


async def test_a_regenerated_turn_after_an_unsent_prompt_reopens_as_an_alternative(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    journal = Journal(store, lambda _message: None)
    conversation = Conversation()
    # What the chat does: Enter while Ollama is still listing models queues the prompt; Esc stops it
    # unsent (never written); then the user asks again once it is up, and regenerates that reply.
    branches.append(conversation, stopped_unsent("hello?"))
    first = done("what is a monad")
    branches.append(conversation, first)
    await journal.turn_started(conversation, first)
    await journal.turn_ended(first)
    again = done("what is a monad")
    branches.add_sibling(conversation, again, first)  # Ctrl+R: beside `first`, the same context
    await journal.turn_started(conversation, again)
    await journal.turn_ended(again)
    assert conversation.id is not None and first.id is not None and again.id is not None
    # In memory: one prompt on the branch shown, the regenerated reply.
    assert [t.prompt for t in conversation.turns if t.id is not None] == ["what is a monad"]

    reopened = store.load(conversation.id)
    assert reopened is not None
    # Reopened: the regenerated reply is an alternative of the first (‹ 2/2 ›), not a follow-up to it
    # (the next request would carry the question twice and both answers).
    assert [t.id for t in reopened.turns] == [again.id]
    assert branches.place(reopened, reopened.turns[0]) == (2, 2)


def test_enter_waits_while_another_branch_is_shown() -> None:
    """Alt+←/→ awaits the other branch's turns mounting: a prompt sent meanwhile would continue the
    branch being left (or the one not yet shown), so Enter is refused, said so, until it is shown."""
    said: list[str] = []
    app = SimpleNamespace(notify=lambda text, **_: said.append(text))
    host: Any = SimpleNamespace(app=app, pane=SimpleNamespace(is_busy=False))
    host.branches = ChatBranches(host)
    sender = ChatSender(host)
    assert not sender.refuses()
    host.branches.stepping = True
    assert sender.refuses() and "branch is being shown" in said[-1], said
