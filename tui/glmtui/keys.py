"""Rebinding keys: `[keymap]` in the config maps binding ids to keys, applied with App.set_keymap.

Every binding glmtui defines has an id (kebab-case). A keymap entry is checked before it is applied,
once (`check_keymap`): an id no binding has, a key name Textual never produces (`"not_a_key"`,
`"ctrl+"`, an empty alternative), and a key another binding on the same screen already has (the
new key would shadow it, or be shadowed) are each reported with the binding id, and that binding
keeps its default keys. A bad keymap can therefore never take away Esc or Quit.

Key names are read case-insensitively where Textual's are all lowercase (`F4` is f4, `Ctrl+K` is
ctrl+k, `Escape` is escape): a person writes them as the keycaps and the help do. A lone printable
character keeps its case (`A` is Shift+a, not a), except after Ctrl, which terminals cannot send
with a capital: Textual names that key ctrl+k, never ctrl+K (`normalize_key`).
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, KEY_NAME_REPLACEMENTS, Keys, format_key, key_to_character

from glmtui.config import line_of

# Where bindings live (imported only when a keymap needs checking: they are not on the start-up path).
BINDING_OWNERS = (
    ("glmtui.app", "GlmTuiApp"),
    ("glmtui.screens.chat", "ChatScreen"),
    ("glmtui.screens.models", "ModelsScreen"),
    ("glmtui.screens.compare.screen", "CompareScreen"),
    ("glmtui.screens.history", "HistoryScreen"),
    ("glmtui.screens.usage", "UsageScreen"),
    ("glmtui.screens.bench.screen", "BenchScreen"),
    ("glmtui.screens.bench.dialogs", "ExportScreen"),
    ("glmtui.screens.bench.dialogs", "WontFitScreen"),
    ("glmtui.screens.arena", "ArenaScreen"),
    ("glmtui.screens.compare.dialogs", "PromptSetScreen"),
    ("glmtui.screens.dialogs.confirm", "ConfirmScreen"),
    ("glmtui.screens.compare.dialogs", "VoteScreen"),
    ("glmtui.widgets.prompt_input", "PromptInput"),
    ("glmtui.widgets.monitor.ollama_panel", "OllamaPanel"),
    ("glmtui.screens.dialogs.rename", "RenameScreen"),
    ("glmtui.screens.help", "HelpScreen"),
    ("glmtui.screens.dialogs.copy", "CopyScreen"),
    ("glmtui.screens.dialogs.options", "PaneOptionsScreen"),
    ("glmtui.screens.dialogs.problems", "ProblemsScreen"),
    ("glmtui.screens.dialogs.context", "ContextOverflowScreen"),
    ("glmtui.screens.dialogs.presets", "PresetScreen"),
    ("glmtui.screens.dialogs.attach", "AttachFileScreen"),
    ("glmtui.screens.dialogs.edit_prompt", "EditPromptScreen"),
)
# The widgets with bindings, and the screens they live on: their keys are live together with the
# screen's (a focused widget's binding shadows the screen's). Every other owner but the App is a
# screen, and the App's bindings are live on every screen.
WIDGET_SCREENS = {"PromptInput": ("ChatScreen", "CompareScreen"), "OllamaPanel": ("ChatScreen",)}
MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED = {v.value.rpartition("+")[2] for v in Keys} - {"<any>", "<ignore>", "<scroll-up>", "<scroll-down>"}
_NAMED |= {alias.rpartition("+")[2] for aliases in KEY_ALIASES.values() for alias in aliases} - {
    "left_square_brace"  # Textual's alias of escape for ctrl+[, not a name a key press ever has
}
_NAMED |= set(KEY_NAME_REPLACEMENTS.values())  # "minus", "slash", "at": Textual's short names


def binding_ids() -> dict[str, Binding]:
    """Every glmtui binding by id."""
    return {binding.id: binding for _, binding in _owned_bindings() if binding.id}


def _owned_bindings() -> Iterator[tuple[str, Binding]]:
    for module, name in BINDING_OWNERS:
        owner = getattr(importlib.import_module(module), name)
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding):
                yield name, binding


def normalize_key(key: str) -> str:
    """`key` (one alternative) spelled as Textual reports it: modifiers and multi-letter names in
    lowercase when that is a name Textual has; a lone character as written, but for Ctrl+letter."""
    *modifiers, name = key.split("+")
    modifiers = [m.lower() if m.lower() in MODIFIERS else m for m in modifiers]
    named = len(name) > 1 and _is_name(name.lower())
    ctrl_letter = len(name) == 1 and "ctrl" in modifiers and name.isascii() and name.isalpha()
    if named or ctrl_letter:
        name = name.lower()
    return "+".join([*modifiers, name])


def _is_name(name: str) -> bool:
    """A key name Textual can report without modifiers (a named key or a character's name)."""
    if name in _NAMED or (len(name) == 1 and name.isprintable()):
        return True
    character = key_to_character(name)
    # A character's name as Textual spells it: "equals_sign", "left_square_bracket".
    return character is not None and character.isprintable() and unicodedata.category(character)[0] != "C"


def key_problem(key: str) -> str | None:
    """Why `key` (one alternative, e.g. "ctrl+k") is not a key Textual can report (None: it is).
    Read as `normalize_key` spells it: "F4" is f4."""
    key = normalize_key(key)
    if not key:
        return "an empty key name"
    *modifiers, name = key.split("+")
    if not name:
        return f"'{key}' has no key after its modifier"
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            return f"'{modifier}' in '{key}' is not a modifier ({', '.join(MODIFIERS)})"
    if len(set(modifiers)) != len(modifiers):
        return f"'{key}' repeats a modifier"
    if _is_name(name):
        return None
    return f"'{name}' is not a key name (F1 shows the names: 'escape', 'f9', 'ctrl+k', 'equals_sign')"


def canonical(key: str) -> str:
    """One spelling per key, to compare two bindings: modifiers in a fixed order, aliases resolved
    (ctrl+i is tab, ctrl+m enter), Textual's replacements applied (hyphen_minus is minus)."""
    for name, aliases in KEY_ALIASES.items():
        if key in aliases:
            key = name
    *modifiers, name = key.split("+")
    name = KEY_NAME_REPLACEMENTS.get(name, name)
    return "+".join([*sorted(modifiers, key=MODIFIERS.index), name])


def _levels(bindings: list[tuple[str, Binding]]) -> dict[str, list[Binding]]:
    """The bindings live together, per screen: its own, its widgets', the App's and Textual's."""
    # Textual's own: only its priority ones (Ctrl+Q quits, always); a screen may take the others
    # (Ctrl+C, Tab) on purpose, and then its binding wins, as the user asked.
    textual = [b for b in App.BINDINGS if isinstance(b, Binding) and b.priority]
    app = [b for owner, b in bindings if owner == "GlmTuiApp"]
    levels: dict[str, list[Binding]] = {}
    for owner, binding in bindings:
        if owner == "GlmTuiApp":
            continue
        for screen in WIDGET_SCREENS.get(owner, (owner,)):
            levels.setdefault(screen, []).append(binding)
    return {screen: [*own, *app, *textual] for screen, own in levels.items()}


def _clash(levels: dict[str, list[Binding]], keys: Mapping[str, str]) -> tuple[str, str, str, str] | None:
    """The first pair of bindings on one screen with a key in common and different actions, one of
    them rebound by the keymap: (rebound id, other binding, key, screen)."""
    for screen, bindings in levels.items():
        for rebound in (b for b in bindings if b.id in keys):
            mine = {canonical(k) for k in keys[rebound.id or ""].split(",")}
            for other in bindings:
                if other is rebound or _action(other) == _action(rebound) or _overlap(rebound, other):
                    continue  # the same thing, or a shadow by design (F1 closes the help it opened)
                theirs = keys.get(other.id or "", other.key).split(",")
                for key in theirs:
                    if canonical(key) in mine:
                        name = other.id or f"Textual's {other.action} (always active)"
                        return rebound.id or "", name, key, screen
    return None


def _overlap(a: Binding, b: Binding) -> bool:
    """Their default keys share one."""
    return bool({canonical(k) for k in a.key.split(",")} & {canonical(k) for k in b.key.split(",")})


def _action(binding: Binding) -> str:
    return binding.action.removeprefix("app.")


def check_keymap(keymap: Mapping[str, str], path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The entries of `keymap` that can be applied, and a message per refused one. `path` is the
    config file the keymap came from: messages then start with its file:line."""
    if not keymap:
        return {}, []
    owned = list(_owned_bindings())
    known = {binding.id: binding for _, binding in owned if binding.id}
    try:
        text = path.read_text(encoding="utf-8") if path is not None else ""
    except OSError:
        text = ""

    def where(binding_id: str) -> str:
        line = line_of(text, f"keymap.{binding_id}") if path is not None else None
        place = f"{path}:{line}: " if line else f"{path}: " if path is not None else ""
        return f"{place}keymap.{binding_id}: "

    problems: list[str] = []
    accepted: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(f"{where(binding_id)}no binding has this id (F1 lists them)")
            continue
        reasons = [reason for key in keys.split(",") if (reason := key_problem(key)) is not None]
        if reasons:
            default = known[binding_id].key
            problems.append(f'{where(binding_id)}"{keys}": {reasons[0]}; keeping {default}')
            continue
        accepted[binding_id] = ",".join(normalize_key(key) for key in keys.split(","))  # F4 is f4
    levels = _levels(owned)
    while (found := _clash(levels, accepted)) is not None:
        rebound, other, key, screen = found
        if other in accepted and list(accepted).index(other) > list(accepted).index(rebound):
            rebound, other = other, rebound  # both rebound: the later line gives way
        problems.append(
            f'{where(rebound)}"{accepted.pop(rebound)}": {key} is already {other} on {screen}; '
            f"keeping {known[rebound].key}"
        )
    return accepted, problems


def apply_keymap(app: App[Any], keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Apply the config's keymap; return what was applied and a problem per refused entry. (The
    command line checks the file's keymap first, with its lines; what reaches here is then clean.)"""
    applied, problems = check_keymap(keymap)
    if applied:
        app.set_keymap(applied)
    return applied, problems


def key_hint(keymap: Mapping[str, str], binding_id: str, owner: type[DOMNode]) -> str:
    """The first key bound to `binding_id` (one of `owner`'s BINDINGS), as placeholders and hints
    spell it ("Esc", "Ctrl+J"). The owner is named so that no other screen is imported for this."""
    binding = next(b for b in owner.BINDINGS if isinstance(b, Binding) and b.id == binding_id)
    key = keymap.get(binding_id, binding.key).split(",")[0]
    *modifiers, name = key.split("+")
    shown = {"escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space"}.get(name)
    if shown is None:
        shown = format_key(name) if len(name) > 1 else name
        shown = shown.upper() if len(shown) <= 3 else shown.capitalize()
    return "+".join([*(m.capitalize() for m in modifiers), shown])
