"""What a model is sent as `think`, given the user's preference and what the model can do.

Shared by the chat (one model) and the compare screen (one per pane), so the rule lives once:
models without the `thinking` capability are never sent `think` at all; gpt-oss takes levels.
"""

from __future__ import annotations

from glmtui.core.state import ModelDetails, ThinkSetting

LEVELS: tuple[ThinkSetting, ...] = ("low", "medium", "high")


def supports_levels(model: str) -> bool:
    """gpt-oss takes low/medium/high instead of on/off (Ollama's docs name only this family)."""
    return model.lower().split("/")[-1].startswith("gpt-oss")


def effective_think(model: str, info: ModelDetails | None, pref: ThinkSetting) -> ThinkSetting | None:
    """What this model gets: None (never sent) unless its capabilities include thinking."""
    if info is None or not info.can_think:
        return None
    if supports_levels(model):
        return pref if pref in LEVELS else ("medium" if pref == "on" else "low")
    return "off" if pref == "off" else "on"


def next_think(model: str, current: ThinkSetting) -> ThinkSetting:
    """The setting after `current` when the user cycles it (levels for gpt-oss, else on/off)."""
    if supports_levels(model):
        return LEVELS[(LEVELS.index(current) + 1) % len(LEVELS)] if current in LEVELS else "low"
    return "off" if current == "on" else "on"


def think_label(think: ThinkSetting | None) -> str:
    return "n/a (model does not think)" if think is None else think
