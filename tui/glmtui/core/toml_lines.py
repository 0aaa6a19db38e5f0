"""A TOML file's lines that are TOML, not the inside of a multi-line string: for finding a key's line.

The config's messages give file:line, found by scanning for `[table]` headers and `key =` lines. A
multi-line string (a system prompt in `\"\"\"` or `'''`) may hold lines that look like either
(`[Rules] Be brief.`, `temperature = 2`): they are text, and a scan must skip them. The rules are
TOML 1.0's (https://toml.io/en/v1.0.0#string): a basic string (`"`, `\"\"\"`) has backslash escapes, a
literal one (`'`, `'''`) has none, a `#` outside strings starts a comment, and a multi-line string's
closing delimiter may be followed by up to two more quotes that belong to its text.

No I/O and no Textual.
"""

from __future__ import annotations

from collections.abc import Iterator


def structure_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number from 1, line) for each line that starts outside a multi-line string."""
    inside = ""  # the delimiter of the multi-line string open at the end of the line so far
    for number, line in enumerate(text.splitlines(), 1):
        if not inside:
            yield number, line
        inside = _scan(line, inside)


def _scan(line: str, inside: str) -> str:
    """The multi-line string still open after `line`, given the one open before it ("" none)."""
    index = 0
    while index < len(line):
        if inside:
            if inside == '"""' and line[index] == "\\":
                index += 2  # an escape: an escaped quote does not close the string
                continue
            if line.startswith(inside, index):
                end = index + 3
                while end < len(line) and end - index < 5 and line[end] == inside[0]:
                    end += 1  # `""""` closes after the text's own quote: up to two belong to it
                index, inside = end, ""
                continue
            index += 1
            continue
        char = line[index]
        if char == "#":
            return ""  # a comment: the rest of the line is not TOML
        if line.startswith('"""', index) or line.startswith("'''", index):
            inside, index = line[index : index + 3], index + 3
            continue
        if char in "\"'":
            index = _string_end(line, index)
            continue
        index += 1
    return inside


def _string_end(line: str, start: int) -> int:
    """The index after the one-line string opening at `start` (the line's end when it is not closed)."""
    quote, index = line[start], start + 1
    while index < len(line):
        if quote == '"' and line[index] == "\\":
            index += 2
            continue
        if line[index] == quote:
            return index + 1
        index += 1
    return len(line)
