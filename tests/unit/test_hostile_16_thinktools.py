"""Hostile tests for issue 16's preserved thinking (item 4) and tool calls (item 6).

Each test is a bug found by attacking the build: it fails now for the reason its xfail gives, and passes
once the bug is fixed (strict: a fix that forgets to drop the mark is caught)."""

from __future__ import annotations

from pathlib import Path

from glmtui.core.context import predict_next
from glmtui.core.state import Conversation, GenerationStats, ToolCall, Turn, TurnStatus
from glmtui.core.stats import LiveStats
from glmtui.core.tool_calls import pretty_arguments, summary
from glmtui.services.conversation_export import conversation_markdown
from glmtui.services.engines.base import ContentDelta, StreamDone, ThinkingDelta
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from glmtui.widgets.tool_calls import ToolCallView
from tests.helpers import HostApp

GLM = "glm-4.7-flash"
TRACE = "I weigh the options carefully before answering, step by step. " * 30  # ~1,900 characters

# A model stuck repeating one character is a known failure mode; "[" repeated is valid JSON's start.
NESTED = ToolCall("get_weather", "[" * 3000 + "]" * 3000, "call_1")


# -- a tool call whose arguments nest deeper than the JSON decoder's recursion limit -----------------


def test_deeply_nested_arguments_are_shown_not_raised() -> None:
    assert summary(NESTED).startswith("get_weather(")
    assert pretty_arguments(NESTED)


def test_deeply_nested_arguments_do_not_break_the_export() -> None:
    turn = Turn("q", GLM, reply="", status=TurnStatus.DONE, tool_calls=(NESTED,))
    assert "get_weather" in conversation_markdown(Conversation(turns=[turn]), now=0)


async def test_deeply_nested_arguments_do_not_crash_the_tool_call_block() -> None:
    app = HostApp([])
    async with app.run_test() as pilot:
        # Mounting is where a reply's calls meet the screen (ReplyView.finish / compose).
        await app.mount(ToolCallView(NESTED))
        await pilot.pause()
        assert app.query(ToolCallView)


# -- the gauge's prediction when preserved thinking is turned on in a conversation under way ---------


async def reply(sim: Simulator, messages: list[dict[str, object]]) -> Turn:
    """One reply from the Ollama simulator as the chat pane builds its turn (text, trace, server figures)."""
    engine = OllamaService(sim.url)
    content: list[str] = []
    thinking: list[str] = []
    stats = GenerationStats()
    try:
        async for event in engine.chat(GLM, messages, think="on", live=LiveStats()):
            if type(event) is ContentDelta:
                content.append(event.text)
            elif type(event) is ThinkingDelta:
                thinking.append(event.text)
            elif type(event) is StreamDone:
                stats = event.stats
    finally:
        await engine.close()
    last = messages[-1]["content"]
    assert isinstance(last, str)
    return Turn(
        last, GLM, reply="".join(content), thinking="".join(thinking), status=TurnStatus.DONE, stats=stats
    )


async def test_the_estimate_is_never_below_the_servers_count_when_preserving_is_turned_on(
    sim: Simulator,
) -> None:
    # An earlier turn with a long trace; the next one sent without preserving (the toggle was off).
    first = Turn("first question", GLM, reply="an answer", thinking=TRACE, status=TurnStatus.DONE)
    second = await reply(sim, Conversation(turns=[first]).messages_for("second question"))
    assert second.stats.prompt_eval_count is not None and second.thinking
    # Now the toggle is on: the guard predicts the next request, then the server counts it.
    conversation = Conversation(turns=[first, second])
    predicted = predict_next(conversation.turns, "third question", preserve_thinking=True)
    third = await reply(sim, conversation.messages_for("third question", preserve_thinking=True))
    assert third.stats.prompt_eval_count is not None
    # core/context.py: "a little high, never low".
    assert predicted >= third.stats.prompt_eval_count


# -- a streaming turn's tool calls in the partial save ------------------------------------------------


def test_a_partial_save_keeps_the_tool_calls_that_arrived(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    turn = Turn("call get_weather for Paris", GLM)
    conversation_id = store.create_conversation("weather", GLM, None)
    turn.id = store.start_turn(conversation_id, turn)
    # ChatPane.partial() hands the journal the calls so far with the text; glmtui then dies mid-reply.
    partial = Turn(
        turn.prompt,
        GLM,
        thinking="the user wants the weather",
        created_at=turn.created_at,
        tool_calls=(ToolCall("get_weather", '{"city": "Paris"}', "call_1"),),
    )
    store.save_partial(turn.id, partial)
    saved = store.load(conversation_id)
    assert saved is not None
    [loaded] = saved.turns
    assert loaded.status is TurnStatus.STOPPED  # glmtui closed before the reply finished
    assert loaded.tool_calls == partial.tool_calls
