"""Pilot flows for attachments: a text file through `@path` completion (fenced into the sent message), an
image through the picker to a vision model (the message's `images`), and the refusals (an image to a
text-only model, a binary and a missing file) that keep the prompt and the other attachments."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.attach import AttachFileScreen
from glmtui.simulator import Simulator
from glmtui.simulator.catalogue import REGISTRY, SPECS
from glmtui.widgets.attachments import AttachmentChips
from glmtui.widgets.message import UserMessage
from glmtui.widgets.path_complete import PathCompletions
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import chat_requests, finished, make_app, pane, ready, screen_text, wait_until

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "notes.md").write_text("Run:\n```sh\nmake\n```\n")
    (folder / "cat.png").write_bytes(PNG)
    (folder / "blob.bin").write_bytes(b"\x7fELF\x00\x00")
    monkeypatch.chdir(folder)
    return folder


async def test_at_path_completes_folders_then_attaches_a_file_fenced_into_the_message(
    sim: Simulator, work: Path
) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        completions = app.screen.query_one(PathCompletions)
        prompt = app.screen.query_one(PromptInput)
        await pilot.press(*"Review @d")
        await wait_until(lambda: completions.paths == ("docs/",), what="the folder completion")
        await pilot.press("tab")  # a folder: completed into the text, its entries listed
        await wait_until(lambda: completions.paths == ("docs/notes.md",), what="the folder's entries")
        assert prompt.text == "Review @docs/"
        await pilot.press("down", "enter")  # Enter accepts the highlighted completion: a chip
        chips = app.screen.query_one(AttachmentChips)
        await wait_until(lambda: chips.labels == ("▤ docs/notes.md · 20 B",), what="the chip")
        assert prompt.text == "Review " and not completions.is_open
        await pilot.press("enter")  # no completion open: Enter sends
        await wait_until(lambda: pane(app).conversation.turns, what="the turn")
        await finished(pane(app).conversation.turns[-1])
        sent = chat_requests(sim)[-1]["messages"][-1]
        assert sent["content"] == "Review\n\ndocs/notes.md:\n````\nRun:\n```sh\nmake\n```\n````"
        assert "images" not in sent
        assert chips.labels == ()  # sent with the prompt: the box starts clean
        assert "[▤ docs/notes.md · 20 B]" in str(pane(app).query_one(UserMessage).render())


async def test_an_image_goes_to_a_vision_model_from_the_picker(sim: Simulator, work: Path) -> None:
    sim.store.install("gemma3:27b-it-qat", SPECS[REGISTRY["gemma3:27b-it-qat"]])
    app = make_app(sim.url, model="gemma3:27b-it-qat")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("alt+a")
        await wait_until(lambda: isinstance(app.screen, AttachFileScreen), what="the picker")
        await pilot.press(*"cat.png", "enter")
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="the chat again")
        chips = app.screen.query_one(AttachmentChips)
        await wait_until(lambda: chips.labels == ("▣ cat.png · 48 B",), what="the image's chip")
        await pilot.press(*"what is it?", "enter")
        await wait_until(lambda: pane(app).conversation.turns, what="the turn")
        turn = await finished(pane(app).conversation.turns[-1])
        sent = chat_requests(sim)[-1]["messages"][-1]
        assert sent == {"role": "user", "content": "what is it?", "images": [base64.b64encode(PNG).decode()]}
        assert [image.name for image in turn.images] == ["cat.png"]
        # On to a model known text-only: the earlier image stays out of what is sent (vLLM refuses any
        # request carrying one), said once in the chat; the turn keeps it.
        await app.switch_model("glm-4.7-flash:latest")
        await wait_until(lambda: getattr(app.model_info, "name", None) == app.model, what="its details")
        for prompt in ("and now?", "still?"):
            await pilot.press(*prompt, "enter")
            await wait_until(lambda p=prompt: pane(app).conversation.turns[-1].prompt == p, what="the turn")
            await finished(pane(app).conversation.turns[-1])
            assert all("images" not in message for message in chat_requests(sim)[-1]["messages"])
        notices = [str(notice.render()) for notice in pane(app).query(".log-notice")]
        assert sum("the earlier prompts' images are left out" in notice for notice in notices) == 1, notices
        assert [image.name for image in turn.images] == ["cat.png"]


async def test_refusals_say_why_and_keep_the_prompt_and_the_other_attachments(
    sim: Simulator, work: Path
) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(app)
        chips = app.screen.query_one(AttachmentChips)
        prompt = app.screen.query_one(PromptInput)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await screen.attach.attach("docs/notes.md")
        prompt.insert("keep me")
        for path in ("cat.png", "blob.bin", "gone.txt"):
            assert not await screen.attach.attach(path)
        assert screen.attach.said == [
            "glm-4.7-flash:latest cannot take images: its capabilities are completion, tools, thinking",
            "blob.bin is binary; not attached",
            "gone.txt: no such file; not attached",
        ]
        await wait_until(lambda: "blob.bin is binary" in screen_text(app), what="the toast")
        assert chips.labels == ("▤ docs/notes.md · 20 B",) and prompt.text == "keep me"
        # Each file under the cap, together over it: refused at Enter, nothing sent, all kept.
        for name in ("big1.txt", "big2.txt"):
            (work / name).write_text("x" * 200_000)
            assert await screen.attach.attach(name)
        await pilot.press("enter")
        await wait_until(lambda: len(screen.attach.said) == 4, what="the refusal")
        assert "over the 256 KiB limit: nothing was sent" in screen.attach.said[-1]
        assert len(chips.labels) == 3 and prompt.text == "keep me"
        assert chat_requests(sim) == []


async def test_sglang_saying_its_model_sees_no_images_refuses_one_at_attach(work: Path) -> None:
    """SGLang would take the image and drop it unread: its /model_info `has_image_understanding` is read
    with the model's details, and the picture is refused at attach with that reason."""
    from glmtui.core.endpoints import Endpoint
    from glmtui.simulator import OpenAISimulator

    with OpenAISimulator("sglang", rate=2000.0) as server:  # found by the probe: kind auto
        app = make_app(server.url, model="glm-4.7-flash", endpoints=(Endpoint("node", server.url),))
        async with app.run_test(size=(120, 40)):
            await ready(app)
            screen = app.screen
            assert isinstance(screen, ChatScreen)
            await wait_until(lambda: app.model_info is not None, what="the model's details")
            assert not await screen.attach.attach("cat.png")
            assert screen.attach.said == [
                "glm-4.7-flash cannot take images: SGLang reports no image understanding for it "
                "(images sent to it would be dropped unread)"
            ]


async def test_an_sglang_that_does_not_say_is_sent_the_image_with_its_own_warning(work: Path) -> None:
    """An older SGLang says nothing of images (no has_image_understanding): unknown, not "no", so the
    image is attached; the warning says SGLang would drop it unread, not that the engine would refuse."""
    from glmtui.core.endpoints import Endpoint
    from glmtui.services.engines.sglang_info import UNKNOWN
    from glmtui.simulator import OpenAISimulator

    with OpenAISimulator("sglang", rate=2000.0) as server:
        server.legacy_model_info = True
        app = make_app(server.url, model="glm-4.7-flash", endpoints=(Endpoint("node", server.url),))
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(app)
            screen = app.screen
            assert isinstance(screen, ChatScreen)
            await wait_until(lambda: app.model_info is not None, what="the model's details")
            assert await screen.attach.attach("cat.png")
            app.screen.query_one(PromptInput).insert("what is it?")
            await pilot.press("enter")
            await wait_until(lambda: screen.attach.said, what="the warning")
            assert screen.attach.said == [UNKNOWN.format(model="glm-4.7-flash")]
            await wait_until(lambda: pane(app).conversation.turns, what="the turn")
            await finished(pane(app).conversation.turns[-1])
        sent = [body for _, path, body in server.requests if path == "/v1/chat/completions"]
        assert sent[-1]["messages"][-1]["content"][1]["type"] == "image_url"  # sent, as said
