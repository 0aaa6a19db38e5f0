"""EndpointRegistry: every endpoint of this run, its engine and its state (online, offline...).

Textual-free. The chat's endpoint is watched by the app's `ModelWatch` (its exact messages and model
logic); the registry polls the others the same way (`/api/version` through the engine, the models
listed on each (re)connection) and publishes one tuple of `EndpointStatus` per change, for the header
and the models screen. The app mirrors the chat's endpoint's state into it (`mirror`).

THE ENGINE SEAM (where the OpenAI-compatible engine plugs in): `EngineMaker` builds an engine for a
kind, `KindProbe` says which kind an `auto` endpoint is. Until the OpenAI engine is merged the
defaults are `make_engine_today` (Ollama; "openai" raises "not available yet") and `probe_today`
(auto is Ollama, as `--host` always was: the Ollama engine says "not Ollama" when something else
answers). At the merge: pass `services.engines.factory.make_engine` and a probe built on
`services.engines.probe.probe` to `EndpointRegistry(make=..., probe=...)` in app.py.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from glmtui.core.endpoints import Endpoint, EndpointStatus
from glmtui.core.errors import GlmTuiError, connection_state
from glmtui.services.engines.base import Engine
from glmtui.services.engines.ollama import OllamaService

ONLINE_POLL_S = 5.0  # as ModelWatch's
OFFLINE_POLL_S = 2.0
NEEDS_KEY = "needs key"
NO_ENGINE = "no engine"
# Error kinds an engine raises for a refused or missing API key (the OpenAI engine's 401).
KEY_KINDS = frozenset({"needs-key", "auth", "unauthorized"})


class EngineMaker(Protocol):
    """Builds the engine for one endpoint of a known kind (raises GlmTuiError when it cannot)."""

    def __call__(
        self,
        kind: str,
        url: str,
        *,
        api_key_env: str | None,
        stall_timeout: float,
        first_token_timeout: float,
        name: str = "",
    ) -> Engine: ...


KindProbe = Callable[[Endpoint], Awaitable[str | None]]
"""What kind an `auto` endpoint is ("ollama", "openai"); None when nothing was identified (the
provisional engine goes on and says what answered); GlmTuiError for "HTTP but neither" and the like."""


def make_engine_today(
    kind: str,
    url: str,
    *,
    api_key_env: str | None,
    stall_timeout: float,
    first_token_timeout: float,
    name: str = "",
) -> Engine:
    """The factory until the OpenAI engine is merged: Ollama only (auto is probed to a kind first)."""
    if kind == "ollama":
        return OllamaService(url, stall_timeout=stall_timeout, first_token_timeout=first_token_timeout)
    raise GlmTuiError(
        f"The {kind} engine is not available yet in this glmtui",
        'set kind = "ollama" for an Ollama server; vLLM and SGLang support is on its way',
        kind="no-engine",
    )


async def probe_today(endpoint: Endpoint) -> str | None:
    """What an `auto` endpoint is, until the probe is merged: Ollama (today's `--host` behaviour)."""
    return "ollama"


def status_for(error: GlmTuiError) -> str:
    """An endpoint's state after a failed check: offline, reached but not the kind, needs a key."""
    if error.kind in KEY_KINDS:
        return NEEDS_KEY
    if error.kind == "no-engine":
        return NO_ENGINE
    return connection_state(error)


class EndpointRegistry:
    """The endpoints, their engines (built on first use) and what is known of each."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        stall_timeout: float = 60.0,
        first_token_timeout: float = 600.0,
        publish: Callable[[tuple[EndpointStatus, ...]], None] = lambda _: None,
        make: EngineMaker = make_engine_today,
        probe: KindProbe = probe_today,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if not endpoints:
            raise ValueError("at least one endpoint")
        self.endpoints = tuple(endpoints)
        self._stall, self._first = stall_timeout, first_token_timeout
        self._publish = publish
        self._make = make
        self._probe = probe
        self._env = os.environ if env is None else env
        self._engines: dict[str, Engine] = {}
        self._kinds: dict[str, str] = {e.name: e.kind for e in endpoints if e.kind != "auto"}
        self._status = {e.name: EndpointStatus(e.name, e.url, e.kind) for e in endpoints}
        self.probe_errors: dict[str, GlmTuiError] = {}  # what the last probe of an auto endpoint found
        self.online_poll_s = ONLINE_POLL_S  # tests shorten these
        self.offline_poll_s = OFFLINE_POLL_S

    # -- reading -----------------------------------------------------------------------------------

    @property
    def default(self) -> Endpoint:
        return self.endpoints[0]

    def get(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)

    def status(self, name: str) -> EndpointStatus:
        return self._status[name]

    @property
    def statuses(self) -> tuple[EndpointStatus, ...]:
        return tuple(self._status[e.name] for e in self.endpoints)

    def engine(self, name: str) -> Engine:
        """The endpoint's engine, built on first use. An `auto` endpoint not probed yet gets the
        Ollama engine meanwhile (`resolve` replaces it when the probe finds another kind).
        Raises KeyError for an unknown name and GlmTuiError when no engine speaks its kind."""
        engine = self._engines.get(name)
        if engine is None:
            endpoint = self.get(name)
            if endpoint is None:
                raise KeyError(name)
            engine = self._build(endpoint, self._kinds.get(name, "ollama"))
            self._engines[name] = engine
        return engine

    def adopt(self, name: str, engine: Engine) -> None:
        """Use an engine built elsewhere for this endpoint (tests with a fake, embedding)."""
        self._engines[name] = engine
        self._kinds[name] = engine.kind

    def _build(self, endpoint: Endpoint, kind: str) -> Engine:
        return self._make(
            kind,
            endpoint.url,
            api_key_env=endpoint.api_key_env,
            stall_timeout=self._stall,
            first_token_timeout=self._first,
            name=endpoint.name,
        )

    # -- writing -----------------------------------------------------------------------------------

    def mirror(self, name: str, **changes: object) -> None:
        """Record what the app's watchdog found for the chat's endpoint (state, version, models)."""
        self._set(name, **changes)

    def _set(self, name: str, **changes: object) -> None:
        before = self._status[name]
        after = replace(before, **changes)  # type: ignore[arg-type]
        if after != before:
            self._status[name] = after
            self._publish(self.statuses)

    def resolved(self, name: str) -> bool:
        """The endpoint's kind is known (stated in the config, or found by a probe)."""
        return name in self._kinds

    async def resolve(self, name: str) -> Engine | None:
        """Probe an `auto` endpoint until a probe finds its kind (one that was down at start is probed
        again on later calls); a kind other than the provisional engine's builds the right one.
        Returns the new engine when it changed (the caller swaps it in), else None."""
        endpoint = self.get(name)
        if endpoint is None or name in self._kinds:
            return None
        try:
            kind = await self._probe(endpoint)
        except GlmTuiError as exc:
            self.probe_errors[name] = exc
            self._set(name, state=status_for(exc), message=str(exc))
            return None
        self.probe_errors.pop(name, None)
        if not kind:
            return None  # nothing identified: the provisional engine goes on and says what it finds
        self._kinds[name] = kind
        self._set(name, engine=kind)
        current = self._engines.get(name)
        if current is not None and current.kind == kind:
            return None
        try:
            engine = self._build(endpoint, kind)
        except GlmTuiError as exc:
            self._set(name, state=status_for(exc), message=str(exc))
            return None
        self._engines[name] = engine
        if current is not None:
            await current.close()
        return engine

    async def check(self, name: str) -> EndpointStatus:
        """One watchdog step for an endpoint the chat is not on: its version; its models when it
        (re)connects. Never raises."""
        before = self._status[name]
        try:
            engine = self.engine(name)
            version = await engine.version()
        except GlmTuiError as exc:
            self._set(name, state=status_for(exc), message=str(exc))
            return self._status[name]
        if before.state != "online" or not before.models:
            try:
                models = tuple(await engine.list_models())
            except GlmTuiError as exc:
                # Reached, but the list refused: vLLM answers /version and /health without a key and
                # /v1/models with a 401, which is "needs key" (the message names the variable), not online.
                state = NEEDS_KEY if exc.kind in KEY_KINDS else "online"
                self._set(name, state=state, version=version, message=str(exc))
                return self._status[name]
            self._set(name, models=models)
        self._set(name, state="online", version=version, message="", engine=engine.kind)
        return self._status[name]

    async def refresh_models(self, name: str) -> EndpointStatus:
        """List an endpoint's models now (the models screen); the state as found."""
        try:
            models = tuple(await self.engine(name).list_models())
        except GlmTuiError as exc:
            self._set(name, state=status_for(exc), message=str(exc))
        else:
            self._set(name, models=models, state="online", message="")
        return self._status[name]

    async def run(self, chat: Callable[[], str]) -> None:
        """Poll the endpoints the chat is not on, for ever (the app's "endpoints" worker). Auto
        endpoints are probed first. Alone, the chat's endpoint is ModelWatch's: nothing to do."""
        for endpoint in self.endpoints:
            if endpoint.kind == "auto" and endpoint.name != chat():
                await self.resolve(endpoint.name)
        if len(self.endpoints) < 2:
            return
        while True:
            others = [e.name for e in self.endpoints if e.name != chat()]
            found = await asyncio.gather(*(self.check(name) for name in others))
            offline = any(status.state != "online" for status in found)
            await asyncio.sleep(self.offline_poll_s if offline else self.online_poll_s)

    async def close(self) -> None:
        for engine in self._engines.values():
            await engine.close()
        self._engines.clear()
