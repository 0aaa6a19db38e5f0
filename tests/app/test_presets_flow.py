"""Presets and the chat's options editor, on the simulator: what each request carries (its request log),
the status bar, the system prompt saved with a conversation under way, a model the preset is not for."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Static

from glmtui.app import GlmTuiApp
from glmtui.core.presets import Preset
from glmtui.screens.dialogs.options import PaneOptionsScreen
from glmtui.screens.dialogs.presets import PresetScreen
from glmtui.screens.help import bindings_table
from glmtui.services.preset_store import saved_system
from glmtui.simulator import Simulator
from tests.helpers import (
    chat_requests,
    finished,
    make_app,
    pane,
    pick_preset,
    ready,
    screen_text,
    send,
    status_bar,
    wait_until,
)

MODEL = "glm-4.7-flash:latest"
BASE = {"num_ctx": 4096, "temperature": 0.2}  # the config's [options]
TOOL = {"type": "function", "function": {"name": "ls", "parameters": {"type": "object", "properties": {}}}}
TERSE = Preset(
    "GLM terse",
    system="Answer in one line.",
    options={"temperature": 0.5},
    models=("glm-4.7-flash*",),
    tools=(TOOL,),
)


pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)


def preset_app(sim: Simulator) -> GlmTuiApp:
    return make_app(sim.url, model=MODEL, options=BASE, presets=(TERSE,))


async def test_a_request_carries_exactly_the_presets_options_system_prompt_and_tools(sim: Simulator) -> None:
    app = preset_app(sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "hello"))
        first = chat_requests(sim)[-1]
        assert first["options"] == BASE and first["messages"][0]["role"] == "user" and not first.get("tools")

        # A built-in for this model: its options over the config's, nothing else.
        await pick_preset(pilot, app, "coding")
        assert status_bar(app).preset == "GLM-4.7-Flash coding"
        await wait_until(lambda: "preset GLM-4.7-Flash coding" in screen_text(app), what="the status bar")
        turn = await finished(await send(pilot, "again"))
        body = chat_requests(sim)[-1]
        assert body["options"] == {"num_ctx": 4096, "temperature": 0.7, "top_p": 1.0}
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert turn.preset == "GLM-4.7-Flash coding" and turn.options == body["options"]

        # The user's preset, mid-conversation: its system prompt from this turn on, and saved.
        await pick_preset(pilot, app, "terse")
        await finished(await send(pilot, "third"))
        body = chat_requests(sim)[-1]
        assert body["options"] == {"num_ctx": 4096, "temperature": 0.5}
        assert body["messages"][0] == {"role": "system", "content": "Answer in one line."}
        assert body["tools"] == [TOOL]
        conversation = pane(app).conversation
        store = app.journal.store
        assert conversation.id is not None and store is not None
        assert saved_system(store, conversation.id) == "Answer in one line."

        # A new chat keeps the preset; a model it is not for drops it, and says so.
        await pilot.press("ctrl+n")
        await wait_until(lambda: pane(app).conversation is not conversation, what="a new chat")
        assert (
            pane(app).conversation.system == "Answer in one line." and status_bar(app).preset == "GLM terse"
        )
        await app.switch_model("qwen3-coder:30b")
        await wait_until(lambda: status_bar(app).preset == "", what="the preset dropped")
        assert pane(app).conversation.system is None
        await finished(await send(pilot, "plain"))
        body = chat_requests(sim)[-1]
        assert body["options"] == BASE and not body.get("tools")
        # The picker marks a preset for another model and does not take it: the reason, and it stays.
        await pilot.press("f9")
        await wait_until(lambda: isinstance(app.screen, PresetScreen), what="the preset picker")
        await pilot.press(*"flash coding", "enter")
        refused = app.screen.query_one("#preset-refused", Static)
        await wait_until(lambda: "not qwen3-coder:30b" in str(refused.render()), what="the refusal")
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, PresetScreen), what="the picker closed")
        assert status_bar(app).preset == ""


async def test_options_editor_reaches_the_next_request_and_resets(sim: Simulator) -> None:
    app = preset_app(sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        # F1 lists both keys with their ids, as it lists the others.
        console = Console(width=200, record=True)
        console.print(bindings_table(app.screen))
        listed = console.export_text()
        assert "Preset…" in listed and "pick-preset" in listed and "f9" in listed.lower()
        assert "Chat options…" in listed and "chat-options" in listed
        await pilot.press("alt+o")
        await wait_until(lambda: isinstance(app.screen, PaneOptionsScreen), what="the options editor")
        dialog: Any = app.screen
        # The model's Modelfile says temperature 1; the config sends 0.2: highlighted as differing.
        assert "temperature" in dialog.differing()
        await pilot.press(*"0.9")  # the first box (temperature) has the focus
        await pilot.press("tab", *"7", "enter")  # top_p 7 is out of range: refused, said why
        assert isinstance(app.screen, PaneOptionsScreen)
        problems = app.screen.query_one("#options-problems", Static)
        await wait_until(lambda: "top_p: expected a number from 0 to 1" in str(problems.render()))
        await pilot.press("backspace", *"0.5", "enter")
        await wait_until(lambda: not isinstance(app.screen, PaneOptionsScreen), what="the editor closed")
        await finished(await send(pilot, "hello"))
        assert chat_requests(sim)[-1]["options"] == {"num_ctx": 4096, "temperature": 0.9, "top_p": 0.5}
        await pilot.press("alt+o")
        await wait_until(lambda: isinstance(app.screen, PaneOptionsScreen), what="the options editor")
        await pilot.press("alt+r")
        await wait_until(lambda: not isinstance(app.screen, PaneOptionsScreen), what="the editor reset")
        await finished(await send(pilot, "again"))
        assert chat_requests(sim)[-1]["options"] == BASE
