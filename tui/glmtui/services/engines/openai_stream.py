"""The OpenAI-compatible engine's streamed reply: the request, the wait while a model loads, the figures.

A mixin of `OpenAIEngine` (openai.py keeps the client, the model listing and what is known of each
model): its methods are the engine's own, typed against `StreamHost`, what they use of it (a protocol:
openai.py imports this module). What differs from Ollama's stream, and how it is handled:

- thinking streams as `delta.reasoning` (vLLM ≥ 0.11.1; the only field from 0.16.0, PR #33402) or
  `delta.reasoning_content` (vLLM ≤ 0.15, SGLang): both are read, and a chunk that carries both (vLLM
  0.11.1–0.15 sends the same text twice) counts once;
- the usage chunk (`stream_options.include_usage`) gives exact token counts but no durations, so the
  eval duration is timed here, first token to last, and the figures say `timing="client"`;
- tool calls stream as `delta.tool_calls` pieces joined per index (`openai_wire.tool_call_deltas`), with
  `finish_reason` "tool_calls"; a preserved trace goes back as `reasoning`/`reasoning_content`
  (`openai_wire.preserved_trace`);
- a 503 is an engine still loading its model: a reply waits for it (polling, up to the first-token
  timeout, as Ollama's own load is waited for), and the wait is reported as the load time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from glmtui.core.errors import GlmTuiError
from glmtui.core.sanitize import sanitize
from glmtui.core.state import CLIENT_TIMED, GenerationStats, ThinkSetting
from glmtui.core.stats import LiveStats
from glmtui.services.engines.base import ContentDelta, StreamDone, StreamEvent, ThinkingDelta
from glmtui.services.engines.openai_wire import (
    chat_body,
    load_openai,
    reasoning_text,
    request_args,
    token_count,
    tool_call_deltas,
)
from glmtui.services.engines.pacing import READ_BATCH_S, paced

if TYPE_CHECKING:
    import openai

LOADING_POLL_S = 1.0  # how often a reply re-asks an engine that answered 503 (loading)


class StreamHost(Protocol):
    """What a streamed reply uses of the engine, its own methods among them (`ReplyStream`'s)."""

    host: str
    first_token_timeout: float
    stall_timeout: float

    @property
    def client(self) -> openai.AsyncOpenAI: ...

    def map_error(
        self, exc: BaseException, model: str | None = None, *, streaming: bool = False
    ) -> GlmTuiError: ...

    def _saw_reasoning(self, model: str) -> None: ...

    async def _open(
        self, model: str, messages: Sequence[Mapping[str, Any]], args: dict[str, Any], deadline: float
    ) -> tuple[Any, float]: ...

    @staticmethod
    def _final(live: LiveStats, usage: Any, finish: str, waited_s: float) -> GenerationStats: ...


class ReplyStream:
    """The OpenAI-compatible engine's `chat`: one streamed reply, from the request to its figures."""

    async def chat(
        self: StreamHost,
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
        self: StreamHost,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        args: dict[str, Any],
        deadline: float,
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
