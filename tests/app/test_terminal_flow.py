"""What the terminal shows around the chat: the Ctrl+C hint, a failed reply's error, bidi controls."""

from __future__ import annotations

from glmtui.simulator import Simulator
from tests.helpers import finished, make_app, pane, ready, screen_text, send, wait_until


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
