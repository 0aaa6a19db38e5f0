"""Both engines against their simulators over sockets: tool calls as each streams them (Ollama whole, vLLM
and SGLang in pieces), a reply cut mid-call, and preserved traces sent only when asked and counted in the
prompt's tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from glmtui.core.errors import GlmTuiError
from glmtui.core.state import Conversation, GenerationStats, ToolCall, Turn, TurnStatus
from glmtui.core.stats import LiveStats
from glmtui.core.tool_calls import ToolCallCollector
from glmtui.services.engines.base import Engine, StreamDone, ToolCallDelta
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.openai import OpenAIEngine
from glmtui.simulator import Fault, OpenAISimulator, Simulator
from glmtui.simulator.replies import build_thinking
from tests.helpers import SIM_RATE, ask

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}
TRACE = "I weigh the options carefully before answering. " * 20


@pytest.fixture(params=["vllm", "sglang"])
def engine_sim(request: pytest.FixtureRequest) -> Iterator[OpenAISimulator]:
    simulator = OpenAISimulator(request.param, rate=SIM_RATE).start()
    try:
        yield simulator
    finally:
        simulator.stop()


async def reply(
    engine: Engine, model: str, messages: list[dict[str, Any]], **kwargs: Any
) -> tuple[tuple[ToolCall, ...], GenerationStats | None, GlmTuiError | None]:
    calls, stats, error = ToolCallCollector(), None, None
    try:
        async for event in engine.chat(model, messages, think="on", live=LiveStats(), **kwargs):
            if type(event) is ToolCallDelta:
                calls.add(event.index, id=event.id, name=event.name, arguments=event.arguments)
            elif type(event) is StreamDone:
                stats = event.stats
    except GlmTuiError as exc:
        error = exc
    finally:
        await engine.close()
    return calls.calls(), stats, error


def history(preserve: bool) -> list[dict[str, Any]]:
    turn = Turn("first", "m", reply="an answer", thinking=TRACE, status=TurnStatus.DONE)
    return Conversation(turns=[turn]).messages_for("second", preserve_thinking=preserve)


async def test_ollama_streams_whole_calls_and_ends_with_stop(sim: Simulator) -> None:
    calls, stats, error = await reply(
        OllamaService(sim.url), "glm-4.7-flash", ask("call get_weather for Paris"), tools=[WEATHER]
    )
    assert error is None and stats is not None and stats.done_reason == "stop"
    [call] = calls
    assert call.name == "get_weather" and call.id.startswith("call_")
    assert call.arguments == '{"city": "Paris", "days": 1}'
    assert sim.requests[-1][2]["tools"] == [WEATHER]


async def test_openai_engines_stream_pieces_joined_with_finish_tool_calls(
    engine_sim: OpenAISimulator,
) -> None:
    calls, stats, error = await reply(
        OpenAIEngine(engine_sim.url), "glm-4.7-flash", ask("call get_weather for Paris"), tools=[WEATHER]
    )
    assert error is None and stats is not None and stats.done_reason == "tool_calls"
    [call] = calls
    assert call.name == "get_weather" and call.arguments == '{"city": "Paris", "days": 1}' and call.id


async def test_a_reply_cut_mid_call_keeps_what_arrived(engine_sim: OpenAISimulator) -> None:
    # The role chunk, the reasoning (as the simulator builds it), the call's head, then two argument pieces.
    reasoning = build_thinking("glm-4.7-flash", "call get_weather for Paris", None)
    engine_sim.inject(Fault("drop", after_tokens=1 + len(reasoning) + 1 + 2))
    calls, stats, error = await reply(
        OpenAIEngine(engine_sim.url), "glm-4.7-flash", ask("call get_weather for Paris"), tools=[WEATHER]
    )
    assert stats is None and error is not None and error.kind == "dropped"
    [call] = calls
    assert (
        call.name == "get_weather"
        and call.arguments
        and '{"city": "Paris", "days": 1}'.startswith(call.arguments)
    )
    assert call.arguments != '{"city": "Paris", "days": 1}'


async def test_ollama_gets_the_traces_only_when_preserved_and_counts_them(sim: Simulator) -> None:
    _, off, _ = await reply(OllamaService(sim.url), "glm-4.7-flash", history(False))
    assert all("thinking" not in message for message in sim.requests[-1][2]["messages"])
    _, on, _ = await reply(OllamaService(sim.url), "glm-4.7-flash", history(True))
    assert sim.requests[-1][2]["messages"][1] == {
        "role": "assistant",
        "content": "an answer",
        "thinking": TRACE,
    }
    assert off is not None and on is not None and off.prompt_eval_count is not None
    assert on.prompt_eval_count == off.prompt_eval_count + len(TRACE) // 4 + 4  # the sim's ~4 chars a token


async def test_openai_engines_get_the_traces_only_when_preserved_and_count_them(
    engine_sim: OpenAISimulator,
) -> None:
    _, off, _ = await reply(OpenAIEngine(engine_sim.url), "glm-4.7-flash", history(False))
    sent = engine_sim.requests[-1][2]
    assert TRACE not in str(sent) and "chat_template_kwargs" not in sent
    _, on, _ = await reply(OpenAIEngine(engine_sim.url), "glm-4.7-flash", history(True))
    sent = engine_sim.requests[-1][2]
    assert sent["messages"][1]["reasoning"] == TRACE and sent["messages"][1]["reasoning_content"] == TRACE
    assert "thinking" not in sent["messages"][1] and sent["chat_template_kwargs"] == {"clear_thinking": False}
    assert off is not None and on is not None and off.prompt_eval_count is not None
    assert on.prompt_eval_count == off.prompt_eval_count + len(TRACE) // 4 + 4
