"""make_engine: the engine for an endpoint's kind, so the app names a kind and never a client class.

`auto` is not a kind here: probe the url first (`engines.probe.probe`), then make the engine it found.
The API key stays in the environment: the OpenAI engine is given the variable's name and reads the key
from it when it makes its client (never stored elsewhere, never logged).
"""

from __future__ import annotations

import os

from glmtui.core.endpoints import Endpoint
from glmtui.core.errors import GlmTuiError
from glmtui.services.engines.base import Engine
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.openai import OpenAIEngine

KINDS = ("ollama", "openai")


def make_engine(
    kind: str,
    url: str,
    *,
    api_key_env: str | None = None,
    flavour: str | None = None,
    stall_timeout: float = 60.0,
    first_token_timeout: float = 600.0,
) -> Engine:
    """An engine of `kind` ("ollama" or "openai") for `url`; `flavour` is what a probe found (vllm,
    sglang, openai), which tells the OpenAI engine where its version is read. Raises ValueError for
    any other kind (`auto` included: probe first)."""
    if kind == "ollama":
        return OllamaService(url, stall_timeout=stall_timeout, first_token_timeout=first_token_timeout)
    if kind == "openai":
        return OpenAIEngine(
            url,
            api_key_env=api_key_env,
            flavour=flavour,
            stall_timeout=stall_timeout,
            first_token_timeout=first_token_timeout,
        )
    raise ValueError(
        f"unknown engine kind {kind!r} (expected {' or '.join(KINDS)}; probe an auto endpoint first)"
    )


async def probe_endpoint(endpoint: Endpoint) -> tuple[str | None, str | None]:
    """What answers at an endpoint: (kind, flavour) from the probe, (None, None) where nothing answers
    yet; something that answers but is neither engine raises GlmTuiError saying what answered. The
    app's registry (chat_endpoint.build_registry) and the headless commands (`engine_for`) both ask this."""
    from glmtui.services.engines.probe import probe

    key = os.environ.get(endpoint.api_key_env) if endpoint.api_key_env else None
    found = await probe(endpoint.url, key)  # the key goes in a header, nowhere else
    if found.kind is None and found.answered:  # HTTP (or not) but neither engine: say exactly that
        raise GlmTuiError(
            found.message, "point the endpoint at an Ollama, vLLM or SGLang server", kind="neither"
        )
    return found.kind, found.flavour


async def engine_for(
    endpoint: Endpoint, *, stall_timeout: float = 60.0, first_token_timeout: float = 600.0
) -> Engine:
    """The engine for one endpoint, probed first when its kind is `auto` (as the app's registry does,
    chat_endpoint.build_registry), for the headless commands that need no registry or watchdog. A url
    nothing answers at keeps the Ollama engine (its calls then say what is wrong); one that answers but
    is neither engine raises GlmTuiError saying what answered."""
    kind: str = endpoint.kind
    flavour: str | None = None
    if kind == "auto":
        found, flavour = await probe_endpoint(endpoint)
        kind = found or "ollama"
    engine = make_engine(
        kind,
        endpoint.url,
        api_key_env=endpoint.api_key_env,
        flavour=flavour,
        stall_timeout=stall_timeout,
        first_token_timeout=first_token_timeout,
    )
    if isinstance(engine, OpenAIEngine):
        engine.endpoint_name = endpoint.name
    return engine
