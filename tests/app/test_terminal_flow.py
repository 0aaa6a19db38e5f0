"""What the terminal shows around the chat: the Ctrl+C hint, a failed reply's error, bidi controls."""

from __future__ import annotations

from glmtui.simulator import Simulator
from tests.helpers import make_app, ready, screen_text, wait_until


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
