"""`@path` completion in the prompt box, the rules without the file system: which `@word` the cursor is
in, how a typed path splits into the folder to list and the name typed so far, and which entries match.

The listing itself is services/attachments.py's (`complete_path`), the list on screen the widget's.
A path is absolute (`/etc/ho`), under the home folder (`~/no`) or relative to the working folder
(`src/gl`); folders complete with a trailing `/`, and hidden entries are offered only when the name
typed so far starts with `.` (as shells do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_COMPLETIONS = 50  # a long folder lists its first matches; typing narrows it


@dataclass(frozen=True, slots=True)
class AtToken:
    """The `@path` the cursor is at the end of: where its `@` is on the line, and the path typed."""

    start: int  # the column of the `@`
    end: int  # the cursor's column (the token ends there)
    path: str  # what follows the `@` up to the cursor


def at_token(line: str, column: int) -> AtToken | None:
    """The `@path` token ending at `column` of `line`, or None.

    The `@` starts the line or follows whitespace (so `me@host` is no path), and the path holds no
    whitespace. Only the part before the cursor counts: completion replaces it."""
    before = line[:column]
    at = before.rfind("@")
    if at < 0 or (at > 0 and not before[at - 1].isspace()):
        return None
    path = before[at + 1 :]
    if any(char.isspace() for char in path):
        return None
    return AtToken(at, column, path)


def split_path(path: str) -> tuple[str, str]:
    """(the folder part as typed, up to and with its last `/`; the name typed after it)."""
    cut = path.rfind("/") + 1
    return path[:cut], path[cut:]


def matches(name: str, entries: Iterable[tuple[str, bool]], limit: int = MAX_COMPLETIONS) -> list[str]:
    """The entries (name, is a folder) whose names start with `name`, folders with a trailing `/`,
    sorted by name (case-insensitively); hidden ones only when `name` starts with a `.`."""
    hidden = name.startswith(".")
    found = [
        entry + ("/" if is_dir else "")
        for entry, is_dir in entries
        if entry.startswith(name) and (hidden or not entry.startswith("."))
    ]
    found.sort(key=lambda entry: (entry.lower(), entry))
    return found[:limit]


def replaced(line: str, token: AtToken, path: str) -> tuple[str, int]:
    """`line` with the token's path replaced by `path` (the `@` kept), and the cursor's new column."""
    text = line[: token.start + 1] + path + line[token.end :]
    return text, token.start + 1 + len(path)


def removed(line: str, token: AtToken) -> tuple[str, int]:
    """`line` without the token (an accepted file became a chip), and the cursor's new column."""
    return line[: token.start] + line[token.end :], token.start
