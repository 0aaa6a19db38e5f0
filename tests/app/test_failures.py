"""Bad input gets a clear message and loses nothing: dead server, bad model, broken streams, hostile text."""

from __future__ import annotations

import io

from rich.console import Console

from glmtui.core.state import TurnStatus
from glmtui.simulator import Fault, Simulator
from glmtui.widgets.chat_log import ChatLog
from glmtui.widgets.header import AppHeader
from glmtui.widgets.message import FinalReply, ReplyView
from tests.helpers import (
    HELD_S,
    chat_requests,
    finished,
    hold_replies,
    make_app,
    pane,
    ready,
    screen_text,
    send,
    wait_until,
)


def notices(app) -> str:  # type: ignore[no-untyped-def]
    log = app.screen.query_one(ChatLog)
    return "\n".join(str(w.render()) for w in log.query(".log-notice"))


async def test_server_down_at_start_then_up() -> None:
    sim = Simulator(port=0, rate=2000.0, load_seconds=0.01)
    sim.start()
    port = sim.port
    sim.stop()  # nothing listens on the port now
    app = make_app(f"http://127.0.0.1:{port}", model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: app.connection == "offline", what="offline state")
        await wait_until(lambda: "Cannot reach Ollama" in notices(app))
        text = notices(app)
        assert f"127.0.0.1:{port}" in text and "ollama serve" in text and "--demo" in text
        assert "offline" in str(app.screen.query_one(AppHeader).render())
        revived = Simulator(port=port, rate=2000.0, load_seconds=0.01).start()
        try:
            await ready(app)
            await wait_until(lambda: "Reconnected" in notices(app))
            turn = await finished(await send(pilot, "are you back?"))
            assert turn.status is TurnStatus.DONE
        finally:
            revived.stop()


async def test_server_dies_mid_reply_then_returns(sim: Simulator) -> None:
    hold_replies(sim)  # until the server dies
    port = sim.port
    app = make_app(sim.url, model="qwen3-coder:30b", stall_timeout=HELD_S)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await send(pilot, "tell me a long story")
        await wait_until(
            lambda: pane(app).query_one(ReplyView).live_markdown is not None, what="streamed text"
        )
        sim.stop()
        await finished(turn)
        assert turn.status is TurnStatus.FAILED and turn.reply  # partial text kept
        await wait_until(lambda: app.connection == "offline", what="offline state")
        revived = Simulator(port=port, rate=2000.0, load_seconds=0.01).start()
        try:
            await ready(app)
            assert (await finished(await send(pilot, "again"))).status is TurnStatus.DONE
        finally:
            revived.stop()


async def test_unknown_model_is_named_with_pull_hint(sim: Simulator) -> None:
    app = make_app(sim.url, model="llama9:404b")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: "llama9:404b" in notices(app), what="the missing-model notice")
        assert "ollama pull llama9:404b" in notices(app)
        turn = await finished(await send(pilot, "hello?"))
        assert turn.status is TurnStatus.FAILED and "llama9:404b" in (turn.error or "")
        assert "think" not in chat_requests(sim)[-1]  # capabilities unknown: think is not sent


async def _failing_turn(sim: Simulator, fault: Fault, **config: object):  # type: ignore[no-untyped-def]
    app = make_app(sim.url, model="qwen3-coder:30b", **config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        sim.inject(fault)
        turn = await finished(await send(pilot, "break please"))
        await pilot.pause()
        text, shown = notices(app), screen_text(app)
        nxt = await finished(await send(pilot, "and now?"))
        return turn, text, shown, nxt


async def test_dropped_stream_keeps_partial_reply(sim: Simulator) -> None:
    turn, text, shown, nxt = await _failing_turn(sim, Fault(kind="drop", after_tokens=8))
    assert turn.status is TurnStatus.FAILED and turn.reply
    assert "dropped" in text and "partial reply is kept" in text
    assert "✗" in shown
    assert nxt.status is TurnStatus.DONE


async def test_in_band_error_mid_stream(sim: Simulator) -> None:
    turn, text, _, nxt = await _failing_turn(
        sim, Fault(kind="error", after_tokens=5, message="CUDA out of memory")
    )
    assert turn.status is TurnStatus.FAILED and turn.reply
    assert "CUDA out of memory" in text
    assert nxt.status is TurnStatus.DONE


async def test_http_500(sim: Simulator) -> None:
    turn, text, _, nxt = await _failing_turn(sim, Fault(kind="http500", message="llama runner crashed"))
    assert turn.status is TurnStatus.FAILED and turn.reply == ""
    assert "500" in text and "llama runner crashed" in text
    assert nxt.status is TurnStatus.DONE


async def test_stall_past_timeout(sim: Simulator) -> None:
    turn, text, _, nxt = await _failing_turn(
        sim, Fault(kind="stall", after_tokens=5, seconds=3.0), stall_timeout=0.3
    )
    assert turn.status is TurnStatus.FAILED and turn.reply
    assert "stalled" in text
    assert nxt.status is TurnStatus.DONE


async def test_markup_and_escapes_render_literally(sim: Simulator) -> None:
    hostile = "[bold]B[/] [link=http://x]L[/link] \x1b[31mRED\x1b]52;c;aGk=\x07 nul\x00"
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app)
        turn = await finished(await send(pilot, hostile))
        assert turn.status is TurnStatus.DONE
        # The simulator echoes the prompt into its reply, so the reply carries the hostile text.
        assert "[bold]B[/]" in turn.reply and "␛[31mRED" in turn.reply and "\x1b" not in turn.reply
        await wait_until(lambda: pane(app).query(FinalReply), what="the reconciling render")
        console = Console(width=150, file=io.StringIO(), record=True)
        console.print(pane(app).query_one(FinalReply).render())
        rendered = console.export_text()
        assert "[bold]B[/]" in rendered and "[link=http://x]L[/link]" in rendered and "␛[31mRED" in rendered
        # Bring the prompt and the reply's echo of it into view, whatever the scroll position was.
        pane(app).log_view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        shown = screen_text(app)
        assert "[bold]B[/]" in shown and "[link=http://x]L[/link]" in shown and "␛[31mRED" in shown
        assert "\x1b" not in shown and "\x00" not in shown
