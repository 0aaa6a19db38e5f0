"""Hostile tests for how issue 16's parts combine (presets with tools, attachments with regenerate/edit)
and for their failure paths.

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

import base64

import pytest

from glmtui.core.errors import GlmTuiError
from glmtui.core.state import ImageAttachment, ModelDetails, Turn, TurnStatus
from glmtui.core.stats import LiveStats
from glmtui.services.engines.ollama import OllamaService
from glmtui.simulator import Simulator
from glmtui.simulator.catalogue import REGISTRY, SPECS
from tests.helpers import attachments_for
from tests.unit.test_tool_call_engines import WEATHER

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(24))
VISION = "gemma3:27b-it-qat"  # vision, and no `tools` capability
pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)


def _image(name: str) -> ImageAttachment:
    return ImageAttachment(name, len(PNG), base64.b64encode(PNG + name.encode()).decode())


# -- a preset's tools to a model without the `tools` capability -----------------------------------------


async def test_a_refusal_of_the_tools_offered_says_what_to_change(sim: Simulator) -> None:
    # What the chat sends with a preset that has `tools` (and no `models`, so it applies to any model)
    # once the model is gemma3: Ollama checks CapabilityTools and answers 400 before streaming.
    sim.store.install(VISION, SPECS[REGISTRY[VISION]])
    engine = OllamaService(sim.url)
    try:
        with pytest.raises(GlmTuiError) as raised:
            async for _ in engine.chat(
                VISION, [{"role": "user", "content": "hello"}], think=None, live=LiveStats(), tools=[WEATHER]
            ):
                pass
    finally:
        await engine.close()
    error = raised.value
    assert "does not support tools" in error.message
    # The sibling refusal, "does not support thinking", says what to do (ctrl+t). This one points at the
    # server log, which says nothing more, and the chat adds "Ctrl+R retries this prompt": the retry is
    # refused the same way for as long as the preset is active.
    assert "journalctl" not in error.hint and "preset" in error.hint, error.hint


# -- a regenerate while a prompt with its own images waits in the box ------------------------------------


def test_a_regenerate_goes_with_its_own_images_not_the_ones_waiting_in_the_box() -> None:
    attachments, _ = attachments_for(ModelDetails(VISION, capabilities=("completion", "vision")))
    cat = _image("cat.png")
    first = Turn("what is it?", VISION, reply="A cat.", status=TurnStatus.DONE, images=(cat,))
    # The user attaches dog.png and types the same question while the cat's reply streams; Enter is
    # refused ("A reply is still streaming": ChatSender.submit returns before take), the prompt and the
    # chip stay. prepare() ran first (ChatScreen.on_prompt_input_submitted) and staged the dog.
    dog = _image("dog.png")
    attachments.pending.append(dog)
    assert attachments.prepare("what is it?") is not None
    # The reply ends; Ctrl+R regenerates the cat's answer: ChatBranches.regenerate submits the last
    # prompt beside its turn, and the sender takes the images for it.
    images, _chips = attachments.take("what is it?", beside=first)
    assert images == (cat,), [image.name for image in images]
    assert attachments.pending == [dog]  # the chip above the box is still the next prompt's
