"""Hostile flows for issue 16's preserved thinking: the paths a prompt takes besides Enter on a live chat
(a prompt queued while Ollama is away, a conversation reopened from the history)."""

from __future__ import annotations

from glmtui.core.state import TurnStatus
from glmtui.simulator import Simulator
from glmtui.widgets.status_bar import StatusBar
from tests.helpers import chat_requests, finished, make_app, pane, ready, screen_text, send, wait_until

GLM = "glm-4.7-flash:latest"  # thinks, and takes earlier traces back (core/preserve.py)
CODER = "qwen3-coder:30b"  # does not think


async def test_a_prompt_queued_while_offline_carries_the_traces_when_preserving(sim: Simulator) -> None:
    port = sim.port
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "first question"))
        assert first.status is TurnStatus.DONE and first.thinking and first.reply
        await pilot.press("alt+t")
        assert app.screen.query_one(StatusBar).preserved_thinking
        sim.stop()
        await wait_until(lambda: app.connection == "offline", what="offline")
        second = await send(pilot, "second question")
        await wait_until(lambda: "queued: waiting for Ollama" in screen_text(app), what="the queued prompt")
        revived = Simulator(port=port, rate=2000.0, load_seconds=0.01).start()
        try:
            assert (await finished(second)).status is TurnStatus.DONE
            [body] = chat_requests(revived)
            assert body["messages"][1] == {
                "role": "assistant",
                "content": first.reply,
                "thinking": first.thinking,
            }
        finally:
            revived.stop()


async def test_a_resumed_conversation_starts_with_preserved_thinking_off(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "first question"))
        assert first.thinking and first.reply
        saved = pane(app).conversation.id
        assert saved is not None
        await pilot.press("ctrl+n")  # another chat, where the user turns it on
        await wait_until(lambda: not pane(app).conversation.turns, what="a new chat")
        await pilot.press("alt+t")
        bar = app.screen.query_one(StatusBar)
        assert bar.preserved_thinking
        assert await app.resume(saved)  # back to the first chat, from the history
        await wait_until(lambda: pane(app).conversation.id == saved, what="the resumed chat")
        await finished(await send(pilot, "second question"))
        sent = chat_requests(sim)[-1]["messages"]
        assert "thinking" not in sent[1] and not bar.preserved_thinking


async def test_the_status_bar_does_not_claim_preserving_for_a_model_that_cannot_think(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await pilot.press("alt+t")
        bar = app.screen.query_one(StatusBar)
        await wait_until(lambda: "preserved thinking" in str(bar.render()), what="the status bar to say on")
        await app.switch_model(CODER)
        await ready(app)
        await finished(await send(pilot, "a question"))  # sent without traces: the model cannot think
        assert "preserved thinking" not in str(bar.render())
