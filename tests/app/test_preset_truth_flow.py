"""A preset's truth in the app, on the simulator's request log: its think is the chat's think (Ctrl+T
afterwards wins, and the status bar says what is sent), a resumed conversation gets back the preset its
last turn was sent with and that preset's system prompt, and a preset's text from the config is shown
sanitised in the picker and on the status bar (issue 16, items 1–2)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from glmtui.core.presets import Preset
from glmtui.screens.dialogs.presets import PresetScreen
from glmtui.simulator import Simulator
from tests.helpers import (
    chat_requests,
    finished,
    make_app,
    pane,
    pick_preset,
    ready,
    send,
    status_bar,
    wait_until,
)

GLM = "glm-4.7-flash:latest"
QUIET = "Answer in one line."


pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)


async def test_ctrl_t_after_a_presets_think_wins_and_the_picker_shows_config_text_inert(
    sim: Simulator,
) -> None:
    # Names with control characters are refused in the config; these come in directly, as a stored or
    # future source could, to check the display itself.
    quiet = Preset("no-think\x1b[31m", system="Rules\x1b]52;c;eA==\x07 \u202eevil", think="off")
    app = make_app(sim.url, model=GLM, presets=(quiet,))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await pilot.press("f9")
        await wait_until(lambda: isinstance(app.screen, PresetScreen), what="the preset picker")
        await pilot.press(*"no-think")
        detail = str(app.screen.query_one("#preset-detail", Static).render())
        assert "\x1b" not in detail and "\u202e" not in detail and "⟨U+202E⟩" in detail, detail
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, PresetScreen), what="the picker closed")
        assert "\x1b" not in status_bar(app).preset and status_bar(app).preset.startswith("no-think"), (
            status_bar(app).preset
        )
        await wait_until(
            lambda: status_bar(app).think.startswith("off"), what="the preset's think on the bar"
        )
        await finished(await send(pilot, "one"))
        assert chat_requests(sim)[-1]["think"] is False
        await pilot.press("ctrl+t")  # the person's own choice after the preset's: it wins
        await wait_until(lambda: status_bar(app).think.startswith("on"), what="Ctrl+T's think on the bar")
        await finished(await send(pilot, "two"))
        assert chat_requests(sim)[-1]["think"] is True


async def test_a_resumed_conversation_gets_back_its_preset_and_its_system_prompt(sim: Simulator) -> None:
    terse = Preset("GLM terse", system=QUIET, options={"temperature": 0.5}, models=("glm-4.7-flash*",))
    app = make_app(sim.url, model=GLM, presets=(terse,))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await pick_preset(pilot, app, "terse")
        await finished(await send(pilot, "first"))
        await wait_until(lambda: pane(app).conversation.id is not None, what="the first chat saved")
        first_id = pane(app).conversation.id
        await pilot.press("ctrl+n")
        await wait_until(lambda: pane(app).conversation.id != first_id, what="a new chat")
        await pick_preset(pilot, app, "none")
        assert status_bar(app).preset == ""
        assert await app.resume(first_id)
        await wait_until(lambda: pane(app).conversation.id == first_id, what="the first chat resumed")
        assert status_bar(app).preset == "GLM terse"
        turn = await finished(await send(pilot, "again"))
        request = chat_requests(sim)[-1]
        assert request["messages"][0] == {"role": "system", "content": QUIET}
        assert request["options"]["temperature"] == 0.5 and turn.preset == "GLM terse"
