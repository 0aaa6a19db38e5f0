"""Find where streamed Markdown can be "settled": cut into blocks that will never change.

A block boundary is the end of a blank line outside a code fence. Text before the last such
boundary is complete Markdown and can be rendered once and frozen; only the text after it (the tail)
still changes as tokens arrive. Pure string logic, no UI imports.
"""

from __future__ import annotations


def _fence_marker(line: str) -> str | None:
    """The fence characters if `line` opens or closes a code fence (``` or ~~~, up to 3 spaces in)."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return None
    for char in ("`", "~"):
        if stripped.startswith(char * 3):
            count = len(stripped) - len(stripped.lstrip(char))
            return char * count
    return None


def settle_point(text: str, start: int) -> int:
    """Index just past the last block boundary in `text[start:]`, or `start` if there is none.

    `start` must itself be a boundary (or 0): fences are assumed closed there.
    """
    fence: str | None = None
    boundary = start
    position = start
    length = len(text)
    while position < length:
        end = text.find("\n", position)
        if end == -1:
            break  # an unfinished line never settles
        line = text[position:end]
        marker = _fence_marker(line)
        if fence is None:
            if marker is not None:
                fence = marker
            elif not line.strip():
                boundary = end + 1
        elif (
            marker is not None
            and marker[0] == fence[0]
            and len(marker) >= len(fence)
            and not line.strip().strip(marker[0])
        ):
            fence = None  # a closing fence: same char, at least as long, nothing after it
        position = end + 1
    return boundary


def _open_fence_line(lines: list[str]) -> int | None:
    """Index of the line that opened a fence still open at the end of `lines`, else None."""
    fence: str | None = None
    opened: int | None = None
    for index, line in enumerate(lines):
        marker = _fence_marker(line)
        if marker is None:
            continue
        if fence is None:
            fence, opened = marker, index
        elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip().strip(marker[0]):
            fence, opened = None, None
    return opened


def has_open_fence(text: str) -> bool:
    """True while `text` is inside an unclosed code fence."""
    return _open_fence_line(text.split("\n")) is not None


def unhighlighted(text: str) -> str:
    """`text` with the language dropped from a still-open fence, so it renders without highlighting.

    Highlighting a code block that grows on every flush costs a full re-lex each time; the block is
    highlighted once, when it completes and settles.
    """
    lines = text.split("\n")
    opened = _open_fence_line(lines)
    if opened is None:
        return text
    line = lines[opened]
    marker = _fence_marker(line) or "```"
    lines[opened] = line[: len(line) - len(line.lstrip(" "))] + marker
    return "\n".join(lines)
