"""The variant catalogue: model tags glmtui offers to pull, read from `catalog.toml` beside this file.

One entry per tag (family, quantisation, download size, context, capabilities, the Ollama version it
needs, and its shape: the GGUF model_info keys the KV-cache rules read, as `/api/show` reports them).
The data file is meant to be edited as new models appear; entries that do not parse are reported, not
fatal.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from glmtui.core.kv import KvShape, kv_shape
from glmtui.core.model_names import same_model
from glmtui.core.server_settings import parse_version

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
    info: dict[str, object] | None = None  # the GGUF model_info keys it states (arch-prefixed)
    min_ollama: str | None = None  # the oldest Ollama that can run it
    approximate: bool = True  # the size is ollama.com's rounded figure, not checked against the blob

    def needs_newer(self, server_version: str | None) -> str | None:
        """Why this server cannot run it ('needs Ollama 0.14.3 or newer; the server is 0.13.0'), or
        None when it can or when either version is unknown."""
        need, have = parse_version(self.min_ollama), parse_version(server_version)
        if need is None or have is None or have >= need:
            return None
        return f"{self.tag} needs Ollama {self.min_ollama} or newer; the server is {server_version}"


@dataclass(frozen=True)
class Catalog:
    """All variants, in file order, and a line per entry that could not be read."""

    variants: tuple[Variant, ...]
    problems: tuple[str, ...] = ()

    def families(self) -> list[str]:
        return list(dict.fromkeys(v.family for v in self.variants))

    def shape_like(self, model_info: Mapping[str, object] | None) -> KvShape | None:
        """The catalogue's cache shape for an installed model whose `/api/show` hides it (a hybrid's
        per-layer arrays come back null): the entry with the same architecture, layer count and
        embedding width — a family's sizes differ in those, so a 27b never borrows a 35b's shape."""
        if not model_info:
            return None
        arch = model_info.get("general.architecture")
        keys = (f"{arch}.block_count", f"{arch}.embedding_length")
        wanted = [model_info.get(key) for key in keys]
        if not isinstance(arch, str) or None in wanted:
            return None
        for variant in self.variants:
            info = variant.info or {}
            if info.get("general.architecture") == arch and [info.get(key) for key in keys] == wanted:
                return variant.kv
        return None

    def find(self, tag: str) -> Variant | None:
        wanted = tag.lower()
        return next((v for v in self.variants if v.tag.lower() == wanted), None)

    def needs_newer(self, name: str, server_version: str | None) -> str | None:
        """Why this server is too old for `name` (as `Variant.needs_newer` says it), when a catalogue
        entry names it (`glm-4.7-flash` is `glm-4.7-flash:latest`); None when none does."""
        variant = next((v for v in self.variants if same_model(v.tag, name)), None)
        return variant.needs_newer(server_version) if variant is not None else None


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
    info = entry.get("info")
    if info is not None and (
        not isinstance(info, dict) or not isinstance(info.get("general.architecture"), str)
    ):
        raise ValueError('info must be a table of model_info keys with "general.architecture"')
    min_ollama = entry.get("min_ollama")
    if min_ollama is not None and (not isinstance(min_ollama, str) or parse_version(min_ollama) is None):
        raise ValueError('min_ollama must be a version such as "0.14.3"')
    approximate = entry.get("approximate", True)
    if not isinstance(approximate, bool):
        raise ValueError("approximate must be true or false")
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
        (kv_shape(info) if info else None) or (KvShape.gqa(*kv) if kv is not None else None),
        dict(info) if info else None,
        min_ollama,
        approximate,
    )
