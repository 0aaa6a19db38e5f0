"""OpenAIEngine: vLLM, SGLang or any OpenAI-compatible server, through the official `openai.AsyncOpenAI`.

The engine seam's second kind. What differs from Ollama, and how it is handled:

- the context window is `/v1/models`' `max_model_len`; there are no pulls, deletes or `/api/ps`
  (`capabilities` says so and why);
- the streamed reply (reasoning deltas, client-timed figures, tool calls, the wait while a model
  loads) is `ReplyStream`'s, in openai_stream.py, a mixin of this engine.

The API key is read from the environment variable named `api_key_env` when the client is made, and
goes to the client only: it is never stored here, logged or put in a message; errors name the variable.
`import openai` (pydantic and an HTTP client) happens on first use, off the first-frame path, in a worker
thread (`openai_wire.load_openai`), so the UI keeps drawing while it loads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from glmtui.core.errors import GlmTuiError
from glmtui.core.sanitize import sanitize
from glmtui.core.state import LoadedModel, ModelDetails, ModelInfo
from glmtui.services.engines.base import EngineCapabilities
from glmtui.services.engines.openai_stream import ReplyStream
from glmtui.services.engines.openai_wire import load_openai, map_error
from glmtui.services.engines.sglang_info import IMAGES_KEY, fact, image_understanding, images_note

if TYPE_CHECKING:
    import openai

THINKING_ASSUMED = "assumed: the server does not say whether it runs a reasoning parser"
THINKING_SEEN = "seen: a reply carried reasoning"
THINKING_PARSER = "reasoning parser {}"


def api_root(url: str) -> str:
    """The server's root: a url given with its `/v1` (as OpenAI clients are configured) works too."""
    return url.rstrip("/").removesuffix("/v1").rstrip("/")


class OpenAIEngine(ReplyStream):
    """One OpenAI-compatible server. Implements `engines.base.Engine`; every failure is a `GlmTuiError`.

    `flavour` ("vllm", "sglang", "openai", or None when not probed) picks where the version is read.
    `chat` is `ReplyStream`'s (openai_stream.py)."""

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
        self._parser: str | None = None  # SGLang's reasoning_parser ("" none), once read
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
        # SGLang's facts that could not be read are asked for again (ModelWatch polls a partial one)
        partial = self.flavour == "sglang" and (self._parser is None or not self._images_read)
        shown = ModelDetails(
            name=model,
            family=_text(card.get("owned_by")),
            capabilities=self._capabilities(model),
            context_length=length if isinstance(length, int) and not isinstance(length, bool) else None,
            model_info=self._model_info(model, card),
            partial=partial,
        )
        if not partial:
            self._show_cache[model] = shown
        return shown

    def _capabilities(self, model: str) -> tuple[str, ...]:
        vision = ("vision",) if self._images else ()
        # SGLang named no reasoning parser (not: its /get_server_info could not be read): cannot think
        if self.flavour == "sglang" and self._parser == "" and model not in self._reasoned:
            return ("completion", *vision)
        return ("completion", "thinking", *vision)

    def _model_info(self, model: str, card: Mapping[str, Any]) -> dict[str, object]:
        if model in self._reasoned:
            thinking = THINKING_SEEN
        elif self._parser:
            thinking = THINKING_PARSER.format(self._parser)
        elif self.flavour == "sglang" and self._parser == "":
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
            body = await fact(self._get, "/get_server_info")
        except Exception:
            return  # unknown for now (asked again): thinking stays assumed rather than denied
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

    def _saw_reasoning(self, model: str) -> None:
        """A reply carried reasoning: the model thinks, whatever was assumed before."""
        if model not in self._reasoned:
            self._reasoned.add(model)
            self._show_cache.pop(model, None)


def _client(host: str, api_key: str | None, connect_timeout: float) -> openai.AsyncOpenAI:
    import openai

    # Read timeout off: the first-token and stall timeouts above judge silence, per reply.
    timeout = openai.Timeout(connect=connect_timeout, read=None, write=30.0, pool=connect_timeout)
    return openai.AsyncOpenAI(
        base_url=f"{host}/v1", api_key=api_key or "EMPTY", max_retries=0, timeout=timeout
    )


def _text(value: object) -> str:
    return sanitize(value) if isinstance(value, str) else ""
