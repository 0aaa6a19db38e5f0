"""Reading a saved turn back: one `turns` row as a `Turn`, each JSON column checked on its own.

Beside the store (services/store.py), which writes the rows and calls this to read them; apart from it
because every column added to a turn (options, preset, images, tool calls) brings its own tolerant read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from glmtui.core.state import GenerationStats, ImageAttachment, ToolCall, Turn, TurnStatus

_T = TypeVar("_T")


def turn_from_row(row: sqlite3.Row) -> Turn:
    """A `turns` row as a Turn. A damaged column costs only itself: bad stats read as none, a bad options,
    images or tool_calls column as empty, an unknown status as stopped; a row still 'streaming' was cut
    off by a crash and reads as stopped, with that said."""
    try:
        figures = json.loads(row["stats"] or "{}")
        stats = GenerationStats(**{k: v for k, v in figures.items() if k in GenerationStats.__slots__})
    except (ValueError, TypeError, RecursionError):
        stats = GenerationStats()
    status = (
        TurnStatus(row["status"]) if row["status"] in TurnStatus._value2member_map_ else TurnStatus.STOPPED
    )
    error = row["error"]
    if status is TurnStatus.STREAMING:
        status, error = TurnStatus.STOPPED, "glmtui closed before the reply finished"
    turn = Turn(
        prompt=row["prompt"],
        model=row["model"],
        think=row["think"],
        reply=row["reply"],
        thinking=row["thinking"],
        status=status,
        error=error,
        stats=stats,
        created_at=row["created_at"],
        endpoint=row["endpoint"],
        options=_json_object(row["options"]),
        preset=row["preset"] or "",
        images=tuple(_records(row["images"], ImageAttachment, {"name": str, "size": int, "data": str})),
        tool_calls=tuple(_records(row["tool_calls"], ToolCall, {"name": str, "arguments": str, "id": str})),
    )
    turn.id = row["id"]
    return turn


def _json_object(text: str | None) -> dict[str, Any]:
    """A JSON object column; a damaged one reads as empty (the turn itself still loads)."""
    try:
        value = json.loads(text or "{}")
    except (ValueError, TypeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _records(text: str | None, kind: Callable[..., _T], fields: dict[str, type]) -> Iterator[_T]:
    """The well-typed entries of a JSON list column of records; a damaged entry (or column) is skipped,
    so one bad image or tool call never costs the turn."""
    try:
        entries = json.loads(text or "[]")
    except (ValueError, TypeError, RecursionError):
        return
    if not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, dict) and all(
            isinstance(entry.get(name), typ) and not isinstance(entry.get(name), bool)
            for name, typ in fields.items()
            if name in entry or name != "id"
        ):
            yield kind(**{name: entry[name] for name in fields if name in entry})
