"""Branches in the history database: which branch of a conversation is shown.

Functions over a `Store` (its `read` and `transaction`), beside it rather than in it; the app calls them
through `await app.journal.run(fn, app.journal.store, ...)`. Each turn's `parent_id` is written with
the turn (`Store.start_turn`), which also makes a new turn the conversation's leaf; moving between
branches changes only the leaf, written here, so reopening shows the branch last shown.
"""

from __future__ import annotations

from glmtui.services.store import Store


def set_leaf(store: Store, conversation_id: int, turn_id: int) -> None:
    """The visible branch now ends at `turn_id` (a turn of this conversation: another's is ignored)."""
    with store.transaction() as db:
        db.execute(
            "UPDATE conversations SET leaf_turn_id = ? WHERE id = ?"
            " AND EXISTS (SELECT 1 FROM turns WHERE id = ? AND conversation_id = ?)",
            (turn_id, conversation_id, turn_id, conversation_id),
        )


def leaf(store: Store, conversation_id: int) -> int | None:
    """The stored leaf of a conversation (None: none stored, or no such conversation)."""
    rows = store.read("SELECT leaf_turn_id FROM conversations WHERE id = ?", (conversation_id,))
    return None if not rows or rows[0][0] is None else int(rows[0][0])
