"""The chat model's own details (surface.current_model_info), as every chat helper reads them: during a
switch `model_info` is still the model switched away from's, and its facts are not the new one's; a name
spelt without its tag (or in another case) is the same model, as Ollama reads it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from glmtui.core.state import ModelDetails
from glmtui.screens.chat_presets import ChatPresets
from glmtui.screens.chat_thinking import PreservedThinking
from glmtui.surface import current_model_info

GEMMA = ModelDetails(
    "gemma3:27b-it-qat", family="gemma3", capabilities=("completion", "vision"), parameters="temperature 1"
)


def screen(model: str, info: ModelDetails | None) -> Any:
    app = SimpleNamespace(model=model, model_info=info, service=SimpleNamespace(kind="ollama"))
    return SimpleNamespace(app=app)


def test_details_of_another_model_are_not_the_chat_models() -> None:
    assert current_model_info(screen("glm-4.7-flash:latest", GEMMA).app) is None
    assert current_model_info(screen("GEMMA3:27b-it-qat", GEMMA).app) is GEMMA
    assert current_model_info(screen("", GEMMA).app) is None


def test_the_presets_baseline_is_not_the_model_switched_away_froms() -> None:
    chat = ChatPresets(screen("glm-4.7-flash:latest", GEMMA))
    assert chat.model_parameters() == {}  # it showed gemma's temperature as the new model's default
    assert ChatPresets(screen("gemma3:27b-it-qat", GEMMA)).model_parameters() == {"temperature": 1.0}


def test_preserved_thinking_reads_details_named_with_the_tag() -> None:
    glm = ModelDetails("glm-4.7-flash:latest", family="glm4moelite", capabilities=("completion",))
    # The chat model spelt without ":latest" is the same model: its details say it does not think.
    support, why = PreservedThinking(screen("glm-4.7-flash", glm)).support()
    assert support == "no" and "does not think" in why
