"""The store's side of presets: a conversation's system prompt changed while it goes on (a preset
picked mid-chat), so a resumed conversation is sent the prompt it was last sent with."""

from __future__ import annotations

from glmtui.services.store import Store


def save_system(store: Store, conversation_id: int, system: str | None) -> None:
    """Set a saved conversation's system prompt (None: none)."""
    with store.transaction() as db:
        db.execute("UPDATE conversations SET system = ? WHERE id = ?", (system, conversation_id))


def saved_system(store: Store, conversation_id: int) -> str | None:
    """A saved conversation's system prompt (None: none, or no such conversation)."""
    rows = store.read("SELECT system FROM conversations WHERE id = ?", (conversation_id,))
    value = rows[0]["system"] if rows else None
    return value if isinstance(value, str) else None
