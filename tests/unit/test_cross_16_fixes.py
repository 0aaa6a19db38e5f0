"""Unit tests for the fixes where issue 16's parts meet: a preset's tools left out for a model known not to
take them; a refused prompt stages nothing; a refusal of images on an OpenAI-compatible engine is learnt."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from glmtui.core.presets import Preset
from glmtui.core.state import GenerationRequest, ModelDetails
from glmtui.screens.chat_presets import ChatPresets

TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def _presets(capabilities: tuple[str, ...], kind: str = "ollama") -> tuple[ChatPresets, list[Any]]:
    notices: list[Any] = []
    app = SimpleNamespace(
        model="gemma3:27b",
        model_info=ModelDetails("gemma3:27b", capabilities=capabilities),
        service=SimpleNamespace(kind=kind),
        call_later=lambda _fn, text: notices.append(text),
    )
    host: Any = SimpleNamespace(app=app, pane=SimpleNamespace(conversation=object()), show_notice=None)
    presets = ChatPresets(host)
    presets.preset = Preset(name="agent", tools=(TOOL,))
    return presets, notices


def test_a_presets_tools_are_left_out_for_a_model_known_not_to_take_them_said_once() -> None:
    presets, notices = _presets(("completion", "vision"))
    request = GenerationRequest(model="gemma3:27b", think=None)
    assert presets.apply(request).tools == ()
    assert presets.apply(request).tools == ()
    assert len(notices) == 1 and "agent" in str(notices[0]) and "tools" in str(notices[0])


def test_a_presets_tools_are_offered_when_the_model_takes_them_or_it_is_not_known() -> None:
    for capabilities, kind in (
        (("completion", "tools"), "ollama"),
        ((), "ollama"),
        (("completion",), "openai"),
    ):
        presets, notices = _presets(capabilities, kind)
        assert presets.apply(GenerationRequest(model="gemma3:27b", think=None)).tools == (TOOL,)
        assert notices == []


def test_vllms_refusal_of_images_is_told_apart_with_a_hint_that_says_they_are_left_out() -> None:
    from glmtui.services.engines.openai_wire import _status_error

    said = "At most 0 image(s) may be provided in one prompt."
    refused = SimpleNamespace(
        status_code=400, body={"message": said, "type": "BadRequestError"}, message=said
    )
    error = _status_error(refused, "node1:8000", "glm-4.7-flash", None, False)
    assert error.kind == "no-images" and "without the images" in error.hint, error
    said = "zai-org/GLM-4.7-Flash is not a multimodal model"  # vLLM main, for a text-only model
    refused = SimpleNamespace(status_code=400, body={"message": said}, message=said)
    assert _status_error(refused, "node1:8000", "glm-4.7-flash", None, False).kind == "no-images"
    other = SimpleNamespace(status_code=400, body={"message": "max_tokens too large"}, message="x")
    assert _status_error(other, "node1:8000", "glm-4.7-flash", None, False).kind == "bad-request"
