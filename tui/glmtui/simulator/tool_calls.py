"""Tool calls in the simulators: when a request offers `tools` and the prompt names one of them.

"call get_weather for Paris" with `get_weather(city: string)` offered → a call to get_weather with
`{"city": "Paris"}`: the arguments are built from the function's JSON schema (strings from the prompt's
words after "for"/"in"/"to"/"about", numbers 1, booleans true, enums their first value). A prompt that
names no offered function is answered as before. Deterministic: same prompt, same call.

How each engine sends them (the wire itself is in `generation` and `oai_chat`):

- Ollama: one chunk whose `message.tool_calls` holds the whole call, `{"id": "call_<8 of [a-z0-9]>",
  "function": {"index": 0, "name", "arguments": {object}}}` (ollama/ollama `server/routes.go`
  `toolCallId`, `api/types.go`), `content` empty; the final chunk's `done_reason` stays "stop".
- vLLM: a first piece `{"id": "chatcmpl-tool-<hex>", "type": "function", "index": 0, "function": {"name",
  "arguments": ""}}`, then `{"index": 0, "function": {"arguments": <part>}}` pieces
  (`DeltaToolCall`, serialised with exclude_unset); SGLang the same fields with nulls kept (its id form,
  `call_<24 hex>`, is assumed). Both end with `finish_reason: "tool_calls"`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from .replies import tokenize

_WORDS_AFTER = re.compile(r"\b(?:for|in|to|about|of)\s+([^\s,.;:!?\"']+(?:\s+[A-Z][^\s,.;:!?\"']*)*)")


@dataclass(frozen=True)
class PlannedCall:
    """The call a reply makes: its function, its arguments and the engine's id for it."""

    name: str
    arguments: dict[str, Any]
    seed: str  # for ids: the same request gives the same id

    def id_hex(self, length: int) -> str:
        return hashlib.sha256(self.seed.encode()).hexdigest()[:length]

    @property
    def ollama_id(self) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        digest = hashlib.sha256(self.seed.encode()).digest()
        return "call_" + "".join(alphabet[b % len(alphabet)] for b in digest[:8])

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, ensure_ascii=False)

    def argument_pieces(self) -> list[str]:
        """The arguments' JSON text in token-sized pieces, as an engine's parser streams them."""
        return tokenize(self.arguments_json) or [self.arguments_json]


def offered(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The functions a request offers, by name, with their parameter schemas ({} when malformed)."""
    functions: dict[str, dict[str, Any]] = {}
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str) and function["name"]:
            parameters = function.get("parameters")
            functions[function["name"]] = parameters if isinstance(parameters, dict) else {}
    return functions


def plan_call(body: dict[str, Any], prompt: str) -> PlannedCall | None:
    """The call the reply makes: the first offered function the prompt names, or None."""
    for name, schema in offered(body).items():
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", prompt):
            return PlannedCall(name, arguments(schema, prompt.replace(name, " ")), f"{name}\x1f{prompt}")
    return None


def arguments(schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    """Plausible arguments for a parameters schema: required properties first, then the rest."""
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = [key for key in schema.get("required") or [] if key in properties]
    words = [match.group(1) for match in _WORDS_AFTER.finditer(prompt)]
    values: dict[str, Any] = {}
    for key in [*required, *(key for key in properties if key not in required)]:
        values[key] = _value(properties[key] if isinstance(properties[key], dict) else {}, words)
    return values


def _value(spec: dict[str, Any], words: list[str]) -> Any:
    if isinstance(spec.get("enum"), list) and spec["enum"]:
        return spec["enum"][0]
    kind = spec.get("type")
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return words.pop(0) if words else "example"
