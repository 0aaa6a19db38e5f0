"""What each OpenAI-compatible engine puts on the wire: errors, model cards, chunks, SSE framing.

Sources (git: github.com/vllm-project/vllm, github.com/sgl-project/sglang):

- vLLM errors: ``vllm/entrypoints/openai/engine/protocol.py`` ``ErrorResponse{error: ErrorInfo{message,
  type, param, code}}`` since v0.10.1 (PR #22099); before it the flat ``{"object": "error", "message",
  "type", "param", "code"}``. ``_check_model`` (``engine/serving.py``): 404 ``NotFoundError`` "The model
  `x` does not exist." with ``param: "model"``. Mid-stream: ``create_streaming_error_response`` then
  ``data: [DONE]`` (``chat_completion/serving.py``).
- vLLM reasoning: ``delta.reasoning_content`` until 0.11.0; PR #27752 (v0.11.1) adds ``reasoning`` and
  keeps ``reasoning_content`` beside it; PR #33402 removes ``reasoning_content`` (v0.16.0).
- vLLM chunks are ``model_dump_json(exclude_unset=True)``; the usage chunk ``exclude_none`` too;
  ``completion_tokens`` counts every generated token, reasoning included.
- vLLM auth (``entrypoints/openai/server_utils.py`` ``AuthenticationMiddleware``): only ``/v1`` paths,
  ``401 {"error": "Unauthorized"}``. SGLang (``srt/utils`` ``add_api_key_middleware``): every path but
  ``/health*`` and ``/metrics``, same body.
- SGLang (``srt/entrypoints/openai/protocol.py``, ``serving_base.py``): flat ``ErrorResponse``; streamed
  errors wrap it: ``{"error": {"object": "error", …}}``; chunks are ``model_dump_json()`` (every field,
  nulls included); ``delta.reasoning_content``; usage carries ``reasoning_tokens``; the Python chat route
  does not check ``model`` (sglang issues #7035, #31404) and echoes it back.
- Unknown routes on both are FastAPI's ``404 {"detail": "Not Found"}``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from .engine_metrics import vtuple
from .wire import Responder

if TYPE_CHECKING:
    from .oai_server import OpenAISimulator
    from .tool_calls import PlannedCall

JSON = "application/json"
SSE = "text/event-stream; charset=utf-8"
SERVER = [("server", "uvicorn")]
GLM_EOS = 151336  # SGLang's matched_stop: the id of GLM-4's "<|user|>" stop token


def compact(obj: Any) -> bytes:
    """Starlette's JSONResponse / pydantic's JSON: compact, UTF-8, nothing escaped."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def send_json(resp: Responder, status: int, obj: Any) -> None:
    resp.body(status, JSON, compact(obj), SERVER)


def not_found(resp: Responder) -> None:
    send_json(resp, 404, {"detail": "Not Found"})


def nested_errors(sim: OpenAISimulator) -> bool:
    return sim.flavour == "vllm" and vtuple(sim.version) >= (0, 10, 1)


def error_obj(sim: OpenAISimulator, status: int, message: str, kind: str, param: str | None = None) -> Any:
    if nested_errors(sim):
        return {"error": {"message": message, "type": kind, "param": param, "code": status}}
    return {"object": "error", "message": message, "type": kind, "param": param, "code": status}


def send_error(
    sim: OpenAISimulator, resp: Responder, status: int, message: str, kind: str, param: str | None = None
) -> None:
    send_json(resp, status, error_obj(sim, status, message, kind, param))


def stream_error(sim: OpenAISimulator, message: str) -> Any:
    """The in-band event both engines send inside a 200 stream before ``data: [DONE]``."""
    body = error_obj(sim, 500, message, "InternalServerError")
    return body if nested_errors(sim) else {"error": body}


def reasoning_keys(sim: OpenAISimulator) -> tuple[str, ...]:
    if sim.flavour == "sglang":
        return ("reasoning_content",)
    version = vtuple(sim.version)
    if version < (0, 11, 1):
        return ("reasoning_content",)
    if version < (0, 16):
        return ("reasoning", "reasoning_content")
    return ("reasoning",)


def model_card(sim: OpenAISimulator, name: str) -> dict[str, Any]:
    created = int(sim.created)
    if sim.flavour == "sglang":
        return {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "sglang",
            "root": name,
            "max_model_len": sim.max_model_len,
        }
    return {
        "id": name,
        "object": "model",
        "created": created,
        "owned_by": "vllm",
        "root": sim.model_path,
        "parent": None,
        "max_model_len": sim.max_model_len,
        "permission": [
            {
                "id": f"modelperm-{uuid.uuid4().hex}",
                "object": "model_permission",
                "created": created,
                "allow_create_engine": False,
                "allow_sampling": True,
                "allow_logprobs": True,
                "allow_search_indices": False,
                "allow_view": True,
                "allow_fine_tuning": False,
                "organization": "*",
                "group": None,
                "is_blocking": False,
            }
        ],
    }


def request_id(sim: OpenAISimulator) -> str:
    # vLLM: "chatcmpl-" + random_uuid(); SGLang: the tokenizer manager's rid, a bare uuid4 hex.
    return f"chatcmpl-{uuid.uuid4().hex}" if sim.flavour == "vllm" else uuid.uuid4().hex


def chunk(
    sim: OpenAISimulator, rid: str, model: str, delta: dict[str, Any], finish: str | None = None
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` in the flavour's serialisation."""
    obj: dict[str, Any] = {"id": rid, "object": "chat.completion.chunk", "created": int(time.time())}
    obj["model"] = model
    if sim.flavour == "sglang":
        full = {"role": None, "content": None, "reasoning_content": None, "tool_calls": None} | delta
        choice = {"index": 0, "delta": full, "logprobs": None, "finish_reason": finish}
        choice["matched_stop"] = GLM_EOS if finish == "stop" else None
        return obj | {"choices": [choice], "usage": None}
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    if finish is not None:
        choice["stop_reason"] = None
    return obj | {"choices": [choice]}


def tool_call_delta(sim: OpenAISimulator, call: PlannedCall, arguments: str | None) -> dict[str, Any]:
    """A streamed piece of a tool call: the first (`arguments` None) carries its id, type and name with
    empty arguments, the rest a part of the arguments. vLLM's `DeltaToolCall` leaves unset fields out;
    SGLang's `ToolCall` keeps every field, nulls included."""
    if arguments is None:
        piece: dict[str, Any] = {"id": tool_call_id(sim, call), "type": "function", "index": 0}
        piece["function"] = {"name": call.name, "arguments": ""}
    elif sim.flavour == "sglang":
        piece = {
            "id": None,
            "index": 0,
            "type": "function",
            "function": {"name": None, "arguments": arguments},
        }
    else:
        piece = {"index": 0, "function": {"arguments": arguments}}
    return {"tool_calls": [piece]}


def tool_call_message(sim: OpenAISimulator, call: PlannedCall, arguments: str) -> dict[str, Any]:
    """A whole call in a non-streamed message."""
    function = {"name": call.name, "arguments": arguments}
    return {"id": tool_call_id(sim, call), "type": "function", "function": function}


def tool_call_id(sim: OpenAISimulator, call: PlannedCall) -> str:
    # vLLM: ToolCall's default "chatcmpl-tool-" + random_uuid(); SGLang: "call_" + 24 hex (assumed).
    return f"chatcmpl-tool-{call.id_hex(32)}" if sim.flavour == "vllm" else f"call_{call.id_hex(24)}"


def usage(
    sim: OpenAISimulator, prompt: int, completion: int, reasoning: int, cached: int = 0
) -> dict[str, Any]:
    """``prompt_tokens`` is the whole prompt, cache hits included. The hit is reported only with the
    engine's flag on (vLLM ``--enable-prompt-tokens-details``, SGLang ``--enable-cache-report``) and only
    when there is one: vLLM ``if self.enable_prompt_tokens_details and num_cached_tokens``
    (``chat_completion/serving.py``), SGLang ``UsageProcessor._details_if_cached`` (count > 0)."""
    obj: dict[str, Any] = {"prompt_tokens": prompt, "total_tokens": prompt + completion}
    obj["completion_tokens"] = completion
    details = {"cached_tokens": cached} if sim.cache_report and cached > 0 else None
    if sim.flavour == "sglang":
        obj |= {"prompt_tokens_details": details, "reasoning_tokens": reasoning}
    elif details is not None:
        obj["prompt_tokens_details"] = details
    return obj


class SseStream:
    """``data: {json}\\n\\n`` events on a chunked ``text/event-stream``; ``end()`` sends ``[DONE]``."""

    def __init__(self, resp: Responder) -> None:
        self._stream = resp.chunked(SSE, SERVER)

    def send(self, obj: Any) -> None:
        # Streamed error events are json.dumps'd with default separators in both engines.
        data = json.dumps(obj) if "error" in obj else compact(obj).decode()
        self._stream.write(f"data: {data}\n\n".encode())

    def end(self) -> None:
        self._stream.write(b"data: [DONE]\n\n")
        self._stream.end()
