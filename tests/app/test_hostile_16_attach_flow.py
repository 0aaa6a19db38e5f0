"""Hostile Pilot flows for issue 16's files and images (item 5).

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from glmtui.screens.chat import ChatScreen
from glmtui.simulator import Fault, Simulator
from glmtui.simulator.catalogue import REGISTRY, SPECS
from glmtui.widgets.attachments import AttachmentChips, Chip
from glmtui.widgets.branch_prompt import BranchPrompt
from glmtui.widgets.path_complete import PathCompletions
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import chat_requests, finished, make_app, pane, ready, wait_until

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
VISION = "gemma3:27b-it-qat"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "cat.png").write_bytes(PNG)
    monkeypatch.chdir(folder)
    return folder


async def test_retrying_a_failed_prompt_sends_its_image_again(sim: Simulator, work: Path) -> None:
    sim.store.install(VISION, SPECS[REGISTRY[VISION]])
    app = make_app(sim.url, model=VISION)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert await screen.attach.attach("cat.png")
        sim.inject(Fault(kind="http500", message="llama runner crashed"))
        await pilot.press(*"what is it?", "enter")
        await wait_until(lambda: pane(app).conversation.turns, what="the turn")
        failed = await finished(pane(app).conversation.turns[-1])
        assert [image.name for image in failed.images] == ["cat.png"]  # it went with the first try
        # Ctrl+R now regenerates (branches, merged after this test was written): the retry is a new
        # branch beside the failed turn, in its place on the visible branch, not a second turn after it.
        await pilot.press("ctrl+r")
        await wait_until(lambda: pane(app).conversation.turns[-1] is not failed, what="the retried turn")
        retried = await finished(pane(app).conversation.turns[-1])
        sent = chat_requests(sim)[-1]["messages"][-1]
        assert sent["content"] == "what is it?"
        assert sent.get("images") == [base64.b64encode(PNG).decode()]
        # ...and it shows the image it went with, as the first try did.
        assert [image.name for image in retried.images] == ["cat.png"]
        shown = pane(app).query(BranchPrompt).last()
        assert shown.turn is retried and "cat.png" in shown.prompt_text.plain
        # Regenerated for a text-only model: the vision verdict applies as at Enter (sent without them).
        await app.switch_model("glm-4.7-flash:latest")
        await wait_until(lambda: getattr(app.model_info, "name", "") == app.model, what="its details")
        await pilot.press("ctrl+r")
        await wait_until(lambda: len(chat_requests(sim)) == 3, what="the regenerate for glm")
        await finished(pane(app).conversation.turns[-1])
        assert not any("images" in m for m in chat_requests(sim)[-1]["messages"])
        assert any("goes without its images" in said for said in screen.attach.said)


async def test_a_refused_completion_keeps_the_typed_path_in_the_prompt(sim: Simulator, work: Path) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")  # text-only: the image is refused
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        completions = screen.query_one(PathCompletions)
        prompt = screen.query_one(PromptInput)
        await pilot.press(*"describe @ca")
        await wait_until(lambda: completions.paths == ("cat.png",), what="the completion")
        await pilot.press("tab")
        await wait_until(lambda: screen.attach.said, what="the refusal")
        assert "cannot take images" in screen.attach.said[-1]
        assert screen.query_one(AttachmentChips).labels == ()
        assert prompt.text == "describe @cat.png"  # nothing lost: the user can fix it or send it as text


async def test_every_attached_file_has_a_visible_chip(sim: Simulator, work: Path) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        for n in range(6):
            (work / f"chapter-{n:02d}-notes.md").write_text(f"notes {n}\n")
            assert await screen.attach.attach(f"chapter-{n:02d}-notes.md")
        chips = screen.query_one(AttachmentChips)
        await wait_until(lambda: len(chips.labels) == 6, what="six chips")
        await pilot.pause()
        width = screen.size.width
        shown = [chip for chip in screen.query(Chip) if chip.region.right <= width and chip.region.width]
        assert len(shown) == 6, [chip.region for chip in screen.query(Chip)]
