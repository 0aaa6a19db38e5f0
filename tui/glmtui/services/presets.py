"""The built-in presets: `data/presets.toml`, shipped in the package, read and checked once.

The file is glmtui's own, so a problem in it is a bug; it is still reported (with the file and the
preset's number) rather than stopping the app, and the presets that are fine are kept.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

from glmtui.core.presets import Preset, presets_from_tables

BUILTIN_PATH = Path(__file__).resolve().parents[1] / "data" / "presets.toml"


def load_builtin_presets(path: Path = BUILTIN_PATH) -> tuple[list[Preset], list[str]]:
    """The built-in presets and a message per problem (a missing or broken file: none, and why)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [], [f"{path}: the built-in presets cannot be read ({exc})"]
    tables = data.get("presets", [])
    presets, problems = presets_from_tables(tables if isinstance(tables, list) else [], builtin=True)
    return presets, [f"{path}: presets[{index}].{key}: {reason}" for index, key, reason in problems]


def all_presets(builtin: Sequence[Preset], user: Sequence[Preset]) -> list[Preset]:
    """The picker's list: the user's first, then the built-ins; a user preset named like a built-in
    replaces it (the config is where a person says what they want)."""
    mine = {preset.name.casefold() for preset in user}
    return [*user, *(preset for preset in builtin if preset.name.casefold() not in mine)]
