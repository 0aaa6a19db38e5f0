"""What the terminal shows around the chat: the Ctrl+C hint, a failed reply's error, bidi controls."""

from __future__ import annotations

from glmtui.core.state import TurnStatus
from glmtui.simulator import Fault, Simulator
from glmtui.widgets.message import ReplyView
from tests.helpers import HostApp, finished, make_app, pane, ready, screen_text, send, wait_until


async def test_ctrl_c_says_how_to_quit_without_markup_tags(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:  # toasts drawn, as in a terminal
        await ready(app)
        app.screen.set_focus(None)  # in the prompt Ctrl+C copies; elsewhere it is Textual's quit hint
        await pilot.press("ctrl+c")
        await wait_until(lambda: "to quit the app" in screen_text(app), what="the hint")
        text = screen_text(app)
        assert "Press ^q to quit the app." in text or "Press ctrl+q to quit the app." in text, text[-2000:]
        assert "[b]" not in text


async def test_a_bidi_override_in_a_streamed_reply_is_shown_not_obeyed(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        # The simulator's reply quotes the prompt, so the override comes back in the model's stream.
        turn = await finished(await send(pilot, "say \u202egnp.exe and \u2066x\u2069"))
        assert "\u202e" not in turn.reply  # neutralised as it arrives, like other control characters
        pane(app).log_view.scroll_home(animate=False)  # the quote is at the top of a long reply
        await wait_until(lambda: "⟨U+202E⟩gnp.exe" in screen_text(app), what="the placeholder")
        text = screen_text(app)
        assert not any(c in text for c in "\u202e\u2066\u2069") and "⟨U+2066⟩x⟨U+2069⟩" in text


async def test_a_failed_replys_error_is_printed_once_and_a_saved_one_keeps_it(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        sim.inject(Fault(kind="error", after_tokens=5, message="CUDA out of memory"))
        turn = await finished(await send(pilot, "break please"))
        assert turn.status is TurnStatus.FAILED
        view = pane(app).query(ReplyView).last()
        await wait_until(lambda: "✗ failed" in str(view.query_one(".reply-stats").render()), what="the line")
        await wait_until(lambda: "CUDA out of memory" in screen_text(app), what="the notice")
        assert screen_text(app).count("CUDA out of memory") == 1
    # Saved and shown again (no notice then), the line under the reply still says why it failed.
    saved = ReplyView(turn, saved=True)
    async with HostApp([saved]).run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        assert "CUDA out of memory" in str(saved.query_one(".reply-stats").render())
