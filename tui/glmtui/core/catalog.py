"""The variant catalogue: model tags glmtui offers to pull, read from `catalog.toml` beside this file.

One entry per tag (family, quantisation, approximate download size, context, capabilities). The data
file is meant to be edited as new models appear; entries that do not parse are reported, not fatal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from glmtui.core.fit import KvShape

CATALOG_PATH = Path(__file__).with_name("catalog.toml")
KNOWN_CAPABILITIES = frozenset({"thinking", "tools", "vision"})


@dataclass(frozen=True, slots=True)
class Variant:
    """One pullable tag."""

    family: str
    tag: str
    quantization: str
    parameters: str
    size_bytes: int  # approximate download size
    context: int
    capabilities: tuple[str, ...]
    kv: KvShape | None = None  # the KV-cache shape, when the catalogue states it


@dataclass(frozen=True)
class Catalog:
    """All variants, in file order, and a line per entry that could not be read."""

    variants: tuple[Variant, ...]
    problems: tuple[str, ...] = ()

    def families(self) -> list[str]:
        return list(dict.fromkeys(v.family for v in self.variants))

    def find(self, tag: str) -> Variant | None:
        wanted = tag.lower()
        return next((v for v in self.variants if v.tag.lower() == wanted), None)


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read the catalogue; a bad entry is skipped with a reason, a missing or broken file gives none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Catalog((), (f"{path}: cannot be read ({exc})",))
    variants: list[Variant] = []
    problems: list[str] = []
    for index, entry in enumerate(data.get("variant", []), start=1):
        try:
            variants.append(_variant(entry))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{path}: variant #{index}: {exc}")
    return Catalog(tuple(variants), tuple(problems))


def _variant(entry: dict[str, object]) -> Variant:
    def text(key: str) -> str:
        value = entry[key]
        if not isinstance(value, str) or not value:
            raise ValueError(f"{key} must be a non-empty string")
        return value

    size = entry["size_gb"]
    context = entry["context"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size <= 0:
        raise ValueError("size_gb must be a positive number")
    if isinstance(context, bool) or not isinstance(context, int) or context <= 0:
        raise ValueError("context must be a positive integer")
    capabilities = entry.get("capabilities", [])
    if not isinstance(capabilities, list) or not set(capabilities) <= KNOWN_CAPABILITIES:
        raise ValueError(f"capabilities must be a list of {', '.join(sorted(KNOWN_CAPABILITIES))}")
    kv = entry.get("kv")
    if kv is not None and (
        not isinstance(kv, list)
        or len(kv) != 4
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in kv)
    ):
        raise ValueError("kv must be [layers, kv_heads, key_length, value_length], positive integers")
    tag = text("tag")
    if ":" not in tag:
        raise ValueError(f"tag {tag!r} needs a ':' (model:tag)")
    return Variant(
        text("family"),
        tag,
        text("quantization"),
        text("parameters"),
        int(size * 1e9),
        context,
        tuple(capabilities),
        KvShape(*kv) if kv is not None else None,
    )
