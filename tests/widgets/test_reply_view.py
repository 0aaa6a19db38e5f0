"""ReplyView in a host app: batched streaming, thinking collapse, final render and stats lines."""

from __future__ import annotations

from glmtui.core.state import GenerationStats, Turn, TurnStatus
from glmtui.core.stats import LiveStats
from glmtui.widgets.chat_log import MOUNTED_TURNS, ChatLog
from glmtui.widgets.message import FinalReply, ReplyView, UserMessage, stats_line
from glmtui.widgets.thinking import ThinkingView
from tests.helpers import HostApp, wait_until


async def test_streaming_then_final_render() -> None:
    turn = Turn(prompt="q", model="m")
    view = ReplyView(turn)
    app = HostApp([view])
    async with app.run_test():
        live = LiveStats()
        view.start(live)
        for word in ["Thinking ", "hard ", "now."]:
            live.on_token(thinking=True)
            view.feed_thinking(word)
        await wait_until(lambda: view.query(ThinkingView), what="the thinking section")
        thinking = view.query_one(ThinkingView)
        assert not thinking.collapsed and thinking.title == "thinking…"
        for word in ["# Title\n\n", "Some ", "**bold** ", "text.\n"]:
            live.on_token(thinking=False)
            view.feed_content(word)
        await wait_until(lambda: (md := view.live_markdown) is not None and "bold" in md.source)
        markdown = view.live_markdown
        # "# Title" settled into a frozen, pre-rendered block
        assert markdown is not None and markdown.frozen_count == 1
        assert (
            thinking.collapsed
            and thinking.title.startswith("thought for ")
            and "· 3 tokens" in thinking.title
        )
        # Deltas were batched: one Markdown append per flush, not one per token.
        turn.reply, turn.thinking, turn.status = (
            "# Title\n\nSome **bold** text.\n",
            "Thinking hard now.",
            TurnStatus.DONE,
        )
        turn.stats = GenerationStats(
            ttft_s=0.1,
            eval_count=7,
            eval_duration_ns=70_000_000,
            prompt_eval_count=3,
            prompt_eval_duration_ns=0,
            load_duration_ns=0,
            thinking_tokens=3,
            thinking_s=0.5,
        )
        await view.finish()
        await wait_until(lambda: view.query(FinalReply), what="the reconciling render")
        assert view.live_markdown is None and view.query_one(FinalReply).markdown == turn.reply
        line = str(view.query_one(".reply-stats").render())
        assert "eval 100.00 tok/s" in line and "prompt 3 tok (cached)" in line


async def test_unclosed_code_fence_is_rendered_whole_at_the_end() -> None:
    turn = Turn(prompt="q", model="m", reply="```python\nprint('x')\n", status=TurnStatus.DONE)
    view = ReplyView(turn)
    async with HostApp([view]).run_test():
        view.start(LiveStats())
        view.feed_content(turn.reply)
        await view.finish()
        await wait_until(lambda: view.query(FinalReply), what="the reconciling render")
        assert "print('x')" in str(view.query_one(FinalReply).render().markup)


def test_stats_line_for_failed_and_truncated_turns() -> None:
    failed = Turn(
        prompt="q",
        model="m",
        status=TurnStatus.FAILED,
        error="The connection dropped",
        stats=GenerationStats(ttft_s=0.2, content_tokens=5),
    )
    assert str(stats_line(failed)).startswith("✗ The connection dropped · TTFT 200 ms · tokens 5 received")
    cut = Turn(
        prompt="q",
        model="m",
        status=TurnStatus.DONE,
        stats=GenerationStats(eval_count=10, eval_duration_ns=0, done_reason="length"),
    )
    text = str(stats_line(cut))
    assert "eval n/a" in text and "cut at the token limit" in text


async def test_chat_log_keeps_a_window_of_turns() -> None:
    log = ChatLog()
    async with HostApp([log]).run_test() as pilot:
        for i in range(MOUNTED_TURNS + 5):
            turn = Turn(prompt=f"p{i}", model="m", reply=f"r{i}", status=TurnStatus.DONE)
            view = ReplyView(turn)
            await log.add_turn(UserMessage(turn.prompt), view)
            await view.finish()
        await pilot.pause()
        assert log.mounted_turns == MOUNTED_TURNS
        assert len(log.query(UserMessage)) == MOUNTED_TURNS
        assert "5 earlier turn(s) not shown" in str(log.query_one(".log-hidden").render())
        assert str(log.query(UserMessage).first().render()) == "p5"
