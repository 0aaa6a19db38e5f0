"""ModelLibrary: the model-management calls behind the switcher (list, show, pull, delete, load).

Kept apart from `OllamaService` (the chat path) but on the same official client and the same error
mapping, so every failure reaches the UI as a `GlmTuiError` with a message and a hint. Ollama's own
error texts (a full disk, a missing manifest) are passed on verbatim, sanitised.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import name_problem
from glmtui.core.sanitize import sanitize
from glmtui.core.state import ModelDetails, ModelInfo, PullUpdate
from glmtui.services.engines.base import Engine
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.ollama_errors import server_text

MANIFEST_MISSING = "file does not exist"
REGISTRY_HINT = "check the name and tag on ollama.com/library (tags are case-insensitive)"


class ModelLibrary:
    """Model management over an engine: listing and facts for any kind; pulls, deletes and loads over
    an `OllamaService`'s client (other kinds' capabilities refuse those before they are asked)."""

    def __init__(self, service: Engine) -> None:
        self.engine = service

    @property
    def service(self) -> OllamaService:
        """The Ollama engine behind the management calls; a GlmTuiError for any other kind."""
        if not isinstance(self.engine, OllamaService):
            raise GlmTuiError(self.engine.capabilities.why_not("manage models"), "", kind="unsupported")
        return self.engine

    async def installed(self) -> list[ModelInfo]:
        """`/api/tags`: the chat's own listing serves the switcher too."""
        return await self.engine.list_models()

    async def details(self, name: str) -> ModelDetails:
        """`/api/show` for one model (the service's reading of it, one type for the whole app)."""
        return await self.engine.show(name)

    async def pull(self, name: str) -> AsyncIterator[PullUpdate]:
        """Stream `/api/pull` progress. Raises GlmTuiError; a malformed name is refused unsent."""
        problem = name_problem(name)
        if problem is not None:
            raise GlmTuiError(problem, "fix the name and try again", kind="bad-name")
        try:
            stream = await self.service.client.pull(name, stream=True)
        except Exception as exc:
            raise self._pull_error(exc, name) from exc
        received = False  # a line came: a connection lost after it dropped mid-pull (not "not HTTP")
        try:
            async for part in stream:
                received = True
                yield PullUpdate(
                    status=sanitize(part.status or ""),
                    digest=part.digest,
                    total=part.total,
                    completed=part.completed,
                )
        except Exception as exc:
            raise self._pull_error(exc, name, streaming=received) from exc
        finally:
            if isinstance(stream, AsyncGenerator):  # typed as an iterator; it is the client's generator
                await stream.aclose()

    def _pull_error(self, exc: BaseException, name: str, *, streaming: bool = False) -> GlmTuiError:
        import ollama

        if isinstance(exc, ollama.ResponseError):
            text = server_text(exc.error, 200)
            if MANIFEST_MISSING in text:
                return GlmTuiError(f"'{name}' is not on the registry ({text})", REGISTRY_HINT, "not-found")
            return GlmTuiError(f"Ollama could not pull {name}: {text}", "", "pull")
        error = self.service.map_error(exc, name, streaming=streaming)
        if error.kind == "dropped":
            return GlmTuiError(
                f"The connection dropped while pulling {name}",
                "pull it again to resume: Ollama keeps the parts already downloaded",
                "dropped",
            )
        return error

    async def delete(self, name: str) -> None:
        try:
            await self.service.client.delete(name)
        except Exception as exc:
            raise self.service.map_error(exc, name) from exc

    async def preload(self, name: str, keep_alive: str | float | None) -> None:
        """Load a model into memory without generating: a chat with no messages, as Ollama documents."""
        try:
            await self.service.client.chat(model=name, messages=[], keep_alive=keep_alive)
        except Exception as exc:
            raise self.service.map_error(exc, name) from exc
