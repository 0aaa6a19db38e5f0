"""What a model is sent as `think`, given the user's preference and what the model can do.

Shared by the chat (one model) and the compare screen (one per pane), so the rule lives once:
models without the `thinking` capability are never sent `think` at all; gpt-oss takes levels.
Capabilities that could not be read (`/api/show` failed, or not read yet) are unknown, not "cannot
think": nothing is sent (the server's default) until the user picks a setting, then that pick is sent.
"""

from __future__ import annotations

from glmtui.core.state import ModelDetails, ThinkSetting

LEVELS: tuple[ThinkSetting, ...] = ("low", "medium", "high")


def supports_levels(model: str) -> bool:
    """gpt-oss takes low/medium/high instead of on/off (Ollama's docs name only this family)."""
    return model.lower().split("/")[-1].startswith("gpt-oss")


def effective_think(
    model: str, info: ModelDetails | None, pref: ThinkSetting, *, chosen: bool = False
) -> ThinkSetting | None:
    """What this model gets: None (never sent) unless its capabilities include thinking.

    `info` None means the capabilities are unknown: None (the server decides) until the user has
    `chosen` a setting (Ctrl+T), then `pref`: unknown is not "cannot think"."""
    if info is None and not chosen:
        return None
    if info is not None and not info.can_think:
        return None
    if supports_levels(model):
        return pref if pref in LEVELS else ("medium" if pref == "on" else "low")
    return "off" if pref == "off" else "on"


def next_think(model: str, current: ThinkSetting | None) -> ThinkSetting:
    """The setting after `current` when the user cycles it (levels for gpt-oss, else on/off).

    From None (capabilities unknown, nothing sent: a thinking model thinks) the first step is off."""
    if supports_levels(model):
        return LEVELS[(LEVELS.index(current) + 1) % len(LEVELS)] if current in LEVELS else "low"
    return "on" if current == "off" else "off"


def think_label(think: ThinkSetting | None, *, known: bool = True, key: str = "ctrl+t") -> str:
    """The status bar's words; `known` False: the capabilities could not be read (yet)."""
    if not known:
        return f"{think or 'unknown'} (capabilities not read) — {key}"
    return "n/a (model does not think)" if think is None else think
