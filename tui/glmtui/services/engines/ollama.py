"""OllamaService: every call glmtui makes to Ollama, through the official `ollama.AsyncClient`.

The UI never sees `ollama` or `httpx` types: replies stream out as small dataclasses and every
failure becomes a `GlmTuiError` with a message and a hint (`ollama_errors.py`). `import ollama`
(pydantic + httpx, about 150 ms) happens on first use, so it stays off the first-frame path.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from glmtui.core.errors import GlmTuiError
from glmtui.core.placement import blob_from_modelfile
from glmtui.core.sanitize import sanitize
from glmtui.core.state import LoadedModel, ModelDetails, ModelInfo, ThinkSetting
from glmtui.core.stats import LiveStats, final_stats
from glmtui.core.tool_calls import arguments_text, clean_name
from glmtui.services.engines.base import (
    ContentDelta,
    EngineCapabilities,
    StreamDone,
    StreamEvent,
    ThinkingDelta,
    ToolCallDelta,
)
from glmtui.services.engines.ollama_client import make_client
from glmtui.services.engines.ollama_errors import NOT_OLLAMA_HINT, map_error, not_http
from glmtui.services.engines.pacing import READ_BATCH_S, paced

if TYPE_CHECKING:
    import ollama

NEVER_AFTER_S = 100 * 365 * 86400  # an expiry this far out means "never"


def think_param(setting: ThinkSetting | None) -> bool | str | None:
    """What to send as `think`: nothing for models that cannot think, else a bool or a level."""
    if setting is None:
        return None
    if setting == "off":
        return False
    if setting == "on":
        return True
    return setting


class OllamaService:
    """The Ollama engine: a thin async facade over `ollama.AsyncClient` that speaks glmtui's types.

    It implements `engines.base.Engine`; pulls, deletes and preloads go through `ModelLibrary` on the
    same client (capabilities say so)."""

    kind = "ollama"
    capabilities = EngineCapabilities(pull=True, delete=True, loaded_models=True, metrics=False)

    def __init__(
        self,
        host: str,
        *,
        connect_timeout: float = 5.0,
        first_token_timeout: float = 600.0,
        stall_timeout: float = 60.0,
    ) -> None:
        self.host = host
        self.connect_timeout = connect_timeout
        # Loading a large model can take minutes before the first chunk; after that, silence means a stall.
        self.first_token_timeout = first_token_timeout
        self.stall_timeout = stall_timeout
        self._client: ollama.AsyncClient | None = None
        self._show_cache: dict[str, ModelDetails] = {}

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def client(self) -> ollama.AsyncClient:
        if self._client is None:
            self._client = make_client(self.host, self.connect_timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client._client.aclose()  # the public close() exists only on newer clients
            self._client = None

    def map_error(
        self, exc: BaseException, model: str | None = None, *, streaming: bool = False
    ) -> GlmTuiError:
        """The failure in words (`ollama_errors.map_error`): a message and a hint a person can act on."""
        return map_error(exc, self.host, model, streaming=streaming)

    # -- simple calls -----------------------------------------------------------------------------

    async def version(self) -> str:
        """The server's version; raises GlmTuiError when it cannot be reached or is not Ollama.

        What answered is named: nothing, something that does not speak HTTP, an OpenAI-compatible
        server (it answers `/v1/models`), or some other HTTP server (a wrong port or path)."""
        import httpx
        import ollama

        # The client has no version() call; /api/version is part of the documented API.
        client: Any = self.client  # _request_raw is the client's own (untyped) request method
        try:
            response = await client._request_raw("GET", "/api/version")
            body = response.json()
        except (ollama.ResponseError, ValueError, RecursionError) as exc:
            raise await self._not_ollama(getattr(exc, "status_code", None)) from exc
        except httpx.RemoteProtocolError as exc:
            raise not_http(self.host) from exc
        except Exception as exc:
            raise self.map_error(exc) from exc
        version = body.get("version") if isinstance(body, dict) else None
        if not isinstance(version, str):
            raise await self._not_ollama(response.status_code)
        return sanitize(version)

    async def _failure(self, exc: BaseException, path: str, model: str | None = None) -> GlmTuiError:
        """A failed call other than a chat stream, named like version() names what answered: a 404
        that is not Ollama's "model not found" is identified (OpenAI-compatible, or another server)."""
        error = self.map_error(exc, model)
        if error.kind == "not-ollama":
            return await self._not_ollama(getattr(exc, "status_code", None), path)
        return error

    async def _not_ollama(self, status: int | None, path: str = "/api/version") -> GlmTuiError:
        """An HTTP server without Ollama's `/api/version`: an OpenAI-compatible one, or something else."""
        client: Any = self.client
        try:
            models = (await client._request_raw("GET", "/v1/models")).json()
        except Exception:
            models = None
        if isinstance(models, dict) and isinstance(models.get("data"), list):
            return GlmTuiError(
                f"{self.host} is an OpenAI-compatible server, not Ollama",
                "glmtui speaks Ollama's own API (/api/…): point --host at an Ollama server, or try --demo",
                kind="not-ollama",
            )
        answer = f"HTTP {status}" if status and status > 0 else "a reply that is not Ollama's"
        return GlmTuiError(
            f"{self.host} speaks HTTP but is not Ollama ({path} gave {answer})",
            NOT_OLLAMA_HINT,
            kind="not-ollama",
        )

    async def list_models(self) -> list[ModelInfo]:
        """Installed models (`/api/tags`) with modified dates and digests, in the server's order."""
        try:
            response = await self.client.list()
        except Exception as exc:
            raise await self._failure(exc, "/api/tags") from exc
        models: list[ModelInfo] = []
        for entry in response.models:
            details = entry.details
            models.append(
                ModelInfo(
                    name=sanitize(entry.model or ""),
                    size=int(entry.size or 0),
                    family=sanitize(details.family or "") if details else "",
                    parameter_size=sanitize(details.parameter_size or "") if details else "",
                    quantization=sanitize(details.quantization_level or "") if details else "",
                    modified_at=entry.modified_at.timestamp() if entry.modified_at else None,
                    digest=entry.digest or "",
                )
            )
        return models

    async def show(self, model: str) -> ModelDetails:
        """Everything `/api/show` says: capabilities, parameters, template, licence and model_info.

        Cached per name: it does not change while the model is installed (`forget` after a delete)."""
        if model in self._show_cache:
            return self._show_cache[model]
        try:
            response = await self.client.show(model)
        except Exception as exc:
            raise await self._failure(exc, "/api/show", model) from exc
        # Model data is untrusted text: a GGUF's name or description may carry escape or bidi codes.
        info: dict[str, Any] = {
            sanitize(str(key)): _clean(value) for key, value in (response.modelinfo or {}).items()
        }
        arch = info.get("general.architecture")
        context = info.get(f"{arch}.context_length") if isinstance(arch, str) else None
        details = response.details
        shown = ModelDetails(
            name=model,
            family=sanitize(details.family or "") if details else "",
            parameter_size=sanitize(details.parameter_size or "") if details else "",
            quantization=sanitize(details.quantization_level or "") if details else "",
            capabilities=tuple(sanitize(str(c)) for c in response.capabilities or ()),
            context_length=context if isinstance(context, int) else None,
            parameters=sanitize(response.parameters or ""),
            template=sanitize(response.template or ""),
            license=sanitize(response.license or ""),
            model_info=info,
            weights_blob=blob_from_modelfile(response.modelfile or ""),
        )
        self._show_cache[model] = shown
        return shown

    def forget(self, model: str) -> None:
        """Drop cached `/api/show` facts (after a delete: a later pull of that name may differ)."""
        self._show_cache.pop(model, None)

    async def ps(self) -> list[LoadedModel]:
        """Models loaded in memory (`/api/ps`), longest keep-alive first as the server sorts them."""
        try:
            response = await self.client.ps()
        except Exception as exc:
            raise await self._failure(exc, "/api/ps") from exc
        loaded: list[LoadedModel] = []
        for entry in response.models:
            expires = entry.expires_at.timestamp() if entry.expires_at is not None else None
            if expires is not None and expires > time.time() + NEVER_AFTER_S:
                expires = None  # keep_alive < 0: Ollama reports "now + MaxInt64 ns", i.e. never
            loaded.append(
                LoadedModel(
                    name=sanitize(entry.model or entry.name or "?"),
                    size=int(entry.size or 0),
                    size_vram=int(entry.size_vram or 0),
                    context_length=getattr(entry, "context_length", None),
                    expires_at=expires,
                    digest=str(entry.digest or ""),
                )
            )
        return loaded

    async def unload(self, model: str) -> None:
        """Unload a model now: a request with no messages and `keep_alive: 0`, as Ollama documents."""
        try:
            await self.client.chat(model=model, messages=[], keep_alive=0)
        except Exception as exc:
            raise await self._failure(exc, "/api/chat", model) from exc

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
        """Stream a reply. Yields deltas (already sanitised), then one `StreamDone`.

        Each line arrives as the JSON object it was sent as (`ollama_client`), so what is read of it
        is checked here: text only when it is text, the end only on `done: true`. Raises GlmTuiError
        for every failure; whatever was yielded before stays valid, so the caller keeps the partial
        reply.
        """
        try:
            stream: AsyncIterator[Any] = await self.client.chat(
                model=model,
                messages=list(messages),
                stream=True,
                think=think_param(think),
                options=dict(options) if options else None,
                keep_alive=keep_alive,
                tools=[dict(tool) for tool in tools] or None,
            )
        except Exception as exc:
            raise self.map_error(exc, model) from exc
        calls = 0  # tool calls so far: each arrives whole, and is numbered here in the order it came
        try:
            async for part in paced(
                stream,
                first_timeout=self.first_token_timeout,
                stall_timeout=self.stall_timeout,
                who="Ollama",
                check="the server",
                batch_s=read_batch_s,
            ):
                message = part.get("message")
                if isinstance(message, dict):
                    thinking = message.get("thinking")
                    if thinking and isinstance(thinking, str):
                        live.on_token(thinking=True)
                        yield ThinkingDelta(sanitize(thinking))
                    content = message.get("content")
                    if content and isinstance(content, str):
                        live.on_token(thinking=False)
                        yield ContentDelta(sanitize(content))
                    for call in tool_calls(message.get("tool_calls")):
                        live.on_token(thinking=False)  # the model's output, parsed into a call
                        yield ToolCallDelta(calls, **call)
                        calls += 1
                if part.get("done") is True:
                    yield StreamDone(final_stats(live, part))
                    return
            raise GlmTuiError(
                "The reply ended without Ollama's final message", "the partial reply is kept", kind="dropped"
            )
        except GlmTuiError:
            raise
        except Exception as exc:
            raise self.map_error(exc, model, streaming=True) from exc
        finally:
            if isinstance(stream, AsyncGenerator):  # typed as an iterator; it is the client's generator
                await stream.aclose()


def tool_calls(value: object) -> list[dict[str, str]]:
    """A chunk's `message.tool_calls` (whole calls: `{"id", "function": {"index", "name", "arguments":
    {object}}}`, ollama/ollama api/types.go) as id, name and arguments text; junk entries are skipped."""
    found: list[dict[str, str]] = []
    for call in value if isinstance(value, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        found.append(
            {
                "id": clean_name(call.get("id")),
                "name": clean_name(function.get("name")) or "?",
                "arguments": arguments_text(function.get("arguments", {})),
            }
        )
    return found


def _clean(value: Any) -> Any:
    """A model_info value with its text sanitised (strings, and strings inside lists)."""
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value
