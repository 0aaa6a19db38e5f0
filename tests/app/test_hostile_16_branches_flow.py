"""Hostile checks of issue 16's regenerate / edit / branches in the app, on the simulator: each test
fails today for the reason in its xfail, and is marked strict so a fix shows up as XPASS."""

from __future__ import annotations

import pytest

from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.dialogs.context import ContextOverflowScreen
from glmtui.screens.dialogs.edit_prompt import EditPromptScreen
from glmtui.simulator import Simulator
from glmtui.widgets.branch_prompt import BranchPrompt
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import chat_requests, finished, make_app, pane, ready, screen_text, send, wait_until

GLM, GPT, CODER = "glm-4.7-flash:latest", "gpt-oss:20b", "qwen3-coder:30b"
REPLY_TOKENS = 100


pytestmark = pytest.mark.sim(rate=4000.0, reply_tokens=REPLY_TOKENS)


async def test_a_new_comparison_shows_no_branch_switch(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, "first"))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await wait_until(lambda: isinstance(app.screen, CompareScreen) and app.screen.ready, what="compare")
        screen = app.screen
        assert isinstance(screen, CompareScreen)

        def ended(count: int) -> bool:
            rounds = screen.run.rounds
            return len(rounds) >= count and rounds[count - 1].ended and not screen.busy

        await wait_until(lambda: ended(1), what="the first round")
        await pilot.press("ctrl+n")  # a new comparison: both panes cleared
        await wait_until(lambda: not screen.run.rounds and not screen.query(BranchPrompt), what="cleared")
        screen.query_one(PromptInput).insert("second")
        await pilot.press("enter")
        await wait_until(lambda: ended(1), what="the new run's first round")
        prompts = list(screen.query(BranchPrompt))
        assert [p.turn.prompt for p in prompts] == ["second", "second"]
        # Nothing was regenerated or edited: no switch on either pane's prompt.
        assert [p.place for p in prompts] == [(1, 1), (1, 1)]
        assert "2/2" not in screen_text(app)


async def test_regenerate_that_fits_is_sent_without_the_overflow_dialog(sim: Simulator) -> None:
    app = make_app(sim.url, model=CODER, options={"num_ctx": 512})
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        prompt = "word " * 250  # the simulator counts 313 + 7 = 320 tokens; glmtui estimates 417 + 16
        turn = await finished(await send(pilot, prompt))
        assert turn.stats.prompt_eval_count == 320 and turn.stats.eval_count == REPLY_TOKENS
        await wait_until(lambda: "ctx 420 / 512" in screen_text(app), what="the gauge: 420 of 512 used")
        # Regenerate sends exactly what the first request sent (320 tokens, 100 more for the reply: 420
        # of 512). The guard predicts 420 + 417 + 16 = 853: the old reply and the prompt twice.
        await pilot.press("ctrl+r")
        await wait_until(
            lambda: isinstance(app.screen, ContextOverflowScreen) or len(chat_requests(sim)) == 2,
            what="the regenerated request, or the overflow dialog",
        )
        assert not isinstance(app.screen, ContextOverflowScreen)
        assert len(pane(app).conversation.turns) == 1


async def test_moving_off_the_prompt_being_edited_gives_the_draft_back(sim: Simulator) -> None:
    app = make_app(sim.url, model=CODER)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "one"))
        old = await finished(await send(pilot, "two"))
        await pilot.press("ctrl+r")  # a second reply to "two": a branch at prompt 2
        await wait_until(lambda: pane(app).conversation.turns[-1] is not old, what="the regenerated turn")
        await finished(pane(app).conversation.turns[-1])
        box = app.screen.query_one(PromptInput)
        box.insert("a draft I was writing")
        await pilot.press("alt+e")
        await wait_until(lambda: isinstance(app.screen, EditPromptScreen), what="the prompt list")
        await pilot.press("enter")  # prompt 2, the last, is highlighted
        await wait_until(lambda: box.text == "two", what="prompt 2 in the box")
        await pilot.press("alt+left")  # back to the first reply: the prompt being edited is off the branch
        await wait_until(lambda: pane(app).conversation.turns[-1] is old, what="the first reply shown")
        assert not app.screen.query_one("#edit-marker").display  # the edit ended
        assert box.text == "a draft I was writing"  # as Esc would have given it back
