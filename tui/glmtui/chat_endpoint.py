"""The chat's endpoint: the registry of endpoints, what follows the chat when it moves, and `--continue`.

The app holds every endpoint in an `EndpointRegistry` (services/endpoints.py); the chat is on one of
them (`app.endpoint`), and `app.service` is that endpoint's engine, so the rest of the app (the chat
pane, the compare screen, the Ollama panel, the model library) keeps using `app.service` unchanged.
Moving the chat (`ModelWatch.move_to`) re-points them all here (`rewire`).

The engine seam, app side: `build_registry` gives the registry the engine factory and the probe.
"""

from __future__ import annotations

from collections.abc import Callable

from glmtui.config import Config
from glmtui.core.endpoints import Endpoint, EndpointStatus
from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.state import Conversation
from glmtui.services.endpoints import EndpointRegistry
from glmtui.services.engines.base import Engine
from glmtui.services.engines.factory import make_engine, probe_endpoint
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.services.engines.openai import OpenAIEngine
from glmtui.surface import AppSurface


def build_registry(config: Config, publish: Callable[[tuple[EndpointStatus, ...]], None]) -> EndpointRegistry:
    """Every endpoint of this run: an `auto` endpoint is probed (Ollama `/api/version`; vLLM `/version`
    + `/v1/models`; SGLang `/get_model_info`; any `/v1/models`) and gets the engine for what answered;
    one that cannot be reached yet, or answers neither, keeps the provisional Ollama engine, whose
    watchdog says what is there ("offline", "not Ollama")."""
    flavours: dict[str, str] = {}  # url → what the probe found (where the OpenAI engine reads its version)

    async def probe_kind(endpoint: Endpoint) -> str | None:
        kind, flavour = await probe_endpoint(endpoint)
        if flavour:
            flavours[endpoint.url] = flavour
        return kind

    def make(
        kind: str,
        url: str,
        *,
        api_key_env: str | None,
        stall_timeout: float,
        first_token_timeout: float,
        name: str = "",
    ) -> Engine:
        try:
            engine = make_engine(
                kind,
                url,
                api_key_env=api_key_env,
                flavour=flavours.get(url),
                stall_timeout=stall_timeout,
                first_token_timeout=first_token_timeout,
            )
        except ValueError as exc:
            raise GlmTuiError(
                str(exc), "set the endpoint's kind to ollama or openai", kind="no-engine"
            ) from exc
        if isinstance(engine, OpenAIEngine):
            engine.endpoint_name = name
        return engine

    return EndpointRegistry(
        config.endpoint_list,
        stall_timeout=config.stall_timeout,
        first_token_timeout=config.first_token_timeout,
        publish=publish,
        make=make,
        probe=probe_kind,
    )


def rewire(app: AppSurface, name: str, engine: Engine) -> None:
    """Everything that speaks to the chat's endpoint follows it to `name` (the conversation itself
    stays in the chat pane: its next request sends the whole history to this engine)."""
    endpoint = app.endpoints.get(name)
    local = endpoint.local if endpoint is not None else False
    app.service = engine
    app.host = engine.host
    app.ollama_is_local = local
    app.library = app.pulls.library = library_for(engine)  # a pull running finishes where it started
    app.monitor.service = engine
    app.monitor.resolve_blobs = local
    app.endpoint = name
    app.monitor.refresh_ollama()


def library_for(engine: Engine) -> ModelLibrary:
    """Model management for an engine: its own listing and facts; another kind than Ollama's refuses
    pulls, deletes and loads (its capabilities say so before the library is asked)."""
    return ModelLibrary(engine)


async def resolve_chat(app: AppSurface) -> None:
    """Probe the chat's endpoint when its kind is `auto`; another engine than the provisional one
    takes over at once (the watchdog's next poll speaks to it)."""
    engine = await app.endpoints.resolve(app.endpoint)
    if engine is not None:
        rewire(app, app.endpoint, engine)


def resumed_endpoint(app: AppSurface, conversation: Conversation) -> str | None:
    """The endpoint a resumed conversation was last on, when the chat should move there; None to
    stay. One no longer configured is said, and the chat goes on where it is (nothing is lost)."""
    wanted = conversation.endpoint or next(
        (t.endpoint for t in reversed(conversation.turns) if t.endpoint), ""
    )
    if not wanted or wanted == app.endpoint:
        return None
    if app.endpoints.get(wanted) is None:
        app.notify(
            f"It was on endpoint {wanted}, which is not configured now: it continues on {app.endpoint}.",
            severity="warning",
            timeout=6,
        )
        return None
    return wanted


def installed_on(app: AppSurface, endpoint: str, model: str) -> bool:
    """As the registry last listed `endpoint` (True while that is not known yet)."""
    models = app.endpoints.status(endpoint).models
    return not models or any(same_model(model, m.name) for m in models)


def first_engine(registry: EndpointRegistry, given: Engine | None = None) -> tuple[str, Engine, list[str]]:
    """The chat's endpoint at start: the first whose engine can be built (the default, unless no
    engine speaks its kind yet), and what was wrong with those skipped. None buildable: the default
    with the Ollama engine, which says what answers there. `given`: the default's engine (tests)."""
    if given is not None:
        registry.adopt(registry.default.name, given)
    problems: list[str] = []
    for endpoint in registry.endpoints:
        try:
            return endpoint.name, registry.engine(endpoint.name), problems
        except GlmTuiError as exc:
            problems.append(f"Endpoint {endpoint.name}: {exc}")
    default = registry.default
    engine = OllamaService(default.url)
    registry.adopt(default.name, engine)
    return default.name, engine, problems
