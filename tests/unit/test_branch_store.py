"""Branches in the store: parent_id and the leaf written, the tree read back, old files linear, a
missing parent repaired with a notice, the history list counting and searching every branch."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from glmtui.core import branches
from glmtui.core.state import Conversation, Turn, TurnStatus
from glmtui.screens.history import turns_shown
from glmtui.services.branch_store import leaf, set_leaf, shown_counts
from glmtui.services.journal import Journal
from glmtui.services.schema import MIGRATIONS
from glmtui.services.store import Store
from tests.helpers import db_rows


def done(prompt: str) -> Turn:
    return Turn(prompt=prompt, model="m", reply=f"re {prompt}", status=TurnStatus.DONE)


def save(store: Store, conversation: Conversation, turn: Turn, sibling_of: Turn | None = None) -> None:
    """What the chat does: into the tree, then saved with the parent the tree gives it."""
    if sibling_of is None:
        branches.append(conversation, turn)
    else:
        branches.add_sibling(conversation, turn, sibling_of)
    assert conversation.id is not None
    turn.id = store.start_turn(conversation.id, turn, parent_id=branches.parent_id(conversation, turn))
    store.finish_turn(turn.id, turn)


def prompts(conversation: Conversation | None) -> list[str]:
    assert conversation is not None
    return [t.prompt for t in conversation.turns]


def test_an_old_schema_file_with_linear_turns_opens_as_one_branch_and_continues(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:8]:  # a file from before migration 9: no parent_id, no leaf
        db.executescript(migration)
    db.execute("PRAGMA user_version = 8")
    db.execute("INSERT INTO conversations (title, model, created_at, updated_at) VALUES ('old', 'm', 1, 1)")
    for n, prompt in enumerate(["one", "two", "three"], 1):
        db.execute(
            "INSERT INTO turns (conversation_id, prompt, reply, model, status, created_at)"
            " VALUES (1, ?, ?, 'm', 'done', ?)",
            (prompt, f"re {prompt}", n),
        )
    db.commit()
    db.close()
    store = Store(path)
    conversation = store.load(1)
    assert prompts(conversation) == ["one", "two", "three"] and conversation is not None
    assert conversation.branches.notice is None
    save(store, conversation, done("four"))
    assert prompts(store.load(1)) == ["one", "two", "three", "four"]
    assert db_rows(path, "SELECT parent_id FROM turns ORDER BY id") == [(None,), (None,), (None,), (3,)]


def test_branches_are_stored_and_reopening_shows_the_branch_last_shown(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    conversation = Conversation(id=store.create_conversation("t", "m", None))
    assert conversation.id is not None
    a, b, b2, edited = done("a"), done("b"), done("b"), done("a edited")
    save(store, conversation, a)
    save(store, conversation, b)
    save(store, conversation, b2, sibling_of=b)  # regenerated
    reopened = store.load(conversation.id)
    assert reopened is not None and [t.id for t in reopened.turns] == [a.id, b2.id]
    assert branches.place(reopened, reopened.turns[1]) == (2, 2)
    assert b.id is not None
    set_leaf(store, conversation.id, b.id)  # the user moved back to the first reply
    assert [t.id for t in store.load(conversation.id).turns] == [a.id, b.id]  # type: ignore[union-attr]
    save(store, conversation, edited, sibling_of=a)  # the first prompt edited: a second root
    assert leaf(store, conversation.id) == edited.id
    assert db_rows(store.path, "SELECT parent_id FROM turns ORDER BY id") == [(0,), (a.id,), (a.id,), (0,)]
    assert prompts(store.load(conversation.id)) == ["a edited"]
    set_leaf(store, conversation.id, 999)  # not this conversation's turn: ignored
    assert leaf(store, conversation.id) == edited.id
    # The history list counts every saved turn (what deleting it deletes) and searches every branch;
    # beside it, the turns of the branch it opens on (`1 of 4`), by the rules it opens with.
    (row,) = store.conversations()
    assert row.turns == 4
    assert [r.id for r in store.conversations("re b")] == [conversation.id]
    assert shown_counts(store, (conversation.id, 12345)) == {conversation.id: 1}
    assert turns_shown(4, 1) == "1 of 4" and turns_shown(3, 3) == "3" and turns_shown(3, None) == "3"
    set_leaf(store, conversation.id, b2.id)  # back to the regenerated reply: two turns shown
    assert shown_counts(store, (conversation.id,)) == {conversation.id: 2}


def test_a_turn_whose_parent_row_is_gone_still_opens_with_a_notice(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    conversation = Conversation(id=store.create_conversation("t", "m", None))
    assert conversation.id is not None
    for prompt in ("a", "b", "c"):
        save(store, conversation, done(prompt))
    assert shown_counts(store, (conversation.id,)) == {conversation.id: 3}  # one line of turns
    with store.transaction() as db:  # an older file's rows: NULL parents follow the turn before them
        db.execute("UPDATE turns SET parent_id = NULL")
    assert shown_counts(store, (conversation.id,)) == {conversation.id: 3}
    with store.transaction() as db:  # a damaged row: its parent_id points nowhere
        db.execute("UPDATE turns SET parent_id = 4242 WHERE prompt = 'c'")
    reopened = store.load(conversation.id)
    assert prompts(reopened) == ["a", "b", "c"] and reopened is not None
    assert "lost the turn they follow" in (reopened.branches.notice or "")
    assert shown_counts(store, (conversation.id,)) == {conversation.id: 3}  # counted as it opens


def test_the_export_is_the_visible_branch_and_names_the_others() -> None:
    from glmtui.services.conversation_export import conversation_markdown

    conversation = Conversation(title="t")
    first, old = done("a"), done("b")
    branches.append(conversation, first)
    branches.append(conversation, old)
    new = Turn(prompt="b", model="m", reply="the newer answer", status=TurnStatus.DONE)
    branches.add_sibling(conversation, new, old)
    text = conversation_markdown(conversation, now=0)
    assert "the newer answer" in text and "re b" not in text
    assert "_branch 2 of 2 at prompt 2 (the others are in the history)_" in text
    assert 'branch: "the branch shown; others at prompt(s) 2"' in text and "turns: 2" in text
    plain = Conversation(title="t", turns=[done("a")])
    assert "branch" not in conversation_markdown(plain, now=0)  # a chat without branches: as before


class BusyOnB(Store):
    """A store whose write of the prompt "b" always finds the database busy (another glmtui held it
    past the retries): that save is lost, the ones after it go on."""

    def start_turn(self, conversation_id: int, turn: Turn, *args: Any, **kwargs: Any) -> int:
        if turn.prompt == "b":
            raise sqlite3.OperationalError("database is locked")
        return super().start_turn(conversation_id, turn, *args, **kwargs)


async def test_a_branch_after_a_failed_save_reopens_right_even_when_saved_again(tmp_path: Path) -> None:
    store = BusyOnB(tmp_path / "glmtui.db")
    journal = Journal(store, lambda _message: None)
    conversation = Conversation()

    async def say(turn: Turn, sibling_of: Turn | None = None) -> None:
        if sibling_of is None:
            branches.append(conversation, turn)
        else:
            branches.add_sibling(conversation, turn, sibling_of)
        await journal.turn_started(conversation, turn)
        await journal.turn_ended(turn)

    a, b, c, c2, d = done("a"), done("b"), done("c"), done("c"), done("d")
    for turn in (a, b, c):
        await say(turn)
    await say(c2, sibling_of=c)  # regenerated: beside c, after b (never saved)
    assert b.id is None and conversation.id is not None
    reopened = store.load(conversation.id)
    assert reopened is not None and [t.id for t in reopened.turns] == [a.id, c2.id]
    assert branches.place(reopened, reopened.turns[1]) == (2, 2)
    # Deleted in another glmtui meanwhile: the next prompt saves every branch again (journal._resave),
    # and b's save fails again there.
    store.delete(conversation.id)
    await say(d)
    assert conversation.id is not None and b.id is None
    reopened = store.load(conversation.id)
    assert reopened is not None and prompts(reopened) == ["a", "c", "d"]
    assert [t.id for t in reopened.turns] == [a.id, c2.id, d.id]
    assert branches.place(reopened, reopened.turns[1]) == (2, 2)
