"""Hostile checks of issue 16's presets in the app, on the simulator's request log: each test fails
today for the reason in its xfail, and is marked strict so a fix shows up as XPASS."""

from __future__ import annotations

import pytest

from glmtui.core.presets import Preset
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


async def test_the_think_shown_is_the_think_sent_under_a_preset(sim: Simulator) -> None:
    quiet = Preset("GLM no-think", think="off", models=("glm-4.7-flash*",))
    app = make_app(sim.url, model=GLM, presets=(quiet,))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await pick_preset(pilot, app, "no-think")
        await finished(await send(pilot, "hello"))
        assert chat_requests(sim)[-1]["think"] is False
        # The status bar says what is sent: think off, as the preset sends.
        await wait_until(lambda: status_bar(app).think != "", what="the status bar's think")
        assert status_bar(app).think.startswith("off"), status_bar(app).think


async def test_a_resumed_conversation_is_sent_the_system_prompt_of_the_preset_its_turn_names(
    sim: Simulator,
) -> None:
    terse = Preset("GLM terse", system=QUIET, options={"temperature": 0.5}, models=("glm-4.7-flash*",))
    app = make_app(sim.url, model=GLM, presets=(terse,))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "first"))
        await wait_until(lambda: pane(app).conversation.id is not None, what="the first chat saved")
        first_id = pane(app).conversation.id
        await pilot.press("ctrl+n")
        await wait_until(lambda: pane(app).conversation.id != first_id, what="a new chat")
        await pick_preset(pilot, app, "terse")
        await finished(await send(pilot, "second"))
        assert await app.resume(first_id)
        await wait_until(lambda: pane(app).conversation.id == first_id, what="the first chat resumed")
        turn = await finished(await send(pilot, "third"))
        messages = chat_requests(sim)[-1]["messages"]
        sent_system = messages[0]["content"] if messages[0]["role"] == "system" else None
        # A turn recorded (and shown on the status bar) as sent with "GLM terse" went with its prompt.
        assert (turn.preset == "GLM terse") == (sent_system == QUIET), (turn.preset, sent_system)


async def test_a_preset_matched_by_family_survives_a_switch_to_a_model_of_that_family(sim: Simulator) -> None:
    # models: by name (gpt-oss) or by the family Ollama reports (glm4moelite: GLM-4.7-Flash's arch).
    both = Preset("mine", options={"temperature": 0.3}, models=("gpt-oss*", "glm4moelite"))
    app = make_app(sim.url, model="gpt-oss:20b", presets=(both,))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await pick_preset(pilot, app, "mine")
        assert status_bar(app).preset == "mine"
        await app.switch_model(GLM)
        await wait_until(lambda: app.model_info is not None and app.model_info.name == GLM, what="GLM's info")
        assert app.model_info is not None and app.model_info.family == "glm4moelite"
        assert status_bar(app).preset == "mine", (
            "a preset for the glm4moelite family was dropped on switching to it"
        )
