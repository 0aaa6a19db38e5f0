"""Preserved thinking and tool calls in the chat: a tool call shown (not run) from the Ollama simulator and
from vLLM's, saved and shown again when the conversation is reopened; alt+t sends earlier traces back to
both engines, says so in the status bar, and the gauge's figures count them.

Tools are offered as a user offers them: a `[[presets]]` entry with `tools`, chosen for the chat.
"""

from __future__ import annotations

from typing import Any

from glmtui.core.endpoints import Endpoint
from glmtui.core.presets import Preset
from glmtui.core.state import TurnStatus
from glmtui.paths import db_path
from glmtui.services.store import Store
from glmtui.simulator import OpenAISimulator, Simulator
from glmtui.widgets.status_bar import StatusBar
from glmtui.widgets.tool_calls import ToolCallView
from tests.helpers import chat_requests, finished, make_app, pane, ready, send, wait_until
from tests.unit.test_tool_call_engines import WEATHER

GLM = "glm-4.7-flash:latest"
SERVED = "glm-4.7-flash"


WEATHER_PRESET = Preset(name="weather tools", tools=(WEATHER,))


def call_titles(app: Any) -> list[str]:
    return [str(view.title) for view in app.screen.query(ToolCallView)]


async def test_tool_calls_shown_saved_and_reopened_and_traces_preserved_on_both_engines(
    sim: Simulator,
) -> None:
    node1 = OpenAISimulator("vllm", rate=2000.0).start()
    try:
        endpoints = (Endpoint("desk", sim.url, "ollama"), Endpoint("node1", node1.url, "openai"))
        app = make_app(sim.url, model=GLM, endpoints=endpoints, presets=(WEATHER_PRESET,))
        async with app.run_test(size=(140, 40)) as pilot:
            await ready(app)
            await app.screen.presets.choose(WEATHER_PRESET)
            first = await finished(await send(pilot, "call get_weather for Paris"))
            assert first.status is TurnStatus.DONE and first.thinking and not first.reply
            assert [call.name for call in first.tool_calls] == ["get_weather"]
            await wait_until(lambda: call_titles(app), what="the tool call block")
            assert call_titles(app) == ['⚙ tool call: get_weather(city="Paris", days=1) · not run']
            assert sim.requests and chat_requests(sim)[-1]["tools"] == [WEATHER]

            # alt+t, with the prompt box focused: on, said in the status bar; the trace goes back.
            bar = app.screen.query_one(StatusBar)
            await pilot.press("alt+t")
            assert bar.preserved_thinking and "preserved thinking" in str(bar.render())
            assert app.screen.query_one("#prompt").text == ""  # the key did not type into the prompt
            second = await finished(await send(pilot, "and a plain answer"))
            # The first reply was a tool call alone: no text, so no assistant message (and no trace) for it.
            sent = chat_requests(sim)[-1]["messages"]
            assert [m["role"] for m in sent] == ["user", "user"] and "thinking" not in str(sent)
            # What its count holds, for the gauge's estimate (core/context.py): sent with traces or not.
            assert first.sent_traces is False and second.sent_traces is True
            # The second reply's trace goes back with the third prompt, on vLLM: as `reasoning`, with the
            # template's clear_thinking off.
            await app.switch_model(SERVED, "node1")
            await ready(app)
            third = await finished(await send(pilot, "call get_weather for Oslo"))
            body = [b for _, path, b in node1.requests if path == "/v1/chat/completions"][-1]
            kept = [m for m in body["messages"] if m.get("reasoning")]
            assert kept == [
                {
                    "role": "assistant",
                    "content": second.reply,
                    "reasoning": second.thinking,
                    "reasoning_content": second.thinking,
                }
            ]
            assert body["chat_template_kwargs"] == {"clear_thinking": False}
            # The server counted the trace: the gauge shows its count of this request.
            assert third.stats.prompt_eval_count is not None and third.stats.done_reason == "tool_calls"
            used = third.stats.prompt_eval_count + (third.stats.eval_count or 0)
            await wait_until(
                lambda: (use := app.screen.context.use) is not None and use.used == used, what="the gauge"
            )
            assert [call.arguments for call in third.tool_calls] == ['{"city": "Oslo", "days": 1}']
            await wait_until(lambda: len(call_titles(app)) == 2, what="the second tool call block")

            # Saved with the turns, and shown again when the conversation is reopened.
            conversation_id = pane(app).conversation.id
            assert conversation_id is not None
            await wait_until(
                lambda: (
                    [t.tool_calls for t in Store(db_path()).load(conversation_id).turns]
                    == [first.tool_calls, (), third.tool_calls]
                ),
                what="the calls saved",
            )
            await pilot.press("ctrl+n")
            await wait_until(lambda: not call_titles(app), what="a new chat")
            assert not bar.preserved_thinking  # per chat: a new one starts with it off
            assert await app.resume(conversation_id)
            await wait_until(lambda: len(call_titles(app)) == 2, what="the reopened calls")
    finally:
        node1.stop()
