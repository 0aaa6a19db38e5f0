"""Hostile Pilot flows for how issue 16's parts combine: the overflow dialog's "new chat" for a
regenerated prompt (branches × the context guard × attachments).

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

from pathlib import Path

import pytest

from glmtui.app import GlmTuiApp
from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.context import ContextOverflowScreen
from glmtui.simulator import Simulator
from glmtui.simulator.catalogue import REGISTRY, SPECS
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import finished, make_app, ready, send, wait_until

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
VISION = "gemma3:27b-it-qat"

pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)


async def regenerate_into_a_new_chat(app: GlmTuiApp, pilot: object, screen: ChatScreen) -> None:
    """Ctrl+R after num_ctx was lowered in the options editor: the overflow dialog, answered "n"."""
    screen.presets.options_edited({"num_ctx": 512})  # Alt+O, num_ctx 512: the image alone is 768
    await pilot.press("ctrl+r")  # type: ignore[attr-defined]
    await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the overflow dialog")
    first = screen.pane.conversation
    await pilot.press("n")  # type: ignore[attr-defined]
    await wait_until(lambda: screen.pane.conversation is not first, what="the new chat")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cat.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.xfail(
    strict=True,
    reason="the overflow dialog's 'new chat' for a regenerate brings the prompt into the box but not the "
    "images it went with: Enter then sends it without them, and nothing says so",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="the overflow dialog's 'new chat' for a regenerate leaves the prompt out when the box holds a "
    "draft, yet says 'the prompt is in the box, Enter sends it': Enter sends the draft",
)
async def test_a_regenerate_moved_to_a_new_chat_is_not_lost_behind_a_draft(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b", options={"num_ctx": 4096})
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        question = "explain this: " + "word " * 500  # ~850 tokens estimated: over 512 on its own
        await finished(await send(pilot, question))
        box = screen.query_one(PromptInput)
        box.insert("a draft of my next question")
        await regenerate_into_a_new_chat(app, pilot, screen)
        await pilot.pause()
        # The regenerated prompt came along to the new chat (the draft may stay too): nothing lost.
        assert question.strip() in box.text, box.text
