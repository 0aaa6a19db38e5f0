"""Hostile Pilot flow for issue 16 in tiny terminals: the edit-prompt list (Alt+E) must show the prompts
it offers, and the app must start at all. At 40x12 the app died at start-up (Rich's wrap
raised on the prompt box's placeholder at a width of 0); at 39x12 the list was squeezed to its border by
a three-row title."""

from __future__ import annotations

import pytest

from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.edit_prompt import EditPromptScreen
from tests.helpers import finished, make_app, ready, screen_text, send, wait_until

pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((40, 12), id="40x12"),
        pytest.param((39, 12), id="39x12"),
    ],
)
async def test_the_edit_prompt_list_shows_its_prompts_in_a_tiny_terminal(
    sim: object, size: tuple[int, int]
) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b")  # type: ignore[attr-defined]
    async with app.run_test(size=size) as pilot:
        await ready(app)
        await finished(await send(pilot, "first"))
        await pilot.press("alt+e")
        await wait_until(lambda: isinstance(app.screen, EditPromptScreen), what="the edit-prompt list")
        await pilot.pause()
        assert "1. first" in screen_text(app), "the prompt to edit is not visible"
        await pilot.press("enter")  # still works blind: the edit starts
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="the dialog closed")
