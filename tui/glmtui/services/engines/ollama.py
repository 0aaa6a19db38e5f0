"""OllamaService: every call glmtui makes to Ollama, through the official `ollama.AsyncClient`.

The UI never sees `ollama` or `httpx` types: replies stream out as small dataclasses and every
failure becomes a `GlmTuiError` with a message and a hint. `import ollama` (pydantic + httpx, about
150 ms) happens on first use, so it stays off the first-frame path.
"""

from __future__ import annotations

import json
import re
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
from glmtui.services.engines.pacing import READ_BATCH_S, paced

if TYPE_CHECKING:
    import ollama

NEVER_AFTER_S = 100 * 365 * 86400  # an expiry this far out means "never"

CONNECT_HINT = "start it with `ollama serve`, point glmtui elsewhere with --host, or try --demo"
NOT_OLLAMA_HINT = "check --host (Ollama listens on port 11434, at the root path), or try --demo"
TOOLS_REFUSED_HINT = (
    "the active preset's tools were offered and this model takes none: pick a preset without `tools` "
    "(Preset…) or a model whose capabilities include tools"
)
# Ollama's own "not found": `model 'NAME' not found` (a 404 with any other text is another server).
MODEL_NOT_FOUND = re.compile(r"model ['\"]?([^'\"]+?)['\"]? not found")
HTML = re.compile(r"^\s*<|<html|<!doctype|<body", re.IGNORECASE)


def clip(text: str, limit: int = 80) -> str:
    """A server's text on one short line (another server may answer with a whole HTML page)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def server_text(error: object, limit: int = 60) -> str:
    """What a server said, as one short sanitised fragment; "" for an HTML page (never shown).

    The client hands over the body's `error` field: a string from Ollama, a dict from an
    OpenAI-compatible server (its `message` is the part worth reading), or the raw body."""
    if isinstance(error, dict):
        error = error.get("message", "")
    text = sanitize(str(error)).strip()
    if HTML.search(text[:200]):
        return ""
    return clip(text, limit)


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
        """Translate client, HTTP and socket errors into something a person can act on.

        `streaming`: a reply was coming in, so a dropped connection is "mid-reply"; for any other call
        (ps, list, show, version) a connection closed before an answer is not that."""
        import httpx
        import ollama

        if isinstance(exc, GlmTuiError):
            return exc
        if isinstance(exc, ollama.ResponseError):
            text = server_text(exc.error, 200)
            missing = MODEL_NOT_FOUND.search(text) if exc.status_code == 404 else None
            if missing is not None:
                name = model or missing.group(1)
                return GlmTuiError(
                    f"Model '{name}' is not installed on {self.host}",
                    f"pull it with `ollama pull {name}` (or pick another model)",
                    kind="not-found",
                )
            if exc.status_code == 404:  # Ollama names the model; a 404 without one is another server
                said = f" ({clip(text, 60)})" if text else ""
                return GlmTuiError(
                    f"{self.host} answered 404 (not found){said}: it is not Ollama",
                    NOT_OLLAMA_HINT,
                    kind="not-ollama",
                )
            if "does not support thinking" in text:
                return GlmTuiError(text, "turn thinking off with ctrl+t", kind="bad-request")
            if "does not support tools" in text:
                # Tools are offered only by a preset (`tools` in its config); a retry is refused the same way
                # (ollama/ollama server/routes.go: the CapabilityTools check answers 400 before streaming).
                return GlmTuiError(text, TOOLS_REFUSED_HINT, kind="bad-request")
            if exc.status_code == -1:
                return GlmTuiError(
                    f"Ollama reported an error mid-reply: {text}", "the partial reply is kept", "in-band"
                )
            return GlmTuiError(
                f"Ollama error {exc.status_code}: {text or 'no readable message'}",
                "see the server log (`journalctl -u ollama`)",
                "http",
            )
        if isinstance(exc, (ConnectionError, httpx.ConnectError, httpx.ConnectTimeout)):
            return GlmTuiError(f"Cannot reach Ollama at {self.host}", CONNECT_HINT, kind="connect")
        if isinstance(exc, httpx.RemoteProtocolError) and not streaming:
            return self._not_http()  # as version() says: the same bytes, the same identification
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            if not streaming:
                return GlmTuiError(
                    f"The connection to {self.host} dropped before it answered", CONNECT_HINT, "dropped"
                )
            return GlmTuiError(
                "The connection to Ollama dropped mid-reply", "the partial reply is kept", "dropped"
            )
        if isinstance(exc, httpx.TimeoutException):
            return GlmTuiError(f"Ollama at {self.host} timed out", CONNECT_HINT, kind="timeout")
        if isinstance(exc, httpx.HTTPError):
            return GlmTuiError(f"HTTP error talking to {self.host}: {exc}", CONNECT_HINT, kind="http")
        if isinstance(exc, (json.JSONDecodeError, RecursionError)):
            # The client json-decodes each line: not JSON, or nested past the decoder's recursion limit.
            return GlmTuiError(
                f"{self.host} sent a line that is not readable JSON",
                "the partial reply is kept" if streaming else NOT_OLLAMA_HINT,
                kind="bad-stream",
            )
        return GlmTuiError(f"Unexpected error: {type(exc).__name__}: {exc}", "", kind="internal")

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
            raise self._not_http() from exc
        except Exception as exc:
            raise self.map_error(exc) from exc
        version = body.get("version") if isinstance(body, dict) else None
        if not isinstance(version, str):
            raise await self._not_ollama(response.status_code)
        return sanitize(version)

    def _not_http(self) -> GlmTuiError:
        return GlmTuiError(
            f"Something at {self.host} accepted the connection but does not speak HTTP",
            NOT_OLLAMA_HINT,
            kind="not-http",
        )

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
