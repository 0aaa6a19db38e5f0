"""The engine seam: what the UI needs of an inference server, whatever speaks it.

The UI (chat panes, the monitor feed, the screens through the AppSurface) depends on `Engine`, never
on a client library. `OllamaService` implements it today; an OpenAI-compatible engine (vLLM, SGLang)
is next, and it has no pulls and no `/api/ps`: so what an engine can do beyond chatting is asked
(`capabilities`), never assumed, and an absent capability has a reason to show.
A reply streams as `ThinkingDelta` / `ContentDelta` (and `ToolCallDelta`) events, then one `StreamDone`
with its figures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from glmtui.core.state import GenerationStats, LoadedModel, ModelDetails, ModelInfo, ThinkSetting
from glmtui.core.stats import LiveStats
from glmtui.services.engines.pacing import READ_BATCH_S


@dataclass(slots=True)
class ThinkingDelta:
    """A piece of the model's thinking trace."""

    text: str


@dataclass(slots=True)
class ContentDelta:
    """A piece of the answer."""

    text: str


@dataclass(slots=True)
class ToolCallDelta:
    """A piece of a tool call the model asks for (shown, never run; `core/tool_calls.py` joins them).

    `index` names the call within the reply; the id and name come with its first piece (Ollama sends
    whole calls, one piece each), `arguments` is JSON text or a fragment of it. Already sanitised."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(slots=True)
class StreamDone:
    """The final chunk: exact figures from the server."""

    stats: GenerationStats


StreamEvent = ThinkingDelta | ContentDelta | ToolCallDelta | StreamDone


@dataclass(frozen=True, slots=True)
class EngineCapabilities:
    """What an engine can do beyond listing, showing and chatting; `why_not` says it in words."""

    pull: bool = False  # download models by name (Ollama's registry)
    delete: bool = False
    loaded_models: bool = False  # which models are in memory (`/api/ps`), preload and unload
    metrics: bool = False  # a Prometheus `/metrics` endpoint
    reason: str = ""  # why the absent ones are absent, e.g. "vLLM serves the models it was started with"

    def why_not(self, action: str) -> str:
        """A sentence for a refused action."""
        return f"This server cannot {action}" + (f": {self.reason}" if self.reason else ".")


class Engine(Protocol):
    """One server of one kind, as the UI uses it. Every failure is raised as a `GlmTuiError`."""

    kind: str  # "ollama" (and, next, "openai")
    host: str
    capabilities: EngineCapabilities

    async def version(self) -> str:
        """The server's version; raises when it cannot be reached (the watchdog's probe)."""
        ...

    async def list_models(self) -> list[ModelInfo]:
        """The models it can serve now."""
        ...

    async def show(self, model: str) -> ModelDetails:
        """What the server says about one model (capabilities, context, shape)."""
        ...

    def forget(self, model: str) -> None:
        """Drop what is cached about a model (after a delete)."""
        ...

    def chat(
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
        """Stream a reply: deltas (sanitised), then one `StreamDone`; what was yielded before a
        failure stays valid, so the caller keeps the partial reply. `read_batch_s`: the pause after a
        read that waited, so the chunks that arrive meanwhile are read together (`pacing.paced`)."""
        ...

    async def ps(self) -> list[LoadedModel]:
        """Models in memory (only when `capabilities.loaded_models`)."""
        ...

    async def unload(self, model: str) -> None:
        """Unload a model now (only when `capabilities.loaded_models`)."""
        ...

    async def close(self) -> None:
        """Close the connection pool."""
        ...


ENGINE_NAMES = {"ollama": "ollama", "vllm": "vLLM", "sglang": "SGLang"}


def engine_label(engine: Engine) -> str:
    """What to call the server in words: 'ollama', 'vLLM', 'SGLang', else 'OpenAI-compatible'."""
    if engine.kind == "ollama":
        return "ollama"
    flavour = getattr(engine, "flavour", None)
    return ENGINE_NAMES.get(flavour, "OpenAI-compatible") if isinstance(flavour, str) else "OpenAI-compatible"
