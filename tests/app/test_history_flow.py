"""Pilot flows for the history: turns saved as they end, the history screen, --continue, no store."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from glmtui.core.state import TurnStatus
from glmtui.paths import db_path
from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.screens.dialogs.rename import RenameScreen
from glmtui.screens.history import HistoryScreen
from glmtui.services.store import Store
from glmtui.simulator import Fault, Simulator
from glmtui.widgets.status_bar import StatusBar
from tests.helpers import (
    HELD_S,
    db_rows,
    finished,
    hold_replies,
    make_app,
    pane,
    ready,
    screen_text,
    send,
    wait_until,
)

GLM = "glm-4.7-flash:latest"


def saved(path: Path | None = None) -> Store:
    return Store(path or db_path())


async def history(pilot) -> HistoryScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("ctrl+o")
    await wait_until(
        lambda: isinstance(app.screen, HistoryScreen) and app.screen.rows, what="the history list"
    )
    return app.screen  # type: ignore[no-any-return]


async def test_turns_are_saved_done_stopped_and_failed(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, stall_timeout=HELD_S)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "Write a binary search in Rust"))
        hold_replies(sim)
        slow = await send(pilot, "a slow one")
        await wait_until(
            lambda: (
                (view := pane(app).current_view) is not None
                and view.live is not None
                and view.live.tokens > 3
            ),
            what="some tokens",
        )
        await pilot.press("escape")
        await finished(slow)
        sim.inject(Fault("drop", after_tokens=10))
        await finished(await send(pilot, "this one drops"))
        conversation_id = pane(app).conversation.id
        assert conversation_id is not None
        await wait_until(
            lambda: (
                [t.status for t in saved().load(conversation_id).turns]
                == [TurnStatus.DONE, TurnStatus.STOPPED, TurnStatus.FAILED]
            ),
            what="three turns saved",
        )
        stored = saved().load(conversation_id)
        assert stored.title == "Write a binary search in Rust"
        assert stored.turns[0].stats.final and stored.turns[0].reply == pane(app).conversation.turns[0].reply
        assert stored.turns[1].thinking == slow.thinking and stored.turns[2].error
        digest = db_rows(db_path(), "SELECT model_digest FROM turns LIMIT 1")[0][0]
        assert len(digest) == 64  # the model's digest from /api/tags
        # Ctrl+R (the app's task, not the chat screen's) while the store is slow to save the start (its
        # lock held by another glmtui): the reply ends first, and its end is still saved.
        store = app.journal.store
        assert store is not None
        release, start_turn = threading.Event(), store.start_turn

        def slow_start(*args: Any) -> int:
            release.wait(10)
            return start_turn(*args)

        store.start_turn = slow_start  # type: ignore[method-assign]
        press = asyncio.create_task(pilot.press("ctrl+r"))  # its action awaits the save: not awaited here
        try:
            failed = pane(app).conversation.turns[-1]
            await wait_until(lambda: pane(app).conversation.turns[-1] is not failed, what="the new turn")
            regenerated = pane(app).conversation.turns[-1]
            # The pane's Finished handled (the bar shows the turn): the end went unsaved, no id yet.
            await wait_until(lambda: app.screen.query_one(StatusBar).last is regenerated, what="its end")
        finally:
            release.set()
            await press
        last = "SELECT status FROM turns ORDER BY id DESC LIMIT 1"
        await wait_until(lambda: db_rows(db_path(), last) == [("done",)], what="the regenerated turn saved")


async def test_history_screen_resumes_renames_exports_and_deletes(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "Explain borrow checking"))
        await pilot.press("ctrl+n")
        await finished(await send(pilot, "Something else entirely"))
        screen = await history(pilot)
        assert [row.title for row in screen.rows] == ["Something else entirely", "Explain borrow checking"]
        # The counts of the rows found are read slowly: meanwhile the rows selected are those shown.
        store, read = app.journal.store, app.journal.store.read  # type: ignore[union-attr]
        entered, release = threading.Event(), threading.Event()

        def slow_read(sql: str, params: Sequence[object] = ()) -> Any:
            if "leaf_turn_id FROM conversations" in sql:
                entered.set()
                release.wait(10)
            return read(sql, params)

        store.read = slow_read  # type: ignore[method-assign,union-attr]
        screen.query_one(Input).value = "borrow"
        try:
            await wait_until(entered.is_set, what="the counts read")
            table = screen.query_one(DataTable)
            assert screen.selected is not None
            assert table.get_row_at(table.cursor_row)[0].plain == screen.selected.title
        finally:
            release.set()
            store.read = read  # type: ignore[method-assign,union-attr]
        await wait_until(
            lambda: [r.title for r in screen.rows] == ["Explain borrow checking"], what="the search"
        )
        await pilot.press("ctrl+s")
        await wait_until(
            lambda: list(tmp_path.glob("glmtui-explain-borrow-checking-*.md")), what="the export"
        )
        exported = next(tmp_path.glob("glmtui-explain-borrow-checking-*.md")).read_text()
        assert exported.startswith('---\ntitle: "Explain borrow checking"') and "eval_rate_tok_s:" in exported
        assert first.reply.strip()[:100] in exported
        await pilot.press("f2")
        await wait_until(lambda: isinstance(app.screen, RenameScreen), what="the rename box")
        await pilot.press("ctrl+u")  # clear the line (Input's key), then type the new title
        for char in "Borrowing":
            await pilot.press(char)
        await pilot.press("enter")
        await wait_until(lambda: screen.rows and screen.rows[0].title == "Borrowing", what="the new title")
        await pilot.press("enter")  # open it: back in the chat with its turns
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="the chat")
        assert pane(app).conversation.title == "Borrowing" and len(pane(app).conversation.turns) == 1
        await wait_until(lambda: "Explain borrow checking" in screen_text(app), what="the old turn on screen")
        third = await finished(await send(pilot, "and lifetimes?"))
        assert third.status is TurnStatus.DONE
        history_id = pane(app).conversation.id
        await wait_until(lambda: len(saved().load(history_id).turns) == 2, what="the resumed chat saved")  # type: ignore[arg-type]
        screen = await history(pilot)
        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_until(lambda: len(screen.rows) == 1, what="the list without it")


async def test_continue_resumes_the_last_conversation_with_its_model(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.app.switch_model("gpt-oss:20b")
        await finished(await send(pilot, "remember this"))
    again = make_app(sim.url, model=GLM)
    again.continue_last = True
    async with again.run_test(size=(120, 40)):
        await wait_until(lambda: len(pane(again).conversation.turns) == 1, what="the conversation resumed")
        await ready(again)
        await wait_until(lambda: again.model == "gpt-oss:20b", what="the model of its last turn")
        await wait_until(lambda: "remember this" in screen_text(again), what="the old prompt on screen")


async def test_a_500_turn_conversation_mounts_only_the_last_turns(sim: Simulator) -> None:
    store = saved()
    conversation = store.create_conversation("long", GLM, None)
    from tests.unit.test_store import finished as make_turn
    from tests.unit.test_store import save

    for i in range(500):
        save(store, conversation, make_turn(f"prompt {i}"))
    app = make_app(sim.url, model=GLM)
    app.continue_last = True
    async with app.run_test(size=(120, 40)):
        await wait_until(lambda: len(pane(app).conversation.turns) == 500, what="the resume")
        log = pane(app).log_view
        assert log.mounted_turns == 30
        await wait_until(
            lambda: "470 earlier turn(s) not shown" in screen_text(app) or "prompt 499" in screen_text(app),
            what="the latest turn on screen",
        )


async def test_without_a_usable_store_the_app_still_chats(sim: Simulator, tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the data folder should be")
    # As if the data dir were unusable: a file stands where the folder should be.
    app = make_app(sim.url, model=GLM, store_path=tmp_path / "blocked" / "glmtui.db")
    assert not app.journal.enabled and any("History is off" in problem for problem in app.problems)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await finished(await send(pilot, "still works"))
        assert turn.status is TurnStatus.DONE and pane(app).conversation.id is None


async def test_quitting_mid_reply_saves_the_partial_text(sim: Simulator) -> None:
    hold_replies(sim)
    app = make_app(sim.url, model=GLM, stall_timeout=HELD_S)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await send(pilot, "a long one")
        await wait_until(
            lambda: (
                (view := pane(app).current_view) is not None
                and view.live is not None
                and view.live.tokens > 5
            ),
            what="some tokens",
        )
        conversation_id = pane(app).conversation.id
        await pilot.press("ctrl+q")
    (stored,) = saved().load(conversation_id).turns  # type: ignore[arg-type]
    assert stored.status is TurnStatus.STOPPED and stored.thinking == turn.thinking and stored.thinking


async def test_a_conversation_deleted_by_another_instance_is_handled(sim: Simulator) -> None:
    store = saved()
    gone = store.create_conversation("soon gone", GLM, None)
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = await history(pilot)
        saved().delete(gone)  # another glmtui, meanwhile
        await pilot.press("ctrl+s")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.is_running and isinstance(app.screen, HistoryScreen)  # no traceback, still here
        await wait_until(lambda: screen.rows == [], what="the list refreshed")
        # A chat whose saved conversation vanished goes on saving as a new one.
        await pilot.press("escape")
        pane(app).conversation.id = gone
        turn = await finished(await send(pilot, "still saved"))
        await wait_until(
            lambda: turn.id is not None and pane(app).conversation.id not in (None, gone),
            what="a new saved conversation",
        )


async def test_deleting_the_open_conversation_clears_the_chat(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "Open and then deleted"))
        open_id = pane(app).conversation.id
        await wait_until(lambda: saved().load(open_id), what="it saved")  # type: ignore[arg-type]
        screen = await history(pilot)
        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_until(lambda: app.chat_conversation().id is None, what="the chat cleared")  # type: ignore[union-attr]
        assert app.screen is screen and app.chat_conversation().turns == []  # type: ignore[union-attr]
        await wait_until(lambda: screen.rows == [], what="the list without it")
        await pilot.press("escape")
        assert "Open and then deleted" not in screen_text(app)
        await finished(await send(pilot, "A new start"))
        await wait_until(lambda: pane(app).conversation.id is not None, what="saved as a new conversation")
        (row,) = saved().conversations()
        assert (row.title, row.turns) == ("A new start", 1) and row.id != open_id


async def test_an_open_conversation_deleted_elsewhere_is_saved_again_whole(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "first of two"))
        gone = pane(app).conversation.id
        await wait_until(lambda: saved().load(gone), what="it saved")  # type: ignore[arg-type]
        saved().delete(gone)  # type: ignore[arg-type]  # another glmtui, meanwhile
        await finished(await send(pilot, "second of two"))
        await wait_until(
            lambda: pane(app).conversation.id not in (None, gone) and app.journal.told, what="saved again"
        )
        await wait_until(lambda: saved().conversations()[0].turns == 2, what="both turns")
        (row,) = saved().conversations()
        assert row.title == "first of two" and "deleted in another glmtui" in app.journal.told[0]


async def test_resuming_while_a_prompt_is_queued_stops_it_unsent(sim: Simulator) -> None:
    # A prompt queued while Ollama is away belongs to the chat it was typed in: resuming another must
    # not send it later with that one's history, nor save it there.
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "chat A question"))
        saved_a = pane(app).conversation.id
        await pilot.press("ctrl+n")
        await wait_until(lambda: not pane(app).conversation.turns, what="a new chat")
        sim.stop()
        await wait_until(lambda: app.connection == "offline", what="offline")
        queued = await send(pilot, "queued in B")
        assert pane(app).is_queued
        assert await app.resume(saved_a)
        assert queued.status is TurnStatus.STOPPED and not pane(app).is_busy
        assert [turn.prompt for turn in pane(app).conversation.turns] == ["chat A question"]
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        assert bar.last is not queued and bar.last is not None and bar.last.prompt == first.prompt
    assert [t.prompt for t in saved().load(saved_a).turns] == ["chat A question"]  # type: ignore[arg-type, union-attr]
