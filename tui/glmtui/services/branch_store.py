"""Branches in the history database: which branch of a conversation is shown.

Functions over a `Store` (its `read` and `transaction`), beside it rather than in it; the app calls them
through `await app.journal.run(fn, app.journal.store, ...)`. Each turn's `parent_id` is written with
the turn (`Store.start_turn`), which also makes a new turn the conversation's leaf; moving between
branches changes only the leaf, written here, so reopening shows the branch last shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from glmtui.core.branches import restore
from glmtui.core.state import Conversation, Turn
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


def shown_counts(store: Store, conversation_ids: Sequence[int]) -> dict[int, int]:
    """The number of turns on the branch each conversation opens on, by the rules it opens with
    (`branches.restore` over its rows' ids and parent ids, and its stored leaf): the history list's
    count, where a count of rows would add every regenerated reply and edited prompt."""
    counts: dict[int, int] = {}
    for start in range(0, len(conversation_ids), _CHUNK):
        chunk = tuple(conversation_ids[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        leaves = {
            int(row[0]): row[1]
            for row in store.read(f"SELECT id, leaf_turn_id FROM conversations WHERE id IN ({marks})", chunk)
        }
        shapes: dict[int, list[tuple[int, int | None]]] = {cid: [] for cid in leaves}
        rows = store.read(
            f"SELECT conversation_id, id, parent_id FROM turns WHERE conversation_id IN ({marks})"
            " ORDER BY id",
            chunk,
        )
        for conversation_id, turn_id, parent_id in rows:
            shapes[int(conversation_id)].append((int(turn_id), parent_id))
        for conversation_id, shape in shapes.items():
            if _linear(shape):  # most conversations: every turn follows the one before it
                counts[conversation_id] = len(shape)
                continue
            conversation = Conversation()
            leaf = leaves.get(conversation_id)
            restore(conversation, [_bare(turn_id, parent) for turn_id, parent in shape], leaf)
            counts[conversation_id] = len(conversation.turns)
    return counts


def _linear(shape: list[tuple[int, int | None]]) -> bool:
    """Whether each turn follows the one saved before it (NULL, or that turn's id; the first a root)."""
    previous: int | None = None
    for turn_id, parent in shape:
        if parent is not None and parent != (previous if previous is not None else 0):
            return False
        previous = turn_id
    return True


def _bare(turn_id: int, parent: int | None) -> tuple[Turn, int | None]:
    """A turn with its id alone (no text is read for a count), and its row's parent id."""
    turn = Turn(prompt="", model="")
    turn.id = turn_id
    return turn, parent


_CHUNK = 400  # conversation ids per query: SQLite allows at least 999 parameters
