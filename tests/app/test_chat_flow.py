"""Pilot flows against the simulator: send, think, answer, exact stats, Esc, and history."""

from __future__ import annotations

from glmtui.core.state import TurnStatus
from glmtui.simulator import Simulator
from glmtui.widgets.message import FinalReply, ReplyView, UserMessage
from glmtui.widgets.status_bar import StatusBar
from glmtui.widgets.thinking import ThinkingView
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


async def test_send_think_answer_exact_stats(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert app.think_label == "on"
        turn = await finished(await send(pilot, "Write a binary search in Rust"))
        assert turn.status is TurnStatus.DONE
        assert turn.thinking and "glm-4.7-flash" in turn.reply and "Write a binary search" in turn.reply
        body = chat_requests(sim)[-1]
        assert body["think"] is True and body["messages"][-1]["content"] == "Write a binary search in Rust"
        # The exact figure is Ollama's eval_count / eval_duration, printed as `ollama run --verbose` does.
        stats = turn.stats
        assert stats.final and stats.eval_count and stats.eval_duration_ns
        exact = f"{stats.eval_count / (stats.eval_duration_ns / 1e9):.2f} tok/s"
        view = pane(app).query_one(ReplyView)
        await wait_until(lambda: view.query(FinalReply), what="the reconciling render")
        assert exact in str(view.query_one(".reply-stats").render())
        assert view.query_one(FinalReply).markdown == turn.reply
        thinking = view.query_one(ThinkingView)
        assert thinking.collapsed and thinking.title.startswith("thought for ")
        assert f"· {stats.thinking_tokens} tokens" in thinking.title
        assert exact in str(app.screen.query_one(StatusBar).render())
        # The thinking section can be reopened.
        thinking.collapsed = False
        first_words = " ".join(turn.thinking.split()[:6])
        await wait_until(lambda: first_words in screen_text(app), what="the reopened trace on screen")


async def test_each_request_carries_the_conversation(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "first question"))
        await finished(await send(pilot, "second question"))
        messages = chat_requests(sim)[-1]["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
        assert messages[0]["content"] == "first question" and messages[1]["content"] == first.reply


async def test_model_without_thinking_never_gets_think(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b", think="on")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert app.think_label.startswith("n/a")
        await pilot.press("ctrl+t")  # nothing to toggle: must not start sending think
        turn = await finished(await send(pilot, "hello"))
        assert turn.status is TurnStatus.DONE and not turn.thinking
        assert "think" not in chat_requests(sim)[-1]


async def test_think_levels_for_gpt_oss(sim: Simulator) -> None:
    app = make_app(sim.url, model="gpt-oss:20b", think="on")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert app.think_label == "medium"
        await pilot.press("ctrl+t")
        assert app.think_label == "high"
        await finished(await send(pilot, "hi"))
        assert chat_requests(sim)[-1]["think"] == "high"


async def test_think_off_for_glm(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("ctrl+t")
        assert app.think_label == "off"
        turn = await finished(await send(pilot, "hi"))
        assert chat_requests(sim)[-1]["think"] is False and not turn.thinking


async def test_first_installed_model_is_default(sim: Simulator) -> None:
    app = make_app(sim.url)
    async with app.run_test(size=(120, 40)):
        await ready(app)
        installed = [body for _, path, body in sim.requests if path == "/api/tags"]
        assert installed and app.model == "glm-4.7-flash:latest"  # the simulator lists it first


async def test_escape_stops_and_keeps_partial_text(sim: Simulator) -> None:
    hold_replies(sim)
    app = make_app(sim.url, model="qwen3-coder:30b", stall_timeout=HELD_S)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await send(pilot, "a long answer please")
        view = pane(app).query_one(ReplyView)
        await wait_until(lambda: view.live_markdown is not None, what="some streamed text")
        await pilot.press("escape")
        await finished(turn)
        assert turn.status is TurnStatus.STOPPED and turn.reply
        await wait_until(lambda: view.query(FinalReply), what="the reconciling render")
        assert "stopped" in str(view.query_one(".reply-stats").render())
        assert "last reply stopped after" in str(app.screen.query_one(StatusBar).render())
        assert view.query_one(FinalReply).markdown == turn.reply
        nxt = await finished(await send(pilot, "again"))
        assert nxt.status is TurnStatus.DONE
        # The stopped partial reply is part of what the model sees next.
        assert chat_requests(sim)[-1]["messages"][1]["content"] == turn.reply


async def test_empty_prompt_is_not_sent(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("space", "space", "enter")
        await pilot.press("ctrl+j", "enter")
        await pilot.pause()
        assert chat_requests(sim) == [] and pane(app).conversation.turns == []


async def test_newline_key_inserts_newline(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("a", "ctrl+j", "b", "enter")
        await wait_until(lambda: bool(pane(app).conversation.turns), what="the turn to start")
        turn = await finished(pane(app).conversation.turns[-1])
        assert turn.prompt == "a\nb"


async def test_huge_paste_is_sent_whole_and_shown_truncated(sim: Simulator) -> None:
    from textual import events

    from glmtui.widgets.prompt_input import PromptInput

    big = ("0123456789abcdef" * 64 + "\n") * 1000  # ~1 MB with newlines
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        prompt = app.screen.query_one(PromptInput)
        app.post_message(events.Paste(big))  # as the driver delivers a real paste
        await wait_until(lambda: len(prompt.text) == len(big), what="the paste")
        await pilot.press("enter")
        # ~350k tokens: more than the context Ollama will load it at, so glmtui asks first; send anyway.
        from glmtui.screens.dialogs.context import ContextOverflowScreen

        await wait_until(lambda: isinstance(app.screen, ContextOverflowScreen), what="the overflow question")
        await pilot.press("c")
        await wait_until(lambda: bool(pane(app).conversation.turns))
        turn = await finished(pane(app).conversation.turns[-1], timeout=30)
        assert turn.status is TurnStatus.DONE
        sent = big.removesuffix("\n")  # every line, only the final newline dropped (a trailing blank line)
        assert chat_requests(sim)[-1]["messages"][-1]["content"] == sent
        shown = str(pane(app).query_one(UserMessage).render())
        assert f"({len(sent):,} characters sent" in shown and len(shown) < 5000
        assert prompt.text == ""


async def test_blank_lines_around_the_prompt_are_not_sent(sim: Simulator) -> None:
    from glmtui.widgets.prompt_input import trim_blank_lines

    assert trim_blank_lines(" \n\n  def f():\n\n    pass\n \t\n") == "  def f():\n\n    pass"
    assert trim_blank_lines("\n \n\t\n") == "" and trim_blank_lines("a") == "a"
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("ctrl+j", "space", "ctrl+j", "h", "i", "ctrl+j", "ctrl+j", "x", "ctrl+j", "ctrl+j")
        await pilot.press("enter")
        await wait_until(lambda: bool(pane(app).conversation.turns), what="the turn to start")
        turn = await finished(pane(app).conversation.turns[-1])
        assert turn.prompt == "hi\n\nx" and chat_requests(sim)[-1]["messages"][-1]["content"] == "hi\n\nx"
