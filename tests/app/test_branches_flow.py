"""Pilot flows for branches (issue 16): Ctrl+R regenerates as a new branch, Alt+E edits an earlier
prompt, ‹ › and Alt+←/→ move between branches; the request always carries the visible branch (read on
the simulator's request log), and reopening shows the branch last shown, or says what was repaired."""

from __future__ import annotations

import asyncio
from typing import Any

from glmtui.core import branches
from glmtui.paths import db_path
from glmtui.screens.dialogs.edit_prompt import EditPromptScreen
from glmtui.simulator import Simulator
from glmtui.widgets.branch_prompt import BranchPrompt
from glmtui.widgets.chat_log import ChatLog
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import (
    HELD_S,
    chat_requests,
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

CODER = "qwen3-coder:30b"


def users(sim: Simulator) -> list[str]:
    """The user messages of the last chat request."""
    return [m["content"] for m in chat_requests(sim)[-1]["messages"] if m["role"] == "user"]


def prompts(app: Any) -> list[str]:
    return [t.prompt for t in pane(app).conversation.turns]


def switches(app: Any) -> list[str]:
    """The `‹ n/m ›` of each prompt shown in the log that has one."""
    shown = app.screen.query_one(ChatLog).query(BranchPrompt)
    return [str(p.render()).split("  ")[0] for p in shown if p.place[1] > 1]


def notices(app: Any) -> str:
    log = app.screen.query_one(ChatLog)
    return "\n".join(str(w.render()) for w in log.query(".log-notice"))


async def test_regenerate_moves_and_reopens_on_the_branch_last_shown(sim: Simulator) -> None:
    app = make_app(sim.url, model=CODER)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "one"))
        old = await finished(await send(pilot, "two"))
        await pilot.press("ctrl+r")
        await wait_until(lambda: pane(app).conversation.turns[-1] is not old, what="the regenerated turn")
        new = await finished(pane(app).conversation.turns[-1])
        assert users(sim) == ["one", "two"]  # the same context, the prompt once
        conversation = pane(app).conversation
        assert prompts(app) == ["one", "two"] and len(branches.every_turn(conversation)) == 3
        await wait_until(lambda: switches(app) == ["‹ 2/2 ›"], what="the branch switch")
        await pilot.press("alt+left")
        await wait_until(lambda: conversation.turns[-1] is old, what="the first reply shown again")
        assert switches(app) == ["‹ 1/2 ›"] and len(app.screen.query(BranchPrompt)) == 2
        await wait_until(
            lambda: db_rows(db_path(), "SELECT leaf_turn_id FROM conversations") == [(old.id,)],
            what="the leaf saved",
        )
        # The stored parent of the regenerated turn goes missing (a damaged row): it still opens.
        db_rows(db_path(), "UPDATE turns SET parent_id = 4242 WHERE id = ?", (new.id,))
        assert conversation.id is not None
        await app.new_chat()
        await app.resume(conversation.id)
        # The branch last shown (ending at the first reply), with the turn that lost its parent
        # attached after the turn saved before it: shown, not dropped.
        await wait_until(lambda: prompts(app) == ["one", "two", "two"], what="the conversation reopened")
        assert [t.id for t in pane(app).conversation.turns[1:]] == [old.id, new.id]
        assert "lost the turn they follow" in notices(app) and "Nothing was dropped" in notices(app)


async def test_edit_sends_a_new_branch_and_moving_changes_what_is_sent(sim: Simulator) -> None:
    app = make_app(sim.url, model=CODER, stall_timeout=HELD_S)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(app)
        for prompt in ("one", "two", "three"):
            await finished(await send(pilot, prompt))
        box = app.screen.query_one(PromptInput)
        box.insert("a draft")
        # Esc cancels an edit: the untouched prompt goes, the draft comes back.
        await pilot.press("alt+e")
        await wait_until(lambda: isinstance(app.screen, EditPromptScreen), what="the prompt list")
        await pilot.press("enter")  # the last prompt is highlighted
        await wait_until(lambda: box.text == "three", what="the prompt in the box")
        await pilot.press("escape")
        await wait_until(lambda: box.text == "a draft", what="the draft back")
        box.clear()
        await pilot.press("alt+e")
        await wait_until(lambda: isinstance(app.screen, EditPromptScreen), what="the prompt list")
        await pilot.press("up", "enter")  # prompt 2
        await wait_until(lambda: box.text == "two", what="prompt 2 in the box")
        marker = str(app.screen.query_one("#edit-marker").render())
        assert "editing prompt 2" in marker and "Esc cancels" in marker
        box.insert(" edited")
        await pilot.press("enter")
        await wait_until(lambda: prompts(app) == ["one", "two edited"], what="the edited branch")
        await finished(pane(app).conversation.turns[-1])
        assert users(sim) == ["one", "two edited"]
        assert not app.screen.query_one("#edit-marker").display
        await pilot.press("alt+left")  # the last prompt with branches: prompt 2
        await wait_until(lambda: prompts(app) == ["one", "two", "three"], what="the old branch")
        await finished(await send(pilot, "four"))
        assert users(sim) == ["one", "two", "three", "four"]
        # The › on prompt 2 (a click on the character: "‹ 1/2 ›" after the border and padding).
        switch = next(p for p in app.screen.query(BranchPrompt) if p.place[1] > 1)
        app.screen.query_one(ChatLog).scroll_to_widget(switch, animate=False, top=True)
        await pilot.pause()
        await pilot.click(switch, offset=(8, 0))
        await wait_until(lambda: prompts(app) == ["one", "two edited"], what="moved by a click")
        await finished(await send(pilot, "five"))
        assert users(sim) == ["one", "two edited", "five"]
        # While a reply streams the branch shown stays (the reply streams into it): refused, said so.
        hold_replies(sim)
        streaming = await send(pilot, "six")
        await pilot.press("alt+left")
        await wait_until(lambda: "move between" in screen_text(app), what="the refusal")
        assert pane(app).conversation.turns[-1] is streaming
        await pilot.press("escape")
        await finished(streaming)
        # A new chat during an edit ends it other than by sending: the draft comes back, as with Esc.
        box.insert("draft two")
        await pilot.press("alt+e")
        await wait_until(lambda: isinstance(app.screen, EditPromptScreen), what="the prompt list")
        await pilot.press("enter")
        await wait_until(lambda: box.text == "six", what="the last prompt in the box")
        await pilot.press("ctrl+n")
        await wait_until(lambda: not pane(app).conversation.turns, what="the new chat")
        assert box.text == "draft two" and not app.screen.query_one("#edit-marker").display


async def test_a_regenerate_checked_while_the_chat_changes_is_not_sent(sim: Simulator) -> None:
    # The overflow check awaits the server (here held at a gate: the context is not known, so the
    # context it would load at is asked). Meanwhile branch moves and a new chat are refused; a resume
    # (from the history) gets through, and the regenerate checked for the chat left is then not sent.
    app = make_app(sim.url, model=CODER)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(app)
        await finished(await send(pilot, "one"))
        saved = pane(app).conversation.id
        screen = app.screen
        gate = asyncio.Event()

        async def held(model: str) -> int:
            await gate.wait()
            return 100_000

        screen.context.context_for = lambda request: None  # type: ignore[attr-defined]
        app.model_watch.expected_context = held  # type: ignore[method-assign]
        screen.run_worker(screen.action_regenerate(), exit_on_error=False)  # as the palette's Regenerate
        await wait_until(lambda: screen.submitting, what="the check")  # type: ignore[attr-defined]
        await pilot.press("alt+left")
        await wait_until(lambda: "being checked" in screen_text(app), what="the move refused")
        await pilot.press("ctrl+n")
        await wait_until(lambda: "sent: a new chat" in screen_text(app), what="the new chat refused")
        assert prompts(app) == ["one"]
        assert await app.resume(saved)
        gate.set()
        await wait_until(lambda: "chat changed" in screen_text(app), what="the regenerate dropped")
        assert len(chat_requests(sim)) == 1 and prompts(app) == ["one"] and not pane(app).is_busy
