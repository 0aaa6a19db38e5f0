"""`@path` completion in the prompt box, the rules without the file system: which `@word` the cursor is
in, how a typed path splits into the folder to list and the name typed so far, and which entries match.

The listing itself is services/attachments.py's (`complete_path`), the list on screen the widget's.
A path is absolute (`/etc/ho`), under the home folder (`~/no`) or relative to the working folder
(`src/gl`); folders complete with a trailing `/`, and hidden entries are offered only when the name
typed so far starts with `.` (as shells do).

The token rule (the README's "Files and images" says the same): a token is the word the cursor ends, when
that word starts with `@`; words end at whitespace, as in a shell, and a backslash escapes the character
after it. So an `@` inside a path is part of it (`@node_modules/@types/`, npm's scoped packages), and
`me@host` is no token. A completion that holds whitespace or a backslash is inserted with each escaped
(`@My\\ Documents/`) and read back the same way, so an accepted folder with a space still completes.
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
    path: str  # what follows the `@` up to the cursor, its escapes undone (the path itself)


def at_token(line: str, column: int) -> AtToken | None:
    """The `@path` token ending at `column` of `line`, or None.

    The token is the word ending at the cursor (words end at whitespace not escaped by a backslash),
    when that word starts with `@`: so `me@host` is no path, and an `@` inside a path is part of it.
    Only the part before the cursor counts: completion replaces it."""
    before = line[:column]
    start = _word_start(before)
    if not before.startswith("@", start):
        return None
    return AtToken(start, column, unescape(before[start + 1 :]))


def _word_start(before: str) -> int:
    """Where the last word of `before` starts: after its last whitespace not escaped by a backslash."""
    start = 0
    index = 0
    while index < len(before):
        char = before[index]
        if char == "\\":
            index += 2  # the escaped character belongs to the word, whatever it is
            continue
        if char.isspace():
            start = index + 1
        index += 1
    return start


def escape(path: str) -> str:
    """`path` as it goes into the prompt: whitespace and backslashes escaped by a backslash."""
    return "".join("\\" + char if char.isspace() or char == "\\" else char for char in path)


def unescape(typed: str) -> str:
    """A typed path with its escapes undone (`My\\ Documents/` → `My Documents/`); a trailing lone
    backslash (an escape being typed) is left out."""
    out: list[str] = []
    index = 0
    while index < len(typed):
        char = typed[index]
        if char == "\\":
            out.append(typed[index + 1 : index + 2])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


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
    """`line` with the token's path replaced by `path`, escaped (the `@` kept), and the cursor's new
    column."""
    typed = escape(path)
    text = line[: token.start + 1] + typed + line[token.end :]
    return text, token.start + 1 + len(typed)


def removed(line: str, token: AtToken) -> tuple[str, int]:
    """`line` without the token (an accepted file became a chip), and the cursor's new column."""
    return line[: token.start] + line[token.end :], token.start
