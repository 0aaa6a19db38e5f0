"""`/api/show`'s `parameters` text read back as values: what Ollama printed, decoded the way Go wrote it.

Ollama builds that text from the model's params layer, which it reads as JSON into `map[string]any`,
so every number is a float64 and every string a Go string; each value is printed with
`fmt.Sprintf("%-*s %#v", 30, key, value)` and a list (`stop`) as one line per element
(server/routes.go, GetModelInfo, https://github.com/ollama/ollama/blob/main/server/routes.go).
So `num_ctx 1048576` comes back as `1.048576e+06` (Go's %v of a float64 switches to an exponent for
large numbers), and a stop of two newlines as `"\\n\\n"` (strconv.Quote: `\\n`, `\\t`, `\\x1b`,
`\\u00e9`...). Neither is Python's syntax: `int()` refuses the first, shlex keeps the second's
backslashes. This module reads both as Go meant them.

No I/O and no Textual.
"""

from __future__ import annotations

import re

GoValue = str | int | float | bool

# strconv.Quote's escapes, and the rest a Go string literal may hold (octal bytes, \' ): the Go spec,
# "Rune literals" and "String literals" (https://go.dev/ref/spec#String_literals).
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}
_ESCAPE = re.compile(
    r"\\(?:(?P<simple>[abfnrtv\\\"])|x(?P<hex>[0-9a-fA-F]{2})|(?P<oct>[0-7]{3})"
    r"|u(?P<u4>[0-9a-fA-F]{4})|U(?P<u8>[0-9a-fA-F]{8}))"
)
# A number as Go's %v prints one: ASCII digits only.
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def go_unquote(literal: str) -> str | None:
    """The text of a double-quoted Go string literal (None: `literal` is not one). `\\x` and octal
    escapes are bytes, as in Go, so the result is their UTF-8 reading (a stray byte shows as U+FFFD)."""
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        return None
    body, out, index = literal[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char == '"':
            return None  # an unescaped quote: not one literal
        if char != "\\":
            out += char.encode("utf-8", "replace")
            index += 1
            continue
        found = _ESCAPE.match(body, index)
        if found is None:
            return None
        if (simple := found["simple"]) is not None:
            out += _SIMPLE[simple].encode()
        elif found["hex"] is not None:
            out.append(int(found["hex"], 16))
        elif found["oct"] is not None:
            if (byte := int(found["oct"], 8)) > 0xFF:
                return None
            out.append(byte)
        else:
            code = int(found["u4"] or found["u8"], 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None  # Go refuses these in a literal
            out += chr(code).encode()
        index = found.end()
    return out.decode("utf-8", "replace")


def go_value(raw: str) -> GoValue:
    """One printed value: a quoted string decoded, `true`/`false`, a number (int when written as one,
    else float: `1.048576e+06` is a float here, `whole_number` says whether it is a whole one); any
    other text as it is (an older server's unquoted word)."""
    raw = raw.strip()
    if raw.startswith('"'):
        text = go_unquote(raw)
        return raw if text is None else text
    if raw in ("true", "false"):
        return raw == "true"
    if _INT.fullmatch(raw):
        return int(raw)
    if _FLOAT.fullmatch(raw) or raw in ("+Inf", "-Inf", "NaN"):
        return float(raw)
    return raw  # Python's int() and float() would also take `٣` or `1_000`: Go never prints those


def whole_number(value: GoValue) -> int | None:
    """`value` as an int when it is a whole number (8192, 8192.0, 1.048576e+06), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def parameter_lines(text: str) -> list[tuple[str, str]]:
    """(name, printed value) per line of the parameters text; a line without both is skipped."""
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        name, _, raw = line.strip().partition(" ")
        if name and raw.strip():
            found.append((name, raw.strip()))
    return found
