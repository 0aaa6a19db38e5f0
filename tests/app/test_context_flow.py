"""The context gauge and the overflow warning, with a small num_ctx against the simulator.

The simulator counts a prompt as ceil(characters / 4) + 4 per message, + 3 (simulator/replies.py) and a
reply as exactly `reply_tokens` tokens; its `/api/ps` reports the num_ctx the model was loaded with. A
model without thinking keeps eval_count at `reply_tokens`. num_ctx is always set here (the simulator's
own default follows Ollama's VRAM rule and may change).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from glmtui.app import GlmTuiApp
from glmtui.core.state import TurnStatus
from glmtui.core.units import GIB
from glmtui.screens.dialogs.context import ContextOverflowScreen
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.simulator import Simulator
from glmtui.widgets.chat_log import ChatLog
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.status_bar import StatusBar
from tests.fakes import scripted_sampler
from tests.helpers import chat_requests, finished, make_app, pane, ready, screen_text, send, wait_until

MODEL = "qwen3-coder:30b"  # no thinking: eval_count is the reply's tokens alone
REPLY_TOKENS = 100
LONG = "word " * 300  # 1,500 characters: estimated 500 tokens + 16, so 109 + 516 > 512


@pytest.fixture
def short_sim() -> Iterator[Simulator]:
    """A fast simulator whose replies are exactly REPLY_TOKENS tokens."""
    simulator = Simulator(port=0, rate=4000.0, load_seconds=0.05, reply_tokens=REPLY_TOKENS).start()
    try:
        yield simulator
    finally:
        simulator.stop()


def small_ctx_app(sim: Simulator, **config: Any) -> GlmTuiApp:
    return make_app(sim.url, model=MODEL, options={"num_ctx": 512}, **config)


def gauge(app: GlmTuiApp) -> str:
    bar = app.screen.query_one(StatusBar)
    return bar.context_text().plain


def prompt_box(app: GlmTuiApp) -> PromptInput:
    return app.screen.query_one(PromptInput)


async def first_reply(pilot: Pilot[None], app: GlmTuiApp) -> int:
    """Say hello and wait for the gauge to show it against the loaded context; the tokens used."""
    turn = await finished(await send(pilot, "hello"))
    assert turn.status is TurnStatus.DONE
    used = (turn.stats.prompt_eval_count or 0) + (turn.stats.eval_count or 0)
    assert used == (2 + 4) + 3 + REPLY_TOKENS  # "hello": ceil(5 / 4) + 4, + 3; the reply
    await wait_until(lambda: gauge(app) == f"ctx {used} / 512", what="the gauge against /api/ps")
    return used


async def overflowing_prompt(pilot: Pilot[None], app: GlmTuiApp) -> ContextOverflowScreen:
    """Type the long prompt, press Enter, and wait for the dialog (nothing is sent meanwhile)."""
    prompt_box(app).insert(LONG)
    await pilot.press("enter")
    await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the overflow dialog")
    assert isinstance(app.screen, ContextOverflowScreen)
    return app.screen


async def test_gauge_after_a_reply_shows_the_loaded_context(short_sim: Simulator) -> None:
    app = small_ctx_app(short_sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        used = await first_reply(pilot, app)
        assert f"ctx {used} / 512" in screen_text(app)  # on screen, in the status bar
        bar = app.screen.query_one(StatusBar)
        assert bar.context is not None and bar.context.source == "loaded" and bar.context.level == "ok"
        # A new chat has used nothing yet: no gauge from the old one.
        await pilot.press("ctrl+n")
        await wait_until(lambda: gauge(app) == "", what="the gauge cleared")


async def test_raise_sends_the_prompt_with_the_larger_num_ctx(short_sim: Simulator) -> None:
    app = small_ctx_app(short_sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await first_reply(pilot, app)
        sent = len(chat_requests(short_sim))
        dialog = await overflowing_prompt(pilot, app)
        assert len(chat_requests(short_sim)) == sent  # held, not sent
        # 109 + 516 = 625 tokens; a quarter more is 781: the next power of two, 2,048 at least. An
        # RTX 4090 (24 GiB) holds qwen3-coder:30b's weights and that cache.
        assert dialog.overflow.predicted == 625 and dialog.overflow.raise_to == 2048
        assert "about 625 tokens" in screen_text(app) and "Raise num_ctx to 2,048" in screen_text(app)
        await pilot.press("r")
        await wait_until(lambda: len(chat_requests(short_sim)) > sent, what="the prompt sent")
        body = chat_requests(short_sim)[-1]
        assert body["options"]["num_ctx"] == 2048 and body["messages"][-1]["content"] == LONG
        assert prompt_box(app).text == ""  # sent: the box is empty
        turn = await finished(pane(app).conversation.turns[-1])
        used = (turn.stats.prompt_eval_count or 0) + (turn.stats.eval_count or 0)
        await wait_until(lambda: gauge(app) == f"ctx {used} / 2k", what="the gauge at the new context")
        # The next request to that model keeps the raised num_ctx.
        await finished(await send(pilot, "and then?"))
        assert chat_requests(short_sim)[-1]["options"]["num_ctx"] == 2048


async def test_new_chat_carries_the_prompt_over_unsent(short_sim: Simulator) -> None:
    app = small_ctx_app(short_sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await first_reply(pilot, app)
        sent = len(chat_requests(short_sim))
        await overflowing_prompt(pilot, app)
        await pilot.press("n")
        await wait_until(lambda: not isinstance(app.screen, ContextOverflowScreen), what="the dialog gone")
        await wait_until(lambda: not pane(app).conversation.turns, what="a new conversation")
        assert prompt_box(app).text == LONG  # nothing lost, nothing sent
        assert len(chat_requests(short_sim)) == sent
        # Enter sends it in the new chat: 1,500 characters alone still exceed 512, so it asks again.
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the dialog again")


async def test_continue_sends_unchanged_and_says_what_ollama_dropped(short_sim: Simulator) -> None:
    app = small_ctx_app(short_sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await first_reply(pilot, app)
        await overflowing_prompt(pilot, app)
        await pilot.press("c")
        await wait_until(lambda: len(pane(app).conversation.turns) == 2, what="the prompt sent")
        turn = await finished(pane(app).conversation.turns[-1])
        body = chat_requests(short_sim)[-1]
        assert body["options"] == {"num_ctx": 512} and body["messages"][-1]["content"] == LONG
        # The request outgrew the context: the gauge is critical and the chat says what happened.
        used = (turn.stats.prompt_eval_count or 0) + (turn.stats.eval_count or 0)
        assert used > 512
        await wait_until(lambda: gauge(app) == f"ctx {used} / 512", what="the overflowed gauge")
        assert app.screen.query_one(StatusBar).context.level == "critical"  # type: ignore[union-attr]
        log = pane(app).query_one(ChatLog)
        await wait_until(
            lambda: "Ollama dropped older messages" in screen_text(app), what="the notice in the chat"
        )
        assert log.query(".log-notice")


async def test_escape_keeps_the_prompt_and_sends_nothing(short_sim: Simulator) -> None:
    app = small_ctx_app(short_sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await first_reply(pilot, app)
        sent = len(chat_requests(short_sim))
        await overflowing_prompt(pilot, app)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ContextOverflowScreen), what="the dialog gone")
        assert prompt_box(app).text == LONG and len(pane(app).conversation.turns) == 1
        assert len(chat_requests(short_sim)) == sent


async def test_no_raise_offered_when_it_does_not_fit_in_vram(short_sim: Simulator) -> None:
    # An 8 GiB card: qwen3-coder:30b's weights alone do not fit, so raising is not offered, and why.
    small = scripted_sampler(ScriptedNvml([ScriptedGpu(memory_total=8 * GIB, memory_used=GIB)]))
    app = small_ctx_app(short_sim, sampler=small)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await first_reply(pilot, app)
        dialog = await overflowing_prompt(pilot, app)
        assert dialog.overflow.raise_to is None
        assert (
            dialog.overflow.why_not.startswith("2,048 tokens: needs ")
            and "; 8 GiB VRAM" in dialog.overflow.why_not
        )
        assert not dialog.query("#raise")
        await pilot.press("r")  # not offered: nothing happens
        assert isinstance(app.screen, ContextOverflowScreen)


async def test_a_model_not_loaded_yet_is_guarded_at_the_context_ollama_will_load_it_at() -> None:
    # Nothing loaded and no num_ctx asked: the guard uses the context Ollama will use, here the
    # server's OLLAMA_CONTEXT_LENGTH (given in the config, as glmtui cannot read the simulator's
    # environment), instead of waving the prompt through.
    from glmtui.core.server_settings import ServerSettings

    sim = Simulator(port=0, rate=4000.0, load_seconds=0.05, reply_tokens=REPLY_TOKENS, context_length=512)
    sim.start()
    try:
        app = make_app(sim.url, model=MODEL, ollama=ServerSettings(context_length=512, origin="config"))
        async with app.run_test(size=(140, 40)) as pilot:
            await ready(app)
            assert not sim.store.loaded()
            dialog = await overflowing_prompt(pilot, app)
            assert "512" in screen_text(app) and chat_requests(sim) == []
            await pilot.press("escape")
            await wait_until(
                lambda: not isinstance(app.screen, ContextOverflowScreen), what="the dialog closing"
            )
            assert prompt_box(app).text.strip() == LONG.strip() and dialog is not None
    finally:
        sim.stop()
