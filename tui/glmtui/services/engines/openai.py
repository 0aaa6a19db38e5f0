"""OpenAIEngine: vLLM, SGLang or any OpenAI-compatible server, through the official `openai.AsyncOpenAI`.

The engine seam's second kind. What differs from Ollama, and how it is handled:

- thinking streams as `delta.reasoning` (vLLM ≥ 0.11.1; the only field from 0.16.0, PR #33402) or
  `delta.reasoning_content` (vLLM ≤ 0.15, SGLang): both are read, and a chunk that carries both (vLLM
  0.11.1–0.15 sends the same text twice) counts once;
- the usage chunk (`stream_options.include_usage`) gives exact token counts but no durations, so the
  eval duration is timed here, first token to last, and the figures say `timing="client"`;
- the context window is `/v1/models`' `max_model_len`; there are no pulls, deletes or `/api/ps`
  (`capabilities` says so and why);
- tool calls stream as `delta.tool_calls` pieces joined per index (`openai_wire.tool_call_deltas`), with
  `finish_reason` "tool_calls"; a preserved trace goes back as `reasoning`/`reasoning_content`
  (`openai_wire.preserved_trace`);
- a 503 is an engine still loading its model: a reply waits for it (polling, up to the first-token
  timeout, as Ollama's own load is waited for), and the wait is reported as the load time.

The API key is read from the environment variable named `api_key_env` when the client is made, and
goes to the client only: it is never stored here, logged or put in a message; errors name the variable.
`import openai` (pydantic and an HTTP client) happens on first use, off the first-frame path, in a worker
thread (`openai_wire.load_openai`), so the UI keeps drawing while it loads.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from glmtui.core.errors import GlmTuiError
from glmtui.core.sanitize import sanitize
from glmtui.core.state import (
    CLIENT_TIMED,
    GenerationStats,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ThinkSetting,
)
from glmtui.core.stats import LiveStats
from glmtui.services.engines.base import (
    ContentDelta,
    EngineCapabilities,
    StreamDone,
    StreamEvent,
    ThinkingDelta,
)
from glmtui.services.engines.openai_wire import (
    chat_body,
    load_openai,
    map_error,
    reasoning_text,
    request_args,
    token_count,
    tool_call_deltas,
)
from glmtui.services.engines.pacing import READ_BATCH_S, paced
from glmtui.services.engines.sglang_info import IMAGES_KEY, image_understanding, images_note

if TYPE_CHECKING:
    import openai

LOADING_POLL_S = 1.0  # how often a reply re-asks an engine that answered 503 (loading)
THINKING_ASSUMED = "assumed: the server does not say whether it runs a reasoning parser"
THINKING_SEEN = "seen: a reply carried reasoning"
THINKING_PARSER = "reasoning parser {}"


def api_root(url: str) -> str:
    """The server's root: a url given with its `/v1` (as OpenAI clients are configured) works too."""
    return url.rstrip("/").removesuffix("/v1").rstrip("/")


class OpenAIEngine:
    """One OpenAI-compatible server. Implements `engines.base.Engine`; every failure is a `GlmTuiError`.

    `flavour` ("vllm", "sglang", "openai", or None when not probed) picks where the version is read."""

    kind = "openai"
    capabilities = EngineCapabilities(
        metrics=True,
        reason="vLLM and SGLang serve the models they were started with: no pulls, deletes or /api/ps",
    )

    def __init__(
        self,
        host: str,
        *,
        api_key_env: str | None = None,
        flavour: str | None = None,
        connect_timeout: float = 5.0,
        first_token_timeout: float = 600.0,
        stall_timeout: float = 60.0,
    ) -> None:
        self.host = api_root(host)
        self.api_key_env = api_key_env
        self.flavour = flavour
        self.connect_timeout = connect_timeout
        # An engine may still be loading its model (503) before the first chunk; after it, silence is a stall.
        self.first_token_timeout = first_token_timeout
        self.stall_timeout = stall_timeout
        self._key_set = False  # the variable held a key when the client was made (for the 401 message)
        self._client: openai.AsyncOpenAI | None = None
        self._show_cache: dict[str, ModelDetails] = {}
        self._cards: dict[str, dict[str, Any]] = {}  # /v1/models entries by id (max_model_len, owned_by)
        self._reasoned: set[str] = set()  # models whose replies carried reasoning
        self._parser: str | None = None  # SGLang's reasoning_parser, once read
        self._images: bool | None = None  # SGLang's has_image_understanding (None: not said)
        self._images_read = False
        self.endpoint_name = ""  # the endpoint's name in glmtui's config (the engine panel's title)

    @property
    def api_key(self) -> str | None:
        """The key, read from its environment variable now (it is kept nowhere else: not in the config,
        a log or the database); the metrics feed sends it as the client does."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def client(self) -> openai.AsyncOpenAI:
        if self._client is None:
            key = os.environ.get(self.api_key_env) if self.api_key_env else None
            self._key_set = bool(key)
            self._client = _client(self.host, key, self.connect_timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def map_error(
        self, exc: BaseException, model: str | None = None, *, streaming: bool = False
    ) -> GlmTuiError:
        return map_error(
            exc,
            self.host,
            model=model,
            streaming=streaming,
            api_key_env=self.api_key_env,
            key_set=self._key_set,
        )

    async def _get(self, path: str) -> Any:
        """GET a path at the server's root through the client (its auth header, its timeouts): the
        JSON body, or the text when it is not JSON; raises the client's errors."""
        return await self.client.get(f"{self.host}{path}", cast_to=object)

    # -- simple calls -----------------------------------------------------------------------------

    async def version(self) -> str:
        """The engine's version (vLLM `/version`, SGLang `/get_server_info`); "unknown" for a server
        that has neither but answers `/v1/models`. Raises GlmTuiError when it cannot be reached, or
        while `/health` says it is loading (503)."""
        await load_openai()
        import openai

        try:
            await self._get("/health")  # both engines; 503 while loading, no key needed
        except openai.NotFoundError:
            pass  # another OpenAI-compatible server: no /health
        except Exception as exc:
            raise self.map_error(exc) from exc
        paths = {"vllm": ["/version"], "sglang": ["/get_server_info"]}.get(
            self.flavour or "", ["/version", "/get_server_info"]
        )
        for path in paths:
            try:
                body = await self._get(path)
            except openai.APIConnectionError as exc:
                raise self.map_error(exc) from exc
            except openai.APIError:
                continue
            if isinstance(body, dict) and isinstance(body.get("version"), str):
                if path == "/get_server_info":
                    self._parser = _text(body.get("reasoning_parser")) or None
                return sanitize(body["version"])  # only the version is read: this body holds the key too
        await self.list_models()  # reachable and OpenAI-compatible (or raises, saying what answered)
        return "unknown"

    async def list_models(self) -> list[ModelInfo]:
        """The models served (`/v1/models`), in the server's order."""
        await load_openai()
        try:
            page = await self.client.models.list()
        except Exception as exc:
            raise self.map_error(exc) from exc
        models: list[ModelInfo] = []
        for card in page.data:
            entry = card.model_dump()
            self._cards[card.id] = entry
            if self.flavour is None and entry.get("owned_by") in ("vllm", "sglang"):
                self.flavour = entry["owned_by"]  # an endpoint of kind openai, never probed: learnt here
            models.append(ModelInfo(name=sanitize(card.id), size=0, family=_text(entry.get("owned_by"))))
        return models

    async def show(self, model: str) -> ModelDetails:
        """What the server says of one model: the context window (`max_model_len`), owner and root.

        Thinking: SGLang names its reasoning parser (`/get_server_info`), so a model served without one
        cannot think; vLLM and other servers do not say, so thinking is assumed (a think-off request is
        harmless to a template that ignores it, and hiding the toggle would leave a thinking model no
        way off) and `model_info["thinking"]` says it is assumed until a reply carries reasoning."""
        if model in self._show_cache:
            return self._show_cache[model]
        if model not in self._cards:
            await self.list_models()
        card = self._cards.get(model)
        if card is None:
            raise GlmTuiError(
                f"Model '{model}' is not served by {self.host}",
                "pick one of the models it serves: vLLM and SGLang serve the models they were started with",
                kind="not-found",
            )
        if self.flavour == "sglang" and self._parser is None:
            await self._read_parser()
        if self.flavour == "sglang" and not self._images_read:
            self._images_read, self._images = await image_understanding(self._get)
        length = card.get("max_model_len")
        shown = ModelDetails(
            name=model,
            family=_text(card.get("owned_by")),
            capabilities=self._capabilities(model),
            context_length=length if isinstance(length, int) and not isinstance(length, bool) else None,
            model_info=self._model_info(model, card),
        )
        if self.flavour != "sglang" or self._images_read:  # a failed read is asked again next time
            self._show_cache[model] = shown
        return shown

    def _capabilities(self, model: str) -> tuple[str, ...]:
        vision = ("vision",) if self._images else ()
        if self.flavour == "sglang" and not self._parser and model not in self._reasoned:
            return ("completion", *vision)
        return ("completion", "thinking", *vision)

    def _model_info(self, model: str, card: Mapping[str, Any]) -> dict[str, object]:
        if model in self._reasoned:
            thinking = THINKING_SEEN
        elif self._parser:
            thinking = THINKING_PARSER.format(self._parser)
        elif self.flavour == "sglang":
            thinking = "no reasoning parser"
        else:
            thinking = THINKING_ASSUMED
        info: dict[str, object] = {"thinking": thinking}
        if self._images is not None:
            info[IMAGES_KEY] = images_note(self._images)
        for key in ("owned_by", "root", "max_model_len"):
            value = card.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                info[key] = sanitize(value) if isinstance(value, str) else value
        return info

    async def _read_parser(self) -> None:
        try:
            body = await self._get("/get_server_info")
        except Exception:
            return  # unknown: thinking stays assumed rather than denied
        if isinstance(body, dict):
            self._parser = _text(body.get("reasoning_parser")) or ""

    def forget(self, model: str) -> None:
        """Drop what is cached about a model."""
        self._show_cache.pop(model, None)
        self._cards.pop(model, None)
        self._images_read = False  # read again with the model's details

    async def ps(self) -> list[LoadedModel]:
        """No `/api/ps` here: the served models are always loaded, and none can be listed as such."""
        return []

    async def unload(self, model: str) -> None:
        raise GlmTuiError(self.capabilities.why_not("unload models"), "", kind="unsupported")

    # -- streaming chat ---------------------------------------------------------------------------

    async def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        think: ThinkSetting | None,
        live: LiveStats,
        options: Mapping[str, Any] | None = None,
        keep_alive: str | float | None = None,
        read_batch_s: float = READ_BATCH_S,
        tools: Sequence[Mapping[str, Any]] = (),
    ) -> AsyncIterator[StreamEvent]:
        """Stream a reply: deltas (sanitised), then one `StreamDone` with client-timed figures.

        `options` are Ollama's names, mapped by `openai_wire.request_args` (`num_ctx` and the other
        load-time options have no per-request meaning here and are not sent); `keep_alive` has none
        either (the engine keeps its model loaded). Raises GlmTuiError for every failure; whatever
        was yielded before stays valid, so the caller keeps the partial reply."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.first_token_timeout
        args = request_args(options, think)
        if tools:
            args["tools"] = [dict(tool) for tool in tools]
        stream, waited_s = await self._open(model, messages, args, deadline)
        usage: Any = None
        finish: str | None = None
        reasoned = False
        try:
            async for chunk in paced(
                stream,
                first_timeout=max(0.0, deadline - loop.time()),
                stall_timeout=self.stall_timeout,
                who=self.host,
                check="the engine",
                batch_s=read_batch_s,
            ):
                if not isinstance(chunk, dict):
                    continue  # not a chunk object: nothing of a reply in it
                if chunk.get("usage"):
                    usage = chunk["usage"]
                choices = chunk.get("choices")
                for choice in (choices if isinstance(choices, list) else [])[:1]:  # n=1: one choice
                    if not isinstance(choice, dict):
                        continue  # junk where a choice should be: nothing of a reply in it
                    delta = choice.get("delta")
                    delta = delta if isinstance(delta, dict) else {}
                    thought = reasoning_text(delta)
                    if thought:
                        reasoned = True
                        live.on_token(thinking=True)
                        yield ThinkingDelta(sanitize(thought))
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        live.on_token(thinking=False)
                        yield ContentDelta(sanitize(content))
                    for piece in tool_call_deltas(delta):  # a call's id and name, or its arguments' next part
                        live.on_token(thinking=False)
                        yield piece
                    if isinstance(choice.get("finish_reason"), str):
                        finish = choice["finish_reason"]
            if finish is None:
                raise GlmTuiError(
                    f"The reply from {self.host} ended without a finish reason",
                    "the partial reply is kept",
                    kind="dropped",
                )
            if reasoned:
                self._saw_reasoning(model)
            yield StreamDone(self._final(live, usage, finish, waited_s))
        except GlmTuiError:
            raise
        except Exception as exc:
            raise self.map_error(exc, model, streaming=True) from exc
        finally:
            await stream.close()

    async def _open(
        self, model: str, messages: Sequence[Mapping[str, Any]], args: dict[str, Any], deadline: float
    ) -> tuple[Any, float]:
        """Send the request; while the engine answers 503 (loading), ask again until `deadline`.
        Returns the stream and the seconds spent waiting for the load."""
        await load_openai()
        import openai

        loop = asyncio.get_running_loop()
        began = loop.time()
        body = chat_body(model, messages, args)
        while True:
            try:
                async with asyncio.timeout(max(0.0, deadline - loop.time())):
                    # The client's own request, SSE stream and errors (an `error` event inside the
                    # stream raises), with each chunk left as the JSON object it arrived as:
                    # `chat.completions.create` builds a ChatCompletionChunk model per token, which
                    # cost the openai client 2.5× Ollama's per 1k tokens (benchmarks/stream.py).
                    stream = await self.client.post(
                        "/chat/completions",
                        body=body,
                        cast_to=object,
                        stream=True,
                        stream_cls=openai.AsyncStream[object],
                    )
                return stream, loop.time() - began
            except openai.APIStatusError as exc:
                error = self.map_error(exc, model)
                if error.kind != "loading" or loop.time() + LOADING_POLL_S >= deadline:
                    raise error from exc
            except TimeoutError:
                raise GlmTuiError(
                    f"{self.host} did not start the reply within {self.first_token_timeout:g} s",
                    "check the engine",
                    kind="stalled",
                ) from None
            except Exception as exc:
                raise self.map_error(exc, model) from exc
            await asyncio.sleep(LOADING_POLL_S)

    def _saw_reasoning(self, model: str) -> None:
        """A reply carried reasoning: the model thinks, whatever was assumed before."""
        if model not in self._reasoned:
            self._reasoned.add(model)
            self._show_cache.pop(model, None)

    @staticmethod
    def _final(live: LiveStats, usage: Any, finish: str, waited_s: float) -> GenerationStats:
        """The reply's figures: the usage chunk's exact counts, glmtui's own clock for the durations.

        The eval duration is timed from the first token to the last as they were read: N tokens, N − 1
        gaps (the first token's own decode is in the TTFT). It is scaled to N gaps, so that
        eval_count / eval_duration is the rate between tokens (unscaled, 8 tokens read 14 % high, 256
        tokens 0.4 %). Without a usage chunk (a server that ignores `include_usage`) the chunks counted
        stand in for the tokens."""
        stats = live.snapshot()
        stats.timing = CLIENT_TIMED
        stats.done_reason = finish
        counts = usage if isinstance(usage, dict) else {}
        stats.eval_count = token_count(counts.get("completion_tokens"))
        stats.prompt_eval_count = token_count(counts.get("prompt_tokens"))
        if stats.eval_count is None:
            stats.eval_count = live.tokens
        first, last = live.first_token_at, live.last_token_at
        if first is not None and last is not None and last > first:
            count = stats.eval_count or 0
            gaps = count / (count - 1) if count > 1 else 1.0
            stats.eval_duration_ns = int((last - first) * gaps * 1e9)
        if waited_s >= LOADING_POLL_S:  # it answered 503 at least once: the wait was the model's load
            stats.load_duration_ns = int(waited_s * 1e9)
        return stats


def _client(host: str, api_key: str | None, connect_timeout: float) -> openai.AsyncOpenAI:
    import openai

    # Read timeout off: the first-token and stall timeouts above judge silence, per reply.
    timeout = openai.Timeout(connect=connect_timeout, read=None, write=30.0, pool=connect_timeout)
    return openai.AsyncOpenAI(
        base_url=f"{host}/v1", api_key=api_key or "EMPTY", max_retries=0, timeout=timeout
    )


def _text(value: object) -> str:
    return sanitize(value) if isinstance(value, str) else ""
