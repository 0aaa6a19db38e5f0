"""Nothing lost: a damaged history is salvaged and saving goes on; a reply is saved as it streams,
so a crash (kill -9) mid-reply leaves its partial text and token count in the database."""

from __future__ import annotations

import json

from glmtui.core.state import TurnStatus
from glmtui.paths import db_path
from glmtui.screens.history import HistoryScreen
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from tests.helpers import db_rows, finished, make_app, pane, ready, screen_text, send, wait_until
from tests.unit.test_salvage import damage, filled, turns_pages

GLM = "glm-4.7-flash:latest"


async def test_a_damaged_history_is_salvaged_after_start_and_saving_goes_on(sim: Simulator) -> None:
    path = db_path()
    filled(path)
    damage(path, offset=turns_pages(path))
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await wait_until(
            lambda: list(path.parent.glob("glmtui.db.unreadable-*")), what="the damaged file kept"
        )
        await wait_until(lambda: app.journal.told, what="the notice")
        (notice,) = app.journal.told  # once
        assert "Recovered 12 conversation(s) and" in notice and "moved to" in notice
        assert app.journal.enabled
        turn = await finished(await send(pilot, "saved after the salvage"))
        assert turn.status is TurnStatus.DONE
        await wait_until(
            lambda: (
                db_rows(path, "SELECT status FROM turns WHERE prompt = 'saved after the salvage'")
                == [("done",)]
            ),
            what="the new turn saved in the fresh file",
        )
        await pilot.press("ctrl+o")
        await wait_until(
            lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.rows) > 10,
            what="the recovered conversations listed",
        )
        assert "No saved conversations yet" not in screen_text(app)
    assert db_rows(path, "PRAGMA quick_check") == [("ok",)]
    recovered = db_rows(path, "SELECT COUNT(*) FROM turns")[0][0]
    assert 200 < recovered <= 301


async def test_a_streaming_reply_is_saved_as_it_goes(sim: Simulator) -> None:
    sim.rate = 40.0
    app = make_app(sim.url, model=GLM)
    app.journal.partial_every_s = 0.3  # the app saves every few seconds; the test need not wait that long
    path = db_path()

    def saved_partial() -> tuple[str, int] | None:
        rows = db_rows(path, "SELECT reply || thinking, stats FROM turns WHERE status = 'streaming'")
        if not rows or not rows[0][0]:
            return None
        stats = json.loads(rows[0][1])
        return rows[0][0], stats["thinking_tokens"] + stats["content_tokens"]

    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await send(pilot, "a long one")
        await wait_until(lambda: (saved_partial() or ("", 0))[1] >= 20, what="a partial save of 20+ tokens")
        assert turn.status is TurnStatus.STREAMING  # the app has not finished it: a kill now keeps this
        text, tokens = saved_partial()  # type: ignore[misc]
        # What a later session reads back: a stopped partial reply with its count, not "0 received".
        (loaded,) = Store(path).load(pane(app).conversation.id).turns  # type: ignore[arg-type]
        assert loaded.status is TurnStatus.STOPPED and loaded.reply + loaded.thinking == text
        assert loaded.stats.thinking_tokens + loaded.stats.content_tokens == tokens >= 20
        assert loaded.error == "glmtui closed before the reply finished"
        conversation_id = pane(app).conversation.id
        await pilot.press("escape")
        await finished(turn)
    # The end of the reply wins over any partial save: the stored turn is the final one.
    (stored,) = Store(path).load(conversation_id).turns  # type: ignore[arg-type]
    assert stored.status is TurnStatus.STOPPED and stored.reply == turn.reply
