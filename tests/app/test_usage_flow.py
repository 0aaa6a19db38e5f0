"""Pilot flows for the usage screen: F8 from the chat and from the history, the palette, a filter
changed (read again off the event loop), untrusted model names, and the empty state."""

from __future__ import annotations

import inspect
import time
from pathlib import Path

from textual.widgets import Select

from glmtui.core.state import CLIENT_TIMED, TurnStatus
from glmtui.screens.chat import ChatScreen
from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.history import HistoryScreen
from glmtui.screens.models import ModelsScreen
from glmtui.screens.usage import UsageScreen
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from tests.helpers import make_app, palette, ready, screen_text, wait_until
from tests.unit.test_usage import save

GLM = "glm-4.7-flash:latest"
EVIL = "evil[/]\x1b[31m:tag"  # markup and an escape sequence in a model's name: shown, never acted on
DAY = 86_400.0


def usage(app) -> UsageScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, UsageScreen)
    return screen


async def test_usage_from_the_chat_and_the_history_and_a_filter_changed(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "glmtui.db"
    store = Store(path)
    conversation = store.create_conversation("seeded", GLM, None)
    now = time.time()
    save(store, conversation, now - 3 * DAY, GLM, rate=60.0)
    save(store, conversation, now - 2 * DAY, GLM, rate=40.0, status=TurnStatus.STOPPED)
    save(store, conversation, now - 12 * DAY, EVIL, endpoint="node1", digest="", timing=CLIENT_TIMED)
    store.close()
    app = make_app(sim.url, model=GLM, store_path=path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("f8")
        await wait_until(
            lambda: isinstance(app.screen, UsageScreen) and app.screen.loads == 1, what="usage read"
        )
        screen = usage(app)
        assert screen.report is not None and sum(r.turns for r in screen.report.days) == 3
        await wait_until(lambda: "tokens per day" in screen_text(app), what="the charts drawn")
        text = screen_text(app)
        assert "evil[/]␛[31m:tag (client-timed)" in text  # its escape made visible, its markup as typed
        assert "60.0" in text and "1 stopped, 0 failed" in text  # the stopped turn is no rate sample
        # The last 7 days: the turn 12 days ago drops out (read again in a worker, the screen stays live).
        screen.query_one("#usage-range", Select).value = 7
        await wait_until(lambda: screen.loads == 2, what="the range read again")
        assert screen.report is not None and {r.model for r in screen.report.days} == {GLM}
        screen.query_one("#usage-model", Select).value = EVIL
        await wait_until(lambda: screen.loads == 3, what="the model read again")
        await wait_until(lambda: "No turns match these filters" in screen_text(app), what="nothing matches")
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="back to the chat")
        # From the history's list: F8, and Esc comes back to the list.
        await pilot.press("ctrl+o")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen), what="the history")
        await pilot.press("f8")
        await wait_until(
            lambda: isinstance(app.screen, UsageScreen) and app.screen.loads == 1, what="usage read"
        )
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen), what="back to the history")


async def test_usage_with_nothing_saved_says_so(sim: Simulator, tmp_path: Path) -> None:
    app = make_app(sim.url, model=GLM, store_path=tmp_path / "glmtui.db")
    async with app.run_test(size=(100, 30)) as pilot:
        # The screens' stylesheets come in with the app's: one first read at a push made Textual
        # reparse every rule in the app (~50 ms of opening the usage screen). The bench's is its own.
        for screen in (UsageScreen, ModelsScreen, CompareScreen):
            path = Path(inspect.getfile(screen)).parent / str(screen.CSS_PATH)
            assert app.stylesheet.has_source(str(path), ""), path
        await ready(app)
        await palette(pilot, "Show usage")
        await wait_until(
            lambda: isinstance(app.screen, UsageScreen) and app.screen.loads == 1, what="usage read"
        )
        await wait_until(lambda: "No turns saved yet" in screen_text(app), what="the empty state")
