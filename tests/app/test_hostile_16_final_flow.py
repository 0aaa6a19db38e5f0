"""Hostile Pilot flow for issue 16 in tiny terminals: the edit-prompt list (Alt+E) must show the prompts
it offers, and the app must start at all. Each case fails today for the reason its xfail gives (strict:
a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

import pytest

from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.edit_prompt import EditPromptScreen
from tests.helpers import finished, make_app, ready, screen_text, send, wait_until

pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=8)

STARTUP_CRASH = (
    "at 40-41 columns the app raises ValueError (rich cells: range() arg 3 must not be zero) while "
    "rendering the PromptInput at width 1, before it connects (also before issue 16: cd73407~1)"
)
LIST_HIDDEN = (
    "at 39x12 the Alt+E dialog's title wraps to 3 rows inside max-height 80%, and the OptionList is "
    "squeezed to its border: no prompt is visible, the user edits blind"
)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((40, 12), marks=pytest.mark.xfail(strict=True, reason=STARTUP_CRASH)),
        pytest.param((39, 12), marks=pytest.mark.xfail(strict=True, reason=LIST_HIDDEN)),
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
