"""Hostile Pilot flows for how issue 16's parts combine: the overflow dialog's "new chat" for a
regenerated prompt (branches × the context guard × attachments); an image earlier in a chat that moves
to a vLLM endpoint (attachments × endpoints × regenerate).

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from glmtui.app import GlmTuiApp
from glmtui.commands import back_to
from glmtui.core.endpoints import Endpoint
from glmtui.core.state import TurnStatus
from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.context import ContextOverflowScreen
from glmtui.simulator import OpenAISimulator, Simulator
from glmtui.simulator.catalogue import REGISTRY, SPECS
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import finished, make_app, pane, ready, send, wait_until

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
VISION = "gemma3:27b-it-qat"

pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)


async def regenerate_into_a_new_chat(app: GlmTuiApp, pilot: Pilot[None], screen: ChatScreen) -> None:
    """Ctrl+R after num_ctx was lowered in the options editor: the overflow dialog, answered "n"."""
    screen.presets.options_edited({"num_ctx": 512})  # Alt+O, num_ctx 512: the image alone is 768
    await pilot.press("ctrl+r")
    await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the overflow dialog")
    first = screen.pane.conversation
    await pilot.press("n")
    await wait_until(lambda: screen.pane.conversation is not first, what="the new chat")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cat.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_a_regenerate_moved_to_a_new_chat_keeps_its_images(sim: Simulator, work: Path) -> None:
    sim.store.install(VISION, SPECS[REGISTRY[VISION]])
    app = make_app(sim.url, model=VISION, options={"num_ctx": 4096})
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert await screen.attach.attach("cat.png")
        first = await finished(await send(pilot, "what is it?"))
        assert [image.name for image in first.images] == ["cat.png"]
        await regenerate_into_a_new_chat(app, pilot, screen)
        box = screen.query_one(PromptInput)
        await wait_until(lambda: box.text == "what is it?", what="the prompt in the box")
        # "A new chat: the prompt is in the box, Enter sends it": the prompt is the text and its image.
        assert [item.name for item in screen.attach.pending] == ["cat.png"]


async def test_a_regenerate_moved_to_a_new_chat_is_not_lost_behind_a_draft(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b", options={"num_ctx": 4096})
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        question = "explain this: " + "word " * 500  # ~850 tokens estimated: over 512 on its own
        await finished(await send(pilot, "first"))
        await finished(await send(pilot, question))
        box = screen.query_one(PromptInput)
        box.insert("a draft of my next question")
        # Alt+E on prompt 1, left untouched: Ctrl+R then ends the edit, the draft is what moves aside.
        screen.branches.start_edit(screen.pane.conversation.turns[0], 1)
        # The dialog closed without an answer (the palette's "New chat" or a resume pops it): nothing
        # waits for it any more, so Ctrl+R is not refused for ever after.
        screen.presets.options_edited({"num_ctx": 512})
        await pilot.press("ctrl+r")
        await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the overflow dialog")
        await back_to(app, screen)
        assert not screen.submitting
        await regenerate_into_a_new_chat(app, pilot, screen)
        await pilot.pause()
        # The regenerated prompt came along to the new chat (the draft may stay too): nothing lost.
        assert question.strip() in box.text, box.text
        # Sent from the box and moved to a new chat again: it stays the box's, the draft still held.
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the dialog again")
        second = screen.pane.conversation
        await pilot.press("n")
        await wait_until(lambda: screen.pane.conversation is not second, what="another new chat")
        await pilot.pause()
        assert question.strip() in box.text and screen.branches.carrying, box.text
        # The prompt holds the box and the draft waits: Esc puts the prompt away and the draft back (as
        # after an edit; sending it gives the draft back too, chat_branches.py `carry`).
        await pilot.press("escape")
        await wait_until(lambda: box.text == "a draft of my next question", what="the draft back")


async def test_a_chat_with_an_earlier_image_is_not_stuck_on_a_text_only_vllm_model(
    sim: Simulator, work: Path
) -> None:
    sim.store.install(VISION, SPECS[REGISTRY[VISION]])
    node1 = OpenAISimulator("vllm", rate=4000.0).start()  # serves glm-4.7-flash: text only
    try:
        endpoints = (Endpoint("desk", sim.url, "ollama"), Endpoint("node1", node1.url, "openai"))
        app = make_app(sim.url, model=VISION, endpoints=endpoints)
        async with app.run_test(size=(140, 40)) as pilot:
            await ready(app)
            screen = app.screen
            assert isinstance(screen, ChatScreen)
            assert await screen.attach.attach("cat.png")
            assert (await finished(await send(pilot, "what is it?"))).status is TurnStatus.DONE
            await app.switch_model("glm-4.7-flash", "node1")
            await ready(app)
            # The follow-up carries the first prompt's image: vLLM refuses it ("zai-org/GLM-4.7-Flash is
            # not a multimodal model"), and says so. The hint offers Ctrl+R...
            failed = await finished(await send(pilot, "write a haiku about it"))
            assert failed.status is TurnStatus.FAILED and "not a multimodal model" in (failed.error or "")
            await pilot.press("ctrl+r")
            await wait_until(lambda: pane(app).conversation.turns[-1] is not failed, what="the retry")
            retried = await finished(pane(app).conversation.turns[-1])
            # ...which is refused the same way, as is every later prompt of this chat on this model: the
            # engine has said it takes no images, yet the earlier ones go again (they could be left out,
            # as they are for an Ollama model known not to take them, screens/chat_attach.py `request`).
            assert retried.status is TurnStatus.DONE, retried.error
    finally:
        node1.stop()
