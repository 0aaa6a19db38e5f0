"""Model names as Ollama reads them: `[host/][namespace/]model[:tag]`, matched case-insensitively.

A malformed name is rejected here, with a reason, before any request is sent: Ollama would only answer
a bare `invalid model name`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_NAME_RE = re.compile(rf"^({_PART}/){{0,2}}{_PART}(:[A-Za-z0-9_][A-Za-z0-9._-]{{0,79}})?$")


def name_problem(name: str) -> str | None:
    """Why `name` is not a model name Ollama would accept, or None when it is fine."""
    if not name.strip():
        return "type a model name, e.g. glm-4.7-flash:q8_0"
    if name != name.strip() or any(ch.isspace() for ch in name):
        return f"'{name.strip()}' contains spaces; model names look like family:tag"
    if name.count(":") > 1 or name.endswith(":"):
        return f"'{name}' needs exactly one tag after a single ':' (e.g. glm-4.7-flash:q8_0)"
    if not _NAME_RE.match(name):
        return (
            f"'{name}' is not a valid model name: use letters, digits, '.', '_' and '-', "
            "an optional namespace/ and an optional :tag"
        )
    return None


def with_tag(name: str) -> str:
    """`name` with `:latest` added when it has no tag, as Ollama reads it."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def same_model(wanted: str, installed: str) -> bool:
    """Ollama treats a name without a tag as `:latest`, and names case-insensitively."""
    return with_tag(wanted.lower()) == with_tag(installed.lower())


def distinct_models(names: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """`names` with each model once, as Ollama reads names (no tag = `:latest`, any case), the first
    spelling kept; and the (dropped, kept) pairs, to say so."""
    kept: dict[str, str] = {}
    dropped: list[tuple[str, str]] = []
    for name in names:
        key = with_tag(name.lower())
        if key in kept:
            dropped.append((name, kept[key]))
        else:
            kept[key] = name
    return list(kept.values()), dropped


def choose_model(configured: str | None, remembered: str | None, installed: Sequence[str]) -> str | None:
    """The chat's model when none is set yet: the flag's or config's, else the last one used on this
    host if it is still installed, else the first listed (Ollama lists the newest first)."""
    if configured:
        return configured
    if remembered and any(same_model(remembered, name) for name in installed):
        return remembered
    return installed[0] if installed else None
