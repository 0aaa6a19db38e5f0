"""Tool calls and preserved thinking, without a stream: the wire parsing of both engines' tool-call pieces,
the joining and cleaning of them, what goes back in the history, the support rule, the gauge's estimate
and the export."""

from __future__ import annotations

import json

from glmtui.core.context import predict_next
from glmtui.core.preserve import preserve_support
from glmtui.core.state import Conversation, GenerationStats, ModelDetails, ToolCall, Turn, TurnStatus
from glmtui.core.tool_calls import ToolCallCollector, pretty_arguments, summary
from glmtui.services.conversation_export import conversation_markdown
from glmtui.services.engines.ollama import tool_calls as ollama_tool_calls
from glmtui.services.engines.openai_wire import chat_body, request_args, tool_call_deltas

ESC = "\x1b"


def test_openai_pieces_are_joined_per_index_first_id_and_name_standing() -> None:
    chunks = [  # vLLM: unset fields left out
        {
            "tool_calls": [
                {"id": "chatcmpl-tool-1", "type": "function", "index": 0, "function": {"name": "f"}}
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        {"tool_calls": [{"index": 1, "id": "b", "function": {"name": "g", "arguments": "{}"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
        # SGLang: every field, nulls kept; a later id or name does not replace the first
        {"tool_calls": [{"id": None, "index": 0, "type": "function", "function": {"name": None}}]},
        {"tool_calls": [{"id": "other", "index": 0, "function": {"name": "h", "arguments": None}}]},
        # junk: no index, not a dict, a bool index
        {"tool_calls": [{"function": {"name": "x"}}, "junk", {"index": True, "function": {}}]},
        {"tool_calls": "junk"},
    ]
    collector = ToolCallCollector()
    for delta in chunks:
        for piece in tool_call_deltas(delta):
            collector.add(piece.index, id=piece.id, name=piece.name, arguments=piece.arguments)
    assert collector.calls() == (
        ToolCall("f", '{"city": "Paris"}', "chatcmpl-tool-1"),
        ToolCall("g", "{}", "b"),
    )


def test_untrusted_names_and_arguments_are_made_safe() -> None:
    pieces = tool_call_deltas(
        {
            "tool_calls": [
                {"index": 0, "id": "x", "function": {"name": f"evil{ESC}[2J\nname", "arguments": ESC}}
            ]
        }
    )
    assert ESC not in pieces[0].name and "\n" not in pieces[0].name and ESC not in pieces[0].arguments
    # Ollama's whole calls: the arguments object becomes JSON text; a JSON escape decoded for reading is
    # neutralised again.
    [call] = ollama_tool_calls(
        [{"function": {"name": "f", "arguments": {"k": ESC + "[31mred"}}}, {"x": 1}, 7]
    )
    assert call["name"] == "f" and json.loads(call["arguments"]) == {"k": ESC + "[31mred"}
    assert ESC not in pretty_arguments(ToolCall("f", call["arguments"]))
    assert ollama_tool_calls(None) == [] and ollama_tool_calls([{"function": {}}])[0]["name"] == "?"


def test_a_call_cut_short_keeps_its_text_and_says_so() -> None:
    cut = ToolCall("get_weather", '{"city": "Par')
    assert summary(cut) == 'get_weather({"city": "Par)'
    assert pretty_arguments(cut).startswith('{"city": "Par') and "not valid JSON" in pretty_arguments(cut)
    whole = ToolCall("get_weather", json.dumps({"city": "Paris", "days": 3}))
    assert summary(whole) == 'get_weather(city="Paris", days=3)'
    assert pretty_arguments(whole) == '{\n  "city": "Paris",\n  "days": 3\n}'
    assert summary(ToolCall("f", json.dumps({"text": "x" * 100}))).endswith("…)")


def test_tool_calls_stay_out_of_the_history_and_traces_go_back_only_when_asked() -> None:
    turn = Turn("q", "m", reply="a", thinking="why", status=TurnStatus.DONE, tool_calls=(ToolCall("f"),))
    assert turn.as_messages() == [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    assert turn.as_messages(preserve_thinking=True)[1] == {
        "role": "assistant",
        "content": "a",
        "thinking": "why",
    }


def test_openai_body_carries_the_trace_in_both_engines_fields_only_when_preserved() -> None:
    turn = Turn("q", "m", reply="a", thinking="why", status=TurnStatus.DONE)
    conversation = Conversation(turns=[turn])
    args = request_args({}, "off")  # think off: chat_template_kwargs enable_thinking false, kept beside
    on = chat_body("m", conversation.messages_for("next", preserve_thinking=True), args)
    assert on["messages"][1] == {
        "role": "assistant",
        "content": "a",
        "reasoning": "why",
        "reasoning_content": "why",
    }
    assert on["chat_template_kwargs"] == {"enable_thinking": False, "clear_thinking": False}
    off = chat_body("m", conversation.messages_for("next"), request_args({}, "on"))
    assert off["messages"][1] == {"role": "assistant", "content": "a"}
    assert "chat_template_kwargs" not in off and "why" not in json.dumps(off)


def test_support_is_yes_for_glm_47_no_where_it_cannot_be_and_unknown_otherwise() -> None:
    glm = ModelDetails("glm-4.7-flash:latest", capabilities=("thinking",))
    assert preserve_support("glm-4.7-flash:latest", glm)[0] == "yes"
    vllm = ModelDetails("served", capabilities=("thinking",), model_info={"root": "zai-org/GLM-4.7-Flash"})
    assert preserve_support("served", vllm)[0] == "yes"
    assert preserve_support("gemma3:27b", ModelDetails("gemma3:27b"))[0] == "no"  # does not think
    assert preserve_support("qwen3.5:35b", ModelDetails("qwen3.5:35b", capabilities=("thinking",)))[0] == "no"
    assert (
        preserve_support("gpt-oss:20b", ModelDetails("gpt-oss:20b", capabilities=("thinking",)))[0]
        == "unknown"
    )
    assert preserve_support("anything", None)[0] == "unknown"


def test_the_gauge_counts_the_traces_when_they_go_back() -> None:
    counted = Turn("q", "m", reply="a", status=TurnStatus.DONE)
    counted.stats = GenerationStats(prompt_eval_count=10, eval_count=5)
    since = Turn("q2", "m", reply="b", thinking="t" * 300, status=TurnStatus.DONE)
    off = predict_next([counted, since], "next")
    on = predict_next([counted, since], "next", preserve_thinking=True)
    assert on == off + 100  # 300 ASCII characters, 3 a token


def test_the_export_lists_the_tool_calls() -> None:
    call = ToolCall("get_weather", '{"city": "```Paris"}', "call_1")
    turn = Turn("q", "m", reply="", status=TurnStatus.DONE, tool_calls=(call,))
    text = conversation_markdown(Conversation(turns=[turn]), now=0)
    assert "**Tool calls** (not run by glmtui):" in text and "- `get_weather` (id call_1)" in text
    assert "  ````json" in text and '"city": "```Paris"' in text and "_(no answer text)_" not in text
