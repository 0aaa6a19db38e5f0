"""What the OpenAI-compatible engine sends and reads: request arguments, errors in words, reasoning deltas.

Kept apart from the engine (`openai.py`) so both rules can be read, and tested, without a stream.

Request arguments: glmtui's options are Ollama's names; vLLM and SGLang take the OpenAI ones plus
their own sampling extensions in the request body (vLLM `SamplingParams` / `ChatCompletionRequest`
extra fields; SGLang `ChatCompletionRequest`): `top_k`, `min_p`, `repetition_penalty`. Options that
set the server up (`num_ctx`, `num_gpu`, `num_batch`, `num_thread`...) are not per-request there: the
context window is fixed when the engine starts (`--max-model-len`, `--context-length`), so they are
left out rather than sent to be refused.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from glmtui.core.attachments import image_kind
from glmtui.core.errors import GlmTuiError
from glmtui.core.sanitize import sanitize
from glmtui.core.state import ThinkSetting
from glmtui.core.tool_calls import clean_name
from glmtui.services.engines.base import ToolCallDelta
from glmtui.services.engines.ollama_errors import clip, server_text


async def load_openai() -> None:
    """`import openai` in a worker thread, the first time: it costs ~0.5 s of CPU (pydantic and the
    client's types), and on the event loop it froze the UI for that long, right after the first frame
    of any run with an OpenAI endpoint (the registry polls it at once). In a thread the loop keeps
    drawing meanwhile; the later `import openai` statements then find the module loaded."""
    if "openai" not in sys.modules:
        await asyncio.to_thread(importlib.import_module, "openai")


# Ollama option → OpenAI request argument (the client's own keyword arguments).
STANDARD = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "stop": "stop",
}
# Ollama option → the engines' sampling extension, sent in the body beside the standard fields.
EXTENSIONS = {"top_k": "top_k", "min_p": "min_p", "repeat_penalty": "repetition_penalty"}
# vLLM's sampling extensions the bench sends to hold a generation at its length (never set from a config:
# core/options.py knows no such Ollama option): `ignore_eos` and `min_tokens`, in vLLM's documented extra
# parameters of the chat API (docs.vllm.ai, "OpenAI-Compatible Server"; protocol.py ChatCompletionRequest).
EXTENSIONS |= {"ignore_eos": "ignore_eos", "min_tokens": "min_tokens"}
LEVELS = ("low", "medium", "high")  # gpt-oss's think levels are the OpenAI `reasoning_effort`

NO_LOAD_HINT = "vLLM and SGLang serve the models they were started with (`--served-model-name`)"
# vLLM refuses images two ways (vllm-project/vllm main, read in its source):
# - a text-only model: "<model path> is not a multimodal model" (`MultiModalRegistry.create_processor`,
#   vllm/multimodal/registry.py, reached from `BaseMultiModalItemTracker.add` in entrypoints/chat_utils.py);
# - a multimodal one with `--limit-mm-per-prompt` at 0: "At most 0 image(s) may be provided in one
#   prompt." (`BaseProcessingInfo.validate_num_items`, vllm/multimodal/processing; older releases said
#   this for text-only models too).
# SGLang does not refuse: it drops a text-only model's images unread (services/engines/sglang_info.py).
NO_IMAGES = re.compile(r"at most 0 image\(s\) may be provided|is not a multimodal model", re.IGNORECASE)
NO_IMAGES_HINT = (
    "this model takes no images: the earlier prompts' images are left out from the next prompt "
    "(they stay in the chat); Ctrl+R sends it again without the images"
)
CONNECT_HINT = "is the engine running? vLLM listens only once its model is loaded; check the endpoint's url"


def request_args(options: Mapping[str, Any] | None, think: ThinkSetting | None) -> dict[str, Any]:
    """The keyword arguments for `chat.completions.create` beyond model, messages and streaming.

    `num_predict` is `max_tokens` (-1 and -2, "no limit" and "fill the context", send nothing: the
    engine's own limit is the context); `top_k` 0 (Ollama: off) is -1 (both engines: off). Think off is
    the chat template's `enable_thinking: false` (GLM, Qwen3); on sends nothing (the template's
    default thinks); a level (gpt-oss) is `reasoning_effort`. Options with no per-request meaning on
    these engines (`num_ctx` and the other load-time ones) are left out."""
    args: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in (options or {}).items():
        if name in STANDARD:
            args[STANDARD[name]] = value
        elif name in EXTENSIONS:
            extra[EXTENSIONS[name]] = -1 if name == "top_k" and value == 0 else value
        elif name == "num_predict" and isinstance(value, int) and value > 0:
            args["max_tokens"] = value
    if think == "off":
        extra["chat_template_kwargs"] = {"enable_thinking": False}
    elif think in LEVELS:
        args["reasoning_effort"] = think
    if extra:
        args["extra_body"] = extra
    return args


def map_error(
    exc: BaseException,
    host: str,
    *,
    model: str | None = None,
    streaming: bool = False,
    api_key_env: str | None = None,
    key_set: bool = False,
) -> GlmTuiError:
    """Translate the `openai` client's errors into a message and a hint (kinds as the Ollama engine's).

    `streaming`: a reply was coming in, so a lost connection is "dropped mid-reply" (the partial reply
    is kept); before any answer it is "cannot reach". `api_key_env` names the variable the key is read
    from (the key itself is never shown); `key_set`: that variable held a key when the engine was made.
    The client's transport errors are told apart by class name: openai 1.x raises httpx's, 2.x and
    later their own fork's, and the names are the same."""
    import openai

    if isinstance(exc, GlmTuiError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, host, model, api_key_env, key_set)
    if isinstance(exc, openai.APITimeoutError):
        return GlmTuiError(f"The engine at {host} timed out", CONNECT_HINT, kind="timeout")
    if isinstance(exc, openai.APIConnectionError):
        cause = type(exc.__cause__).__name__
        if streaming:
            return GlmTuiError(
                f"The connection to {host} dropped mid-reply", "the partial reply is kept", kind="dropped"
            )
        if cause == "RemoteProtocolError":
            return GlmTuiError(
                f"Something at {host} accepted the connection but does not speak HTTP",
                "check the endpoint's url (vLLM and SGLang listen on port 8000 by default)",
                kind="not-http",
            )
        return GlmTuiError(f"Cannot reach the engine at {host}", CONNECT_HINT, kind="connect")
    if isinstance(exc, openai.APIError):
        # An error event inside a 200 stream (`data: {"error": …}`): the client raises it without a status.
        said = server_text(exc.body if exc.body is not None else exc.message, 200) or "no readable message"
        return GlmTuiError(
            f"The engine reported an error mid-reply: {said}", "the partial reply is kept", kind="in-band"
        )
    # json.JSONDecodeError: a `data:` line that is not a chunk; RecursionError: one nested past the
    # decoder's limit (the client's json.loads raises it as it would for any other bad line).
    if isinstance(exc, (ValueError, RecursionError)):
        return GlmTuiError(
            f"The engine at {host} sent something that is not a stream chunk",
            "the partial reply is kept; check what serves this url (a proxy may be rewriting it)",
            kind="bad-stream",
        )
    return GlmTuiError(f"Unexpected error: {type(exc).__name__}: {exc}", "", kind="internal")


def _status_error(
    exc: Any, host: str, model: str | None, api_key_env: str | None, key_set: bool
) -> GlmTuiError:
    status: int = exc.status_code
    body = exc.body
    text = server_text(body if body is not None else exc.message, 200)
    if status in (401, 403):
        return _auth_error(host, api_key_env, key_set)
    if status == 404:
        about_model = isinstance(body, dict) and (body.get("param") == "model" or "model" in str(body))
        if about_model and model is not None:
            return GlmTuiError(
                f"Model '{model}' is not served by {host}",
                f"pick one of the models it serves: {NO_LOAD_HINT}",
                kind="not-found",
            )
        said = f" ({clip(text, 60)})" if text else ""
        return GlmTuiError(
            f"{host} answered 404 (not found){said}: no OpenAI-compatible API at this url",
            "point the endpoint at the server's root (without /v1)",
            kind="not-openai",
        )
    if status == 503:
        return GlmTuiError(
            f"The engine at {host} is starting or loading the model",
            "a reply waits for it (up to the first-token timeout); try again once it has loaded",
            kind="loading",
        )
    if status in (400, 422) and NO_IMAGES.search(str(body if body is not None else exc.message)):
        return GlmTuiError(f"The engine refused the request: {text}", NO_IMAGES_HINT, kind="no-images")
    if status in (400, 422):
        return GlmTuiError(
            f"The engine refused the request: {text or 'no readable message'}",
            "check the options sent, and the prompt's length against the model's context",
            kind="bad-request",
        )
    return GlmTuiError(
        f"Engine error {status} from {host}: {text or 'no readable message'}",
        "see the engine's log",
        kind="http",
    )


def _auth_error(host: str, api_key_env: str | None, key_set: bool) -> GlmTuiError:
    """401/403, naming the variable the key comes from and never the key."""
    if api_key_env is None:
        return GlmTuiError(
            f"{host} needs an API key",
            "set api_key_env for this endpoint: the name of an environment variable that holds the key",
            kind="auth",
        )
    if not key_set:
        return GlmTuiError(
            f"{host} needs an API key: set the environment variable {api_key_env}",
            f"export {api_key_env}=<the key the engine was started with>, then start glmtui again",
            kind="auth",
        )
    return GlmTuiError(
        f"{host} refused the API key in {api_key_env}",
        "check it against the key the engine was started with (--api-key)",
        kind="auth",
    )


def chat_body(model: str, messages: Sequence[Mapping[str, Any]], args: Mapping[str, Any]) -> dict[str, Any]:
    """The `/v1/chat/completions` request body for a streamed reply with usage: `request_args`' keyword
    arguments with their `extra_body` merged in, as `chat.completions.create` would send them.

    A preserved trace (Ollama's `thinking` on an assistant message, as `Turn.as_messages` puts it) is
    translated for these engines (`preserved_trace`)."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [openai_message(preserved_trace(message)) for message in messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    body.update({key: value for key, value in args.items() if key != "extra_body"})
    body.update(args.get("extra_body") or {})
    if any("reasoning_content" in message for message in body["messages"]):
        # GLM-4.7's chat template keeps earlier turns' traces only with `clear_thinking` false
        # (huggingface.co/zai-org/GLM-4.7 chat_template.jinja: `clear_thinking is defined and not
        # clear_thinking`); other templates ignore a kwarg they do not read.
        kwargs = body.get("chat_template_kwargs")
        kwargs = kwargs if isinstance(kwargs, dict) else {}
        body["chat_template_kwargs"] = {**kwargs, "clear_thinking": False}
    return body


def preserved_trace(message: Mapping[str, Any]) -> dict[str, Any]:
    """A message with its preserved trace in the fields these engines read, and no Ollama `thinking`.

    vLLM reads `reasoning` on request messages since `reasoning_content` was renamed (PR #27752, v0.11.1)
    and hands it to the template as both names (`entrypoints/chat_utils.py` `_parse_chat_message_content`);
    it no longer reads `reasoning_content` there (vllm-project/vllm#38488). SGLang's message model has
    `reasoning_content` only (`entrypoints/openai/protocol.py` ChatCompletionMessageGenericParam) and
    ignores other fields. Both are sent: each engine reads its own and ignores the other, and the
    template renders the one trace once."""
    copy = dict(message)
    trace = copy.pop("thinking", None)
    if isinstance(trace, str) and trace and copy.get("role") == "assistant":
        copy["reasoning"] = trace
        copy["reasoning_content"] = trace
    return copy


def tool_call_deltas(delta: Mapping[str, Any]) -> list[ToolCallDelta]:
    """A delta's `tool_calls` pieces: `{"index", "id", "type", "function": {"name", "arguments": partial
    string}}` (vLLM `DeltaToolCall`, unset fields left out; SGLang `ToolCall`, nulls kept). A piece
    without an integer index cannot be joined to its call and is skipped."""
    pieces: list[ToolCallDelta] = []
    calls = delta.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        if not isinstance(call, dict):
            continue
        index = call.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            continue
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        arguments = function.get("arguments")
        pieces.append(
            ToolCallDelta(
                index,
                id=clean_name(call.get("id")),
                name=clean_name(function.get("name")),
                arguments=sanitize(arguments) if isinstance(arguments, str) else "",
            )
        )
    return pieces


def openai_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One chat message as the OpenAI chat API takes it: Ollama's `images` (base64 strings beside the
    text) become content parts, the text first, then one `image_url` part per image holding a data
    URL, as vLLM's and SGLang's multimodal docs show (docs.vllm.ai/en/v0.9.0/features/multimodal_inputs.html
    "Online Serving": `{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}`;
    docs.sglang.ai "OpenAI APIs - Vision"). A message without images is sent as it is."""
    images = message.get("images")
    if not images:
        return dict(message)
    sent = {key: value for key, value in message.items() if key != "images"}
    parts: list[dict[str, Any]] = []
    if message.get("content"):
        parts.append({"type": "text", "text": message["content"]})
    for image in images:
        url = f"data:{image_mime(image)};base64,{image}"
        parts.append({"type": "image_url", "image_url": {"url": url}})
    sent["content"] = parts
    return sent


def image_mime(data: str) -> str:
    """The MIME type of a base64 image, from its magic bytes (png when they are not recognised)."""
    try:
        head = base64.b64decode(data[:16])
    except ValueError:
        return "image/png"
    kind = image_kind(head)
    return f"image/{kind}" if kind else "image/png"


def reasoning_text(delta: Mapping[str, Any]) -> str:
    """A delta's reasoning text: `reasoning` (vLLM ≥ 0.11.1) or else `reasoning_content` (SGLang, older
    vLLM). vLLM 0.11.1–0.15 sends both with the same text: taking one keeps it from being doubled."""
    for name in ("reasoning", "reasoning_content"):
        text = delta.get(name)
        if isinstance(text, str) and text:
            return text
    return ""


def token_count(value: object) -> int | None:
    """A usage count, when the server sent an integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
