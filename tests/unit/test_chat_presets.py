"""The chat's preset on resume (ChatPresets.resumed), with a stand-in screen: the preset a conversation's
last turn names comes back only while it still says what the conversation is sent, else none, said so;
the name shown is sanitised; and the export writes what a turn was sent with on one line."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from glmtui.core.presets import Preset
from glmtui.core.state import Conversation, GenerationRequest, Turn, TurnStatus
from glmtui.screens.chat_context import ChatContext
from glmtui.screens.chat_presets import ChatPresets, PresetHost
from glmtui.services.conversation_export import conversation_markdown

QUIET = "Answer in one line."
TERSE = Preset("GLM terse", system=QUIET, options={"temperature": 0.5})


@dataclass
class FakeApp:
    presets: tuple[Preset, ...]
    notices: list[str] = field(default_factory=list)
    config: Any = field(default_factory=lambda: SimpleNamespace(options={"temperature": 0.8}))
    model: str = "m"

    def notify(self, message: str, **_: Any) -> None:
        self.notices.append(message)


@dataclass
class FakeBar:
    preset: str = ""
    edited: bool = False


@dataclass
class FakeScreen:
    app: FakeApp
    status_bar: FakeBar = field(default_factory=FakeBar)
    context: ChatContext = field(init=False)

    def __post_init__(self) -> None:
        self.context = ChatContext(cast(Any, self))


def resumed(presets: tuple[Preset, ...], named: str, system: str | None) -> tuple[ChatPresets, FakeScreen]:
    screen = FakeScreen(FakeApp(presets))
    chat = ChatPresets(cast(PresetHost, screen))
    chat.preset = Preset("another")  # the chat's before: a resumed conversation does not inherit it
    turn = Turn(prompt="p", model="m", status=TurnStatus.DONE, preset=named)
    chat.resumed(Conversation(turns=[turn], system=system))
    return chat, screen


def test_the_preset_the_last_turn_names_comes_back() -> None:
    chat, screen = resumed((TERSE,), "GLM terse", QUIET)
    assert chat.preset == TERSE and screen.status_bar.preset == "GLM terse"
    assert screen.app.notices == []


def test_a_preset_no_longer_in_the_config_is_not_claimed() -> None:
    chat, screen = resumed((), "GLM terse", QUIET)
    assert chat.preset is None and screen.status_bar.preset == ""
    assert any("no longer in the config" in notice for notice in screen.app.notices), screen.app.notices


def test_a_preset_whose_system_prompt_changed_since_is_not_claimed() -> None:
    changed = Preset("GLM terse", system="Answer in French.")
    chat, screen = resumed((changed,), "GLM terse", QUIET)  # the conversation keeps its own prompt
    assert chat.preset is None
    assert any("system prompt" in notice for notice in screen.app.notices), screen.app.notices


def test_a_conversation_sent_without_a_preset_goes_on_without_one_and_says_so() -> None:
    chat, screen = resumed((TERSE,), "", None)
    assert chat.preset is None and screen.status_bar.preset == ""
    assert any("another" in notice for notice in screen.app.notices), screen.app.notices


def test_the_name_on_the_status_bar_is_sanitised() -> None:
    odd = Preset("odd\x1b[2J\u202e")
    _, screen = resumed((odd,), odd.name, None)
    assert screen.status_bar.preset == "odd\u241b[2J⟨U+202E⟩"


def test_the_export_writes_what_a_turn_was_sent_with_on_one_line() -> None:
    # A name stored before names were checked: its newline must not end the export's line.
    turn = Turn(prompt="p", model="m", status=TurnStatus.DONE, preset="two\nlines", options={"seed": 1})
    text = conversation_markdown(Conversation(turns=[turn], title="t"), now=0)
    assert "_Sent with preset two\u240alines · options seed 1_" in text, text


# -- the chat's option edits on resume, and the options editor's num_ctx ----------------------------------


def test_a_resumed_conversation_is_sent_the_options_its_last_turn_was_sent_with() -> None:
    screen = FakeScreen(FakeApp((TERSE,)))
    chat = ChatPresets(cast(PresetHost, screen))
    chat.edits = {"top_k": 5}  # the chat shown before's: they must not carry on unsaid
    sent = {"temperature": 0.3, "top_p": 0.9, "num_ctx": 8192}  # config 0.8, preset 0.5, then edits
    turn = Turn(prompt="p", model="m", status=TurnStatus.DONE, preset="GLM terse", options=sent)
    chat.resumed(Conversation(turns=[turn], system=QUIET))
    assert chat.edits == sent and screen.status_bar.edited
    request = chat.apply(GenerationRequest("m", None, options=dict(screen.app.config.options)))
    assert dict(request.options) == sent
    assert any("as its last prompt was sent" in notice for notice in screen.app.notices)
    # A turn sent with the preset's and config's own values alone: no edits, and the old ones said gone.
    chat.edits = {"top_k": 5}
    plain = Turn(
        prompt="p", model="m", status=TurnStatus.DONE, preset="GLM terse", options={"temperature": 0.5}
    )
    chat.resumed(Conversation(turns=[plain], system=QUIET))
    assert chat.edits == {} and not screen.status_bar.edited
    assert any("do not carry into" in notice for notice in screen.app.notices)
    # Only what the options editor shows becomes an edit; the others are said. A num_ctx the overflow
    # dialog raised for its model (still in force) is that raise, not an edit.
    screen.context.raised["m"] = 16_384
    odd = {"temperature": 0.5, "mirostat": 2, "num_ctx": 16_384}
    chat.resumed(
        Conversation(
            turns=[Turn("p", "m", status=TurnStatus.DONE, preset="GLM terse", options=odd)], system=QUIET
        )
    )
    assert chat.edits == {} and screen.context.raised_for("m") == 16_384
    assert any("Not carried" in notice and "mirostat" in notice for notice in screen.app.notices)


def test_a_num_ctx_set_in_the_editor_replaces_a_raise_and_the_editor_shows_the_raise() -> None:
    screen = FakeScreen(FakeApp(()))
    chat = ChatPresets(cast(PresetHost, screen))
    screen.context.raised["m:latest"] = 16_384  # the overflow dialog's "raise"
    assert chat.inherited()["num_ctx"] == 16_384  # the placeholder says what goes
    chat.options_edited({"temperature": 0.2})  # another field: the raise stays
    assert screen.context.raised_for("m") == 16_384
    chat.options_edited({"temperature": 0.2, "num_ctx": 4096})
    assert screen.context.raised_for("m") is None
    request = screen.context.request(chat.apply(GenerationRequest("m", None, options={})))
    assert request.options["num_ctx"] == 4096
