"""Make untrusted model output safe to display.

Model text can contain terminal control sequences (ANSI CSI, OSC 8 hyperlinks, OSC 52 clipboard
writes, bells, NULs). Rich strips only a few control codes, and ESC is not among them, so anything
that reaches a widget is passed through here first: every C0/C1 control except newline and tab
becomes its visible Unicode "control picture", so it renders literally and never acts. Bidirectional
controls (LRE..RLO, the isolates, LRM/RLM, ALM) are treated the same way: an RLO from a model would
reorder what follows it on the line (the "Trojan Source" trick), so each shows as `⟨U+202E⟩`.
"""

from __future__ import annotations

# C0 (0x00–0x1F) → U+2400 + code; DEL → U+2421; C1 (0x80–0x9F) → U+FFFD (no control pictures exist).
_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)}
_TABLE[0x7F] = "\u2421"
_TABLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_TABLE.update({code: f"⟨U+{code:04X}⟩" for code in _BIDI})
_TABLE[0x0D] = "\n"  # a bare CR is a line break to the reader, and "\r\n" collapses below


def sanitize(text: str) -> str:
    """Return `text` with control characters made visible (newline and tab kept)."""
    if text.isprintable():
        # Every character the table maps is a control (Cc) or a format character (Cf), and neither is
        # printable: such text is returned as it is, without a dictionary look-up per character (the
        # common case, once per streamed token).
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


# A line feed and a tab as their control pictures (␊ ␉, as `sanitize` shows the other controls), the
# Unicode line and paragraph separators as the newline symbol (␤).
_LINE_BREAKS = {0x0A: "\u240a", 0x09: "\u2409", 0x2028: "\u2424", 0x2029: "\u2424"}


def sanitize_line(text: str) -> str:
    """`text` for one line of a label (a status bar, a list entry): as `sanitize`, and a newline, tab or
    Unicode line/paragraph separator shown as its control picture too, so it cannot break the line."""
    return sanitize(text).translate(_LINE_BREAKS)


def is_clean_line(text: str) -> bool:
    """Whether `text` is one line with nothing `sanitize_line` would change (no control, bidi control or
    line break): what a name shown on one line must be."""
    return sanitize_line(text) == text
