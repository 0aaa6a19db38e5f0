"""Rebinding keys: `[keymap]` in the config maps binding ids to keys, applied with App.set_keymap.

Every binding glmtui defines has an id (kebab-case); an id the keymap names that no binding has is
reported, so a typo does not silently do nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from glmtui.config import ConfigError, line_of

# Where bindings live (imported only when a keymap needs checking: they are not on the start-up path).
BINDING_OWNERS = (
    ("glmtui.app", "GlmTuiApp"),
    ("glmtui.screens.chat", "ChatScreen"),
    ("glmtui.screens.models", "ModelsScreen"),
    ("glmtui.screens.compare.screen", "CompareScreen"),
    ("glmtui.screens.history", "HistoryScreen"),
    ("glmtui.screens.dialogs.confirm", "ConfirmScreen"),
    ("glmtui.screens.compare.dialogs", "VoteScreen"),
    ("glmtui.widgets.prompt_input", "PromptInput"),
    ("glmtui.widgets.monitor.ollama_panel", "OllamaPanel"),
    ("glmtui.screens.dialogs.rename", "RenameScreen"),
    ("glmtui.screens.help", "HelpScreen"),
    ("glmtui.screens.dialogs.copy", "CopyScreen"),
    ("glmtui.screens.compare.dialogs", "PaneOptionsScreen"),
)


def binding_ids() -> dict[str, Binding]:
    """Every glmtui binding by id."""
    found: dict[str, Binding] = {}
    for module, name in BINDING_OWNERS:
        owner = getattr(importlib.import_module(module), name)
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = binding
    return found


def keymap_problems(path: Path, keymap: Mapping[str, str]) -> list[ConfigError]:
    """Ids in the config file's [keymap] that no binding has, each with its file and line."""
    if not keymap:
        return []
    known = binding_ids()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    return [
        ConfigError(
            path, f"keymap.{key}", "no binding has this id (F1 lists them)", line_of(text, f"keymap.{key}")
        )
        for key in keymap
        if key not in known
    ]


def apply_keymap(app: App[Any], keymap: Mapping[str, str]) -> list[str]:
    """Apply the config's keymap; return a problem per id that no binding has."""
    if not keymap:
        return []
    known = binding_ids()
    problems = [
        f"keymap: no binding has the id '{key}' (ids are listed with F1)"
        for key in keymap
        if key not in known
    ]
    app.set_keymap({key: keys for key, keys in keymap.items() if key in known})
    return problems
