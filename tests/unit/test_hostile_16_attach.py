"""Hostile tests for issue 16's files and images (item 5): `@path` completion, reading files, what is shown
of untrusted file names, the export.

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

import base64
import errno
import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual.widgets import DirectoryTree

from glmtui.core.attachments import TEXT_CAP
from glmtui.core.errors import GlmTuiError
from glmtui.core.path_complete import at_token, replaced
from glmtui.core.state import Conversation, ImageAttachment, ModelDetails, Turn, TurnStatus
from glmtui.screens.chat_attach import ChatAttachments
from glmtui.screens.dialogs.attach import AttachFileScreen
from glmtui.services.attachments import complete_path, read_attachment
from glmtui.services.conversation_export import conversation_markdown
from glmtui.widgets.path_complete import PathCompletions
from tests.helpers import HostApp, attachments_for, panel_text, wait_until

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(24))
# File names are untrusted: a cloned repository or an unpacked archive picks them. An ESC sequence
# recolours (or, as OSC, retitles / writes the clipboard of) the terminal; an RLO reverses what follows.
HOSTILE_NAMES = ("a\x1b[31mred.txt", "b\u202etxt.exe")


def _tab(line: str, cwd: Path) -> tuple[str, list[str]]:
    """Type `line`, accept its one folder completion as Tab does (the core and services steps that
    ChatAttachments takes), and return the new line with the completions listed for it then."""
    token = at_token(line, len(line))
    assert token is not None
    offered = complete_path(token.path, cwd)
    assert len(offered) == 1 and offered[0].endswith("/"), offered
    text, column = replaced(line, token, offered[0])
    again = at_token(text, column)
    return text, complete_path(again.path, cwd) if again is not None else []


# -- @path completion: names the completion itself offers cannot be completed further ---------------


def test_a_folder_with_an_at_sign_lists_its_entries_once_accepted(tmp_path: Path) -> None:
    (tmp_path / "node_modules" / "@types").mkdir(parents=True)
    (tmp_path / "node_modules" / "@types" / "index.d.ts").write_text("export {}\n")
    text, listed = _tab("see @node_mod", tmp_path)
    assert listed == ["node_modules/@types/"]  # offered: npm's scoped packages live in such folders
    text, listed = _tab(text, tmp_path)
    assert text == "see @node_modules/@types/"
    assert listed == ["node_modules/@types/index.d.ts"]


def test_a_folder_with_a_space_lists_its_entries_once_accepted(tmp_path: Path) -> None:
    (tmp_path / "My Documents").mkdir()
    (tmp_path / "My Documents" / "notes.md").write_text("n\n")
    text, listed = _tab("read @My", tmp_path)
    assert "Documents" in text
    assert len(listed) == 1 and listed[0].endswith("notes.md")


# -- reading: a file that is not a regular file --------------------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(read_attachment("pipe", tmp_path))
        except GlmTuiError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    # Either it answers by itself (refused: the fix), or it is blocked in open() waiting for a writer:
    # a writer can only open a FIFO without blocking once a reader waits there (ENXIO before).
    unblocked = False
    while thread.is_alive() and not unblocked:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # lets the blocked open() return
            unblocked = True
        except OSError as exc:
            assert exc.errno == errno.ENXIO
        thread.join(0.01)
    thread.join(10)
    assert not unblocked, "read_attachment blocked on the FIFO until a writer came"
    assert isinstance(outcome[0], GlmTuiError) and outcome[0].kind == "attach"


def test_a_file_just_over_the_cap_is_not_said_to_be_the_cap(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * (TEXT_CAP + 1))
    with pytest.raises(GlmTuiError) as raised:
        read_attachment("big.txt", tmp_path)
    assert "is 256 KiB, over the 256 KiB limit" not in raised.value.message, raised.value.message


# -- untrusted file names reach the terminal as control codes ------------------------------------------


async def test_the_completion_list_never_draws_control_codes_from_file_names() -> None:
    completions = PathCompletions()
    app = HostApp([completions])
    async with app.run_test() as pilot:
        completions.open(HOSTILE_NAMES)
        await pilot.pause()
        drawn = panel_text(completions)
        assert "red.txt" in drawn and "txt.exe" in drawn
        assert "\x1b" not in drawn and "\u202e" not in drawn


async def test_the_file_picker_never_draws_control_codes_from_file_names(tmp_path: Path) -> None:
    for name in HOSTILE_NAMES:
        (tmp_path / name).write_text("x\n")
    app = HostApp([])
    async with app.run_test() as pilot:
        await app.push_screen(AttachFileScreen(tmp_path))
        tree = app.screen.query_one(DirectoryTree)
        await wait_until(lambda: len(tree.root.children) == 2, what="the tree's entries")
        await pilot.pause()
        drawn = panel_text(tree)
        assert "red.txt" in drawn and "txt.exe" in drawn
        assert "\x1b" not in drawn and "\u202e" not in drawn


# -- the export --------------------------------------------------------------------------------------


def test_the_export_says_which_images_a_prompt_was_sent_with() -> None:
    image = ImageAttachment("cat.png", len(PNG), base64.b64encode(PNG).decode())
    turn = Turn("what is it?", "gemma3:27b-it-qat", reply="A cat.", status=TurnStatus.DONE, images=(image,))
    exported = conversation_markdown(Conversation(turns=[turn]), now=0)
    assert "cat.png" in exported


# -- the vision verdict, from another model's capabilities ---------------------------------------------


def test_the_vision_verdict_is_not_taken_from_the_model_switched_away_from() -> None:
    # Switching models sets app.model, then awaits /api/show for the new one (model_watch.switch_model):
    # meanwhile model_info is still the old model's. ChatContext checks same_model for this; attachments
    # do not, and refuse a vision model's image with the text-only model's capabilities.
    said: list[str] = []
    app = SimpleNamespace(
        model="gemma3:27b-it-qat",
        model_info=ModelDetails("glm-4.7-flash:latest", capabilities=("completion", "tools", "thinking")),
        service=SimpleNamespace(kind="ollama"),
        notify=lambda text, **_: said.append(text),
    )
    host: Any = SimpleNamespace(app=app)
    attachments = ChatAttachments(host)
    attachments.pending.append(ImageAttachment("cat.png", len(PNG), base64.b64encode(PNG).decode()))
    prepared = attachments.prepare("what is it?")
    assert not any("gemma3:27b-it-qat cannot take images" in text for text in said), said
    assert prepared is not None


# -- the vision verdict for images sent again (a regenerate, an edit, a queued prompt) -----------------

GEMMA_DETAILS = ModelDetails("gemma3:27b-it-qat", capabilities=("completion", "vision"))
GLM_DETAILS = ModelDetails("glm-4.7-flash:latest", capabilities=("completion", "tools", "thinking"))


def _image_turn() -> Turn:
    image = ImageAttachment("cat.png", len(PNG), base64.b64encode(PNG).decode())
    return Turn("what is it?", "gemma3:27b-it-qat", reply="A cat.", status=TurnStatus.DONE, images=(image,))


def test_a_regenerate_for_a_text_only_model_goes_without_the_images_said_so() -> None:
    attachments, said = attachments_for(GLM_DETAILS)
    beside = _image_turn()
    assert attachments.peek("what is it?", beside=beside) == ()  # the overflow check counts none
    assert said == []  # a peek says nothing, unless the prompt moves with it (the dialog's "new chat")
    assert attachments.peek("what is it?", beside=beside, say=True) == ()
    assert any("goes without its images (cat.png)" in text for text in said), said
    said.clear()
    assert attachments.take("what is it?", beside=beside) == ((), ())
    assert any("goes without its images (cat.png)" in text for text in said), said
    assert [image.name for image in beside.images] == ["cat.png"]  # kept on the turn they went with


def test_a_regenerate_for_a_vision_model_goes_with_the_images() -> None:
    attachments, said = attachments_for(GEMMA_DETAILS)
    beside = _image_turn()
    images, chips = attachments.take("what is it?", beside=beside)
    assert images == beside.images and len(chips) == 1 and said == []


def test_images_refused_are_learnt_for_the_endpoint_the_turn_went_to() -> None:
    attachments, _ = attachments_for(GEMMA_DETAILS)
    app = attachments.screen.app
    app.endpoint = "node2"  # the chat moved on after the refused request went to node1
    attachments.images_refused(GEMMA_DETAILS.name, "node1")
    assert attachments.peek("what is it?", beside=_image_turn()) != ()  # node2's verdict unchanged
    app.endpoint = "node1"
    assert attachments.peek("what is it?", beside=_image_turn()) == ()  # node1 takes none


def test_a_queued_prompts_images_are_judged_once_the_model_is_known() -> None:
    attachments, said = attachments_for(GLM_DETAILS)
    queued = _image_turn()
    attachments.judge_queued(queued)
    assert queued.images == () and any("queued prompt goes without its images" in t for t in said), said
    vision, said = attachments_for(GEMMA_DETAILS)
    kept = _image_turn()
    vision.judge_queued(kept)
    assert len(kept.images) == 1 and said == []
