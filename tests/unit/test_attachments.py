"""Attachments: kinds by magic bytes, fencing, caps, the vision verdict (core); reading files with every
bad input (services); `@path` completion's rules and listing; images on the wire of both engines and both
simulators (Ollama `images`, OpenAI content parts), through the official clients over real sockets."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from glmtui.core.attachments import (
    TEXT_CAP,
    TextAttachment,
    chip_label,
    decode_text,
    fence_for,
    fenced_block,
    image_kind,
    prompt_with_files,
    sizes_against,
    text_over_cap,
    vision_verdict,
)
from glmtui.core.errors import GlmTuiError
from glmtui.core.path_complete import at_token, escape, matches, removed, replaced, split_path, unescape
from glmtui.core.state import ImageAttachment, user_message
from glmtui.core.stats import LiveStats
from glmtui.screens.dialogs.attach import name_label
from glmtui.services.attachments import complete_path, read_attachment
from glmtui.services.engines.base import StreamDone
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.openai import OpenAIEngine
from glmtui.services.engines.openai_wire import chat_body
from glmtui.simulator import OpenAISimulator, Simulator
from glmtui.simulator.catalogue import REGISTRY, SPECS
from glmtui.simulator.images import IMAGE_TOKENS
from glmtui.widgets.attachments import chip_width, wrap_rows
from tests.helpers import SIM_RATE, answer_json

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24  # the magic is all that is read
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
GIF = b"GIF89a" + b"\x01" * 10


# -- core ------------------------------------------------------------------------------------------


def test_images_are_told_by_magic_bytes_not_by_name() -> None:
    assert [image_kind(data) for data in (PNG, JPEG, WEBP, GIF)] == ["png", "jpeg", "webp", "gif"]
    assert image_kind(b"just text, named cat.png") is None
    assert image_kind(b"RIFF\x10\x00\x00\x00WAVE") is None  # a RIFF that is not WebP


def test_binary_is_a_nul_byte_or_not_utf8() -> None:
    assert decode_text("héllo\n".encode()) == "héllo\n"
    assert decode_text(b"\xef\xbb\xbfbom") == "bom"
    assert decode_text(b"a\x00b") is None
    assert decode_text(b"\xff\xfe latin-1 \xe9") is None


def test_the_fence_is_longer_than_any_backtick_run_inside() -> None:
    assert fence_for("plain") == "```"
    assert fence_for("```py\nx\n```") == "````"
    assert fence_for("a ````` b") == "``````"
    block = fenced_block(TextAttachment("notes.md", 14, "```\ncode\n```"))
    assert block == "notes.md:\n````\n```\ncode\n```\n````"
    assert prompt_with_files("Review this", [TextAttachment("a.py", 6, "x = 1\n")]) == (
        "Review this\n\na.py:\n```\nx = 1\n```"
    )


def test_text_cap_counts_every_file_together() -> None:
    files = [TextAttachment("a", 600, ""), TextAttachment("b", 600, "")]
    assert text_over_cap(files, cap=1200) is None
    reason = text_over_cap(files, cap=1000)
    assert reason is not None and "1.2 KiB" in reason and "nothing was sent" in reason


def test_vision_verdict_refuses_with_the_capabilities_and_allows_unknown() -> None:
    assert vision_verdict("gemma3:27b-it-qat", ("completion", "vision")) == ("yes", "")
    verdict, reason = vision_verdict("glm-4.7-flash:q4_K_M", ("completion", "tools", "thinking"))
    assert verdict == "no"
    assert (
        reason == "glm-4.7-flash:q4_K_M cannot take images: its capabilities are completion, tools, thinking"
    )
    verdict, reason = vision_verdict("glm-4.7-flash", None)
    assert verdict == "unknown" and "not known" in reason


def test_chips_name_the_file_and_its_size() -> None:
    assert chip_label(TextAttachment("a.py", 2048, "")) == "▤ a.py · 2.0 KiB"
    assert chip_label(ImageAttachment("cat.png", 40_000, "")) == "▣ cat.png · 39 KiB"


# -- reading files: every bad input ---------------------------------------------------------------


def test_a_text_file_and_an_image_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('hi')\n")
    (tmp_path / "cat.bin").write_bytes(PNG)  # an image by its bytes, whatever its name
    text = read_attachment("a.py", tmp_path)
    assert text == TextAttachment("a.py", 12, "print('hi')\n")
    image = read_attachment("cat.bin", tmp_path)
    assert isinstance(image, ImageAttachment) and base64.b64decode(image.data) == PNG


def test_home_and_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "n.txt").write_text("n")
    assert isinstance(read_attachment("~/n.txt", Path("/")), TextAttachment)
    assert isinstance(read_attachment(str(tmp_path / "n.txt"), Path("/")), TextAttachment)


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        (lambda d: None, "missing.txt: no such file; not attached"),
        (lambda d: (d / "missing.txt").mkdir(), "missing.txt is a folder; not attached"),
        (lambda d: (d / "missing.txt").write_bytes(b"ELF\x00\x01"), "missing.txt is binary; not attached"),
        (lambda d: (d / "missing.txt").write_bytes(b"caf\xe9"), "missing.txt is binary; not attached"),
        (lambda d: (d / "missing.txt").write_text("x" * 2000), "missing.txt is 2.0 KiB, over the 1000 B"),
        (lambda d: (d / "missing.txt").write_bytes(PNG + b"\x00" * 3000), "over the 2.0 KiB limit for an"),
    ],
    ids=["missing", "folder", "nul", "not-utf8", "text-too-big", "image-too-big"],
)
def test_bad_files_are_refused_with_a_reason(tmp_path: Path, setup: Any, said: str) -> None:
    setup(tmp_path)
    with pytest.raises(GlmTuiError) as raised:
        read_attachment("missing.txt", tmp_path, text_cap=1000, image_cap=2000)
    assert said in raised.value.message and raised.value.kind == "attach"


def test_a_device_or_a_socket_is_refused_as_not_a_regular_file(tmp_path: Path) -> None:
    # A FIFO is the hostile test's; /dev/zero would be read without end, /dev/tty waits on the keyboard.
    with pytest.raises(GlmTuiError, match=r"/dev/zero is a device, not a regular file; not attached"):
        read_attachment("/dev/zero", tmp_path)
    (tmp_path / "real.txt").write_text("r\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")  # a link to a regular file is one
    assert read_attachment("link.txt", tmp_path) == TextAttachment("link.txt", 2, "r\n")


def test_sizes_within_a_percent_of_the_cap_are_exact_so_over_is_visibly_over() -> None:
    assert sizes_against(TEXT_CAP + 1, TEXT_CAP) == ("262,145 B", "262,144 B (256 KiB)")
    assert sizes_against(2 * TEXT_CAP, TEXT_CAP) == ("512 KiB", "256 KiB")
    said = text_over_cap([TextAttachment("a", TEXT_CAP, ""), TextAttachment("b", 1, "")])
    assert said is not None and "come to 262,145 B, over the 262,144 B (256 KiB) limit" in said


def test_file_names_are_drawn_as_data_on_one_line(tmp_path: Path) -> None:
    # The picker's tree read a name as markup: `[/]` raised MarkupError, `[red]` styled it.
    label = name_label("[/]a\x1b[2J\nb[red]")
    assert label.plain == "[/]a\u241b[2J\u240ab[red]" and not label.spans
    # A name's line break would split its chip and its fenced block's heading line.
    (tmp_path / "two\nlines.txt").write_text("t\n")
    assert read_attachment("two\nlines.txt", tmp_path).name == "two\u240alines.txt"


def test_a_path_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("f")
    with pytest.raises(GlmTuiError, match=r"file.txt/x cannot be read \(Not a directory\)"):
        read_attachment("file.txt/x", tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    secret.chmod(0)
    with pytest.raises(GlmTuiError, match=r"secret\.txt cannot be read"):
        read_attachment("secret.txt", tmp_path)


# -- @path completion ------------------------------------------------------------------------------


def test_the_at_token_is_a_word_starting_with_at() -> None:
    assert at_token("look at @src/gl", 15) == at_token("look at @src/gl", 15)
    token = at_token("look at @src/gl and", 15)
    assert token is not None and (token.start, token.path) == (8, "src/gl")
    assert at_token("@", 1) is not None and at_token("@", 1).path == ""  # type: ignore[union-attr]
    assert at_token("mail me@host", 12) is None  # not at a word's start
    assert at_token("@a b", 4) is None  # the cursor is past the word
    assert split_path("~/no/te") == ("~/no/", "te") and split_path("abc") == ("", "abc")
    assert replaced("x @sr y", at_token("x @sr y", 5), "src/") == ("x @src/ y", 7)  # type: ignore[arg-type]
    assert removed("x @src/a.py y", at_token("x @src/a.py y", 11)) == ("x  y", 2)  # type: ignore[arg-type]


def test_the_at_token_is_a_shell_word_with_backslash_escapes() -> None:
    # An `@` inside the word is part of the path (npm's scoped packages); the word must start with `@`.
    token = at_token("see @node_modules/@ty", 21)
    assert token is not None and (token.start, token.path) == (4, "node_modules/@ty")
    assert at_token("a@b/@c", 6) is None
    # Whitespace escaped by a backslash stays in the word, and the path reads it back unescaped.
    line = r"read @My\ Documents/no"
    token = at_token(line, len(line))
    assert token is not None and (token.start, token.path) == (5, "My Documents/no")
    assert at_token("read @My\\", 9).path == "My"  # type: ignore[union-attr]  # an escape being typed
    # A completion goes in escaped (space, tab, backslash), and comes back the same.
    text, column = replaced("x @My y", at_token("x @My y", 5), "My Docs\\a/")  # type: ignore[arg-type]
    assert (text, column) == (r"x @My\ Docs\\a/ y", 15)
    assert at_token(text, column).path == "My Docs\\a/"  # type: ignore[union-attr]
    assert escape("a\tb") == "a\\\tb" and unescape(escape("a \\ b")) == "a \\ b"


def test_matches_hide_dot_entries_unless_asked_and_mark_folders() -> None:
    entries = [("src", True), (".git", True), ("setup.py", False), ("README", False), (".env", False)]
    assert matches("", entries) == ["README", "setup.py", "src/"]
    assert matches("s", entries) == ["setup.py", "src/"]
    assert matches(".", entries) == [".env", ".git/"]
    assert matches("", entries, limit=1) == ["README"]


def test_complete_path_lists_relative_home_and_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("")
    (tmp_path / "setup.py").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert complete_path("s", tmp_path) == ["setup.py", "src/"]
    assert complete_path("src/", tmp_path) == ["src/main.py"]
    assert complete_path("~/sr", Path("/")) == ["~/src/"]
    assert complete_path(f"{tmp_path}/se", Path("/")) == [f"{tmp_path}/setup.py"]
    assert complete_path("nowhere/", tmp_path) == []


# -- on the wire: both engines, both simulators ---------------------------------------------------


def _image() -> ImageAttachment:
    return ImageAttachment("cat.png", len(PNG), base64.b64encode(PNG).decode())


def test_openai_body_turns_images_into_content_parts() -> None:
    message = user_message("what is this?", (_image(),))
    body = chat_body("m", [{"role": "system", "content": "s"}, message], {})
    assert body["messages"][0] == {"role": "system", "content": "s"}
    assert body["messages"][1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{_image().data}"}},
        ],
    }


async def _stats(events: Any) -> Any:
    final = None
    async for event in events:
        if type(event) is StreamDone:
            final = event.stats
    return final


async def test_ollama_takes_images_counts_them_on_a_vision_model_and_drops_them_on_a_text_one(
    sim: Simulator,
) -> None:
    sim.store.install("gemma3:27b-it-qat", SPECS[REGISTRY["gemma3:27b-it-qat"]])
    engine = OllamaService(sim.url)
    try:
        plain = await _stats(
            engine.chat("gemma3:27b-it-qat", [user_message("hi")], think=None, live=LiveStats())
        )
        seen = await _stats(
            engine.chat("gemma3:27b-it-qat", [user_message("hi", (_image(),))], think=None, live=LiveStats())
        )
        # A text-only model: accepted (Ollama checks no vision capability), the image dropped.
        text_only = await _stats(
            engine.chat(
                "glm-4.7-flash:latest", [user_message("hi", (_image(),))], think="off", live=LiveStats()
            )
        )
    finally:
        await engine.close()
    sent = [body for _, path, body in sim.requests if path == "/api/chat"]
    assert sent[1]["messages"][0]["images"] == [_image().data]
    assert seen.prompt_eval_count == plain.prompt_eval_count + IMAGE_TOKENS
    assert text_only is not None and text_only.prompt_eval_count < IMAGE_TOKENS


def test_ollama_simulator_refuses_bad_base64_as_go_does(sim: Simulator) -> None:
    import httpx

    body = {
        "model": "glm-4.7-flash:latest",
        "messages": [{"role": "user", "content": "x", "images": ["ab$"]}],
    }
    answer = httpx.post(f"{sim.url}/api/chat", json=body)
    assert answer.status_code == 400 and answer.json() == {"error": "illegal base64 data at input byte 2"}


async def test_openai_engines_send_content_parts_and_vllm_refuses_a_text_only_model() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as server:
        engine = OpenAIEngine(server.url, flavour="vllm")
        try:
            # vLLM main's wording for a text-only model (registry.create_processor)
            with pytest.raises(GlmTuiError, match=r"GLM-4\.7-Flash is not a multimodal model") as refused:
                await _stats(
                    engine.chat(
                        "glm-4.7-flash", [user_message("hi", (_image(),))], think="off", live=LiveStats()
                    )
                )
            assert refused.value.kind == "no-images"
            plain = await _stats(
                engine.chat("glm-4.7-flash", [user_message("hi")], think="off", live=LiveStats())
            )
            server.vision_models.add("glm-4.7-flash")
            seen = await _stats(
                engine.chat("glm-4.7-flash", [user_message("hi", (_image(),))], think="off", live=LiveStats())
            )
        finally:
            await engine.close()
    sent = [body for _, path, body in server.requests if path == "/v1/chat/completions"]
    assert sent[-1]["messages"][0]["content"][1]["type"] == "image_url"
    assert seen.prompt_eval_count == plain.prompt_eval_count + IMAGE_TOKENS


def test_the_export_names_each_image_with_its_size_on_one_safe_line() -> None:
    from glmtui.core.state import Conversation, Turn, TurnStatus
    from glmtui.services.conversation_export import conversation_markdown

    images = (ImageAttachment("cat.png", 2048, ""), ImageAttachment("a`\x1b[31m\nb.png", 12, ""))
    turn = Turn("what are they?", "gemma3:27b-it-qat", reply="Cats.", status=TurnStatus.DONE, images=images)
    exported = conversation_markdown(Conversation(turns=[turn]), now=0)
    assert "_Sent with images: `cat.png` (2.0 KiB), `a'\u241b[31m\u240ab.png` (12 B)_" in exported
    plain = Turn("hi", "m", reply="Hi.", status=TurnStatus.DONE)
    assert "Sent with image" not in conversation_markdown(Conversation(turns=[plain]), now=0)


def test_chips_wrap_into_rows_at_the_width() -> None:
    assert wrap_rows([10, 10, 10], 25) == [[0, 1], [2]]
    assert wrap_rows([10, 30, 5], 25) == [[0], [1], [2]]  # too wide for any row: a row of its own
    assert wrap_rows([], 25) == []
    assert chip_width("▤ a.md · 1 B") == len("▤ a.md · 1 B  ✕") + 3  # padding both sides, margin after


async def test_sglang_drops_a_text_only_models_images_and_says_so_in_model_info() -> None:
    """SGLang takes images to a text-only model and drops them unread (no image tokens); what it says
    is `has_image_understanding` in /model_info (and the deprecated /get_model_info), which the engine
    reads into the model's details: "vision" in its capabilities, and the sentence to show."""
    import httpx

    from glmtui.services.engines.sglang_info import IMAGES_KEY, NO_IMAGES, TAKES_IMAGES

    with OpenAISimulator("sglang", rate=SIM_RATE) as server:
        for path in ("/model_info", "/get_model_info"):
            assert httpx.get(f"{server.url}{path}").json()["has_image_understanding"] is False
        engine = OpenAIEngine(server.url, flavour="sglang")
        try:
            blind = await engine.show("glm-4.7-flash")
            plain = await _stats(
                engine.chat("glm-4.7-flash", [user_message("hi")], think="off", live=LiveStats())
            )
            dropped = await _stats(
                engine.chat("glm-4.7-flash", [user_message("hi", (_image(),))], think="off", live=LiveStats())
            )
            server.vision_models.add("glm-4.7-flash")
            engine.forget("glm-4.7-flash")
            seeing = await engine.show("glm-4.7-flash")
        finally:
            await engine.close()
    assert "vision" not in blind.capabilities and blind.model_info[IMAGES_KEY] == NO_IMAGES
    assert dropped.prompt_eval_count == plain.prompt_eval_count  # accepted, the image counted nothing
    assert "vision" in seeing.capabilities and seeing.model_info[IMAGES_KEY] == TAKES_IMAGES


async def test_an_older_sglang_leaves_images_unknown_and_a_failed_read_is_asked_again() -> None:
    """An SGLang whose model facts lack the key: unknown for good (not "no"). No route answering at all
    (a blip): unknown for now, so the details are not cached and the next look asks again."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from glmtui.services.engines.sglang_info import IMAGES_KEY, NO_IMAGES

    with OpenAISimulator("sglang", rate=SIM_RATE) as server:
        server.legacy_model_info = True
        engine = OpenAIEngine(server.url, flavour="sglang")
        try:
            unsaid = await engine.show("glm-4.7-flash")
        finally:
            await engine.close()
    assert IMAGES_KEY not in unsaid.model_info and "vision" not in unsaid.capabilities

    asked: list[str] = []

    class Flaky(BaseHTTPRequestHandler):
        """The model facts fail the first time they are asked for (both routes), then answer."""

        def do_GET(self) -> None:
            asked.append(self.path)
            facts = {"model_path": "m", "has_image_understanding": False}
            bodies = {"/v1/models": {"object": "list", "data": [{"id": "glm", "owned_by": "sglang"}]}}
            bodies |= {"/get_server_info": {"reasoning_parser": "glm45", "version": "0.5.9"}}
            if len([p for p in asked if p.endswith("model_info")]) > 2:
                bodies |= {"/model_info": facts}
            answer_json(self, 200 if self.path in bodies else 500, bodies.get(self.path, {"detail": "boom"}))

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    engine = OpenAIEngine(f"http://127.0.0.1:{httpd.server_address[1]}", flavour="sglang")
    try:
        first = await engine.show("glm")
        second = await engine.show("glm")
    finally:
        await engine.close()
        httpd.shutdown()
        httpd.server_close()
    assert IMAGES_KEY not in first.model_info
    assert second.model_info[IMAGES_KEY] == NO_IMAGES
