"""A reply's tool calls: joined from the engines' pieces, cleaned of untrusted text, and put in words.

glmtui shows the calls a model asks for; it never runs them (so no tool result ever follows them).

How each engine streams them (both end up as `ToolCall(name, arguments-as-JSON-text, id)`):

- Ollama: a chunk's `message.tool_calls` holds whole calls, `[{"id": "call_…", "function": {"index": N,
  "name": …, "arguments": {object}}}]` (ollama/ollama `api/types.go` ToolCall / ToolCallFunction; the
  server stamps `id` with `toolCallId()` in `server/routes.go`); `done_reason` stays "stop" (only stop and
  length exist, `llm/server.go` DoneReason). Ollama's tool-calling doc: "When streaming, gather every
  chunk of thinking, content, and tool_calls" (`docs/capabilities/tool-calling.mdx`).
- vLLM / SGLang: `delta.tool_calls` pieces, `{"index", "id", "type", "function": {"name", "arguments":
  partial string}}` (vLLM `entrypoints/openai/engine/protocol.py` DeltaToolCall, chunks dumped with
  `exclude_unset`; SGLang `entrypoints/openai/protocol.py` ToolCall, every field with nulls): the id and
  name come first, the arguments in pieces to be joined per index; `finish_reason` is "tool_calls".

Tool calls do not go back in the history sent with the next prompt (`Turn.as_messages` leaves them out):
an assistant message with `tool_calls` and no `tool` message answering each call is what OpenAI-compatible
servers refuse or templates mis-render (the OpenAI chat format pairs each call id with a tool result, and
vLLM's `_postprocess_messages` turns the arguments back into objects for the template to render a call
that was never answered; Ollama's GLM-4.7 renderer would render `<tool_call>…` followed by a user turn
with no `<|observation|>`). With no tool run there is no result to send, so the reply's text alone goes
back, as it did before tool calls were shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from glmtui.core.sanitize import sanitize
from glmtui.core.state import ToolCall

NAME_LIMIT = 128  # characters of a function name kept (OpenAI's own limit on names is 64)
ARGUMENTS_LIMIT = 64_000  # characters of arguments kept per call: a runaway model cannot fill memory
SUMMARY_LIMIT = 60  # characters of the arguments in the collapsed title
DECODE_ERRORS = (ValueError, RecursionError)
"""What decoding untrusted JSON text raises: not JSON (ValueError), or nested past the decoder's recursion
limit (RecursionError: `"[" * 3000`, a model stuck repeating one character, is valid JSON's start).
Encoding an object that deep for display raises the same, so both are caught around decode and encode."""


def clean_name(name: object) -> str:
    """A function name as the model wrote it, made safe to show: one line, controls visible, capped."""
    if not isinstance(name, str):
        return ""
    flat = " ".join(sanitize(name).split())
    return flat[:NAME_LIMIT]


def arguments_text(arguments: object) -> str:
    """Ollama's arguments object as JSON text (kept in the order sent); a string is kept as it is."""
    if isinstance(arguments, str):
        return sanitize(arguments)
    try:
        return sanitize(json.dumps(arguments, ensure_ascii=False))
    except (TypeError, *DECODE_ERRORS):
        pass
    try:
        return _raw(str(arguments))
    except RecursionError:  # repr recurses as deep as encoding does
        return "(arguments nested too deeply to show)"


@dataclass(slots=True)
class _Parts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    size: int = 0


class ToolCallCollector:
    """Joins a reply's tool-call pieces per index, in the order the calls first appeared.

    `add` takes whatever one piece carries (an id, a name, a fragment of the arguments); the first id
    and name seen for an index stand (vLLM sends them once; SGLang repeats nulls). `calls()` is what
    arrived so far: a reply cut mid-call keeps the part of the arguments that came."""

    def __init__(self) -> None:
        self._calls: dict[int, _Parts] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, index: int, *, id: str = "", name: str = "", arguments: str = "") -> None:
        parts = self._calls.setdefault(index, _Parts())
        if id and not parts.id:
            parts.id = clean_name(id)
        if name and not parts.name:
            parts.name = clean_name(name)
        if arguments and parts.size < ARGUMENTS_LIMIT:
            piece = sanitize(arguments)[: ARGUMENTS_LIMIT - parts.size]
            parts.arguments.append(piece)
            parts.size += len(piece)

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(
            ToolCall(name=parts.name or "?", arguments="".join(parts.arguments), id=parts.id)
            for parts in self._calls.values()
        )


def parsed_arguments(call: ToolCall) -> dict[str, Any] | None:
    """The arguments as an object, or None when they are not a JSON object (cut short, not JSON, or
    nested too deep to decode)."""
    try:
        value = json.loads(call.arguments) if call.arguments.strip() else {}
    except DECODE_ERRORS:
        return None
    return value if isinstance(value, dict) else None


def summary(call: ToolCall, limit: int = SUMMARY_LIMIT) -> str:
    """`get_weather(city="Paris")`: the call on one line, its arguments shortened to `limit` characters."""
    arguments = parsed_arguments(call)
    inner: str | None = None
    if arguments is not None:
        try:
            inner = ", ".join(
                f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in arguments.items()
            )
        except DECODE_ERRORS:
            inner = None  # decoded at the edge of the recursion limit, too deep to encode again
    if inner is None:
        inner = " ".join(call.arguments.split())
    inner = sanitize(inner)
    if len(inner) > limit:
        inner = inner[: limit - 1] + "…"
    return f"{call.name}({inner})"


def pretty_arguments(call: ToolCall) -> str:
    """The arguments for reading: indented JSON, or the text as sent with a note when it is not JSON."""
    if not call.arguments.strip():
        return "(no arguments)"
    try:
        # Decoding turns JSON escapes (\u001b) back into characters: sanitised again for the screen.
        return sanitize(json.dumps(json.loads(call.arguments), ensure_ascii=False, indent=2))
    except RecursionError:
        return f"{_raw(call.arguments)}\n(nested too deeply to lay out, shown as sent)"
    except ValueError:
        return f"{_raw(call.arguments)}\n(not valid JSON, shown as sent: the reply may have been cut short)"


def _raw(text: str) -> str:
    """Arguments shown as sent: sanitised and capped (a call read back from the store was not collected
    here, so neither is taken for granted)."""
    return sanitize(text[:ARGUMENTS_LIMIT])
