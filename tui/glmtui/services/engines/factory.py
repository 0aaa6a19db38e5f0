"""make_engine: the engine for an endpoint's kind, so the app names a kind and never a client class.

`auto` is not a kind here: probe the url first (`engines.probe.probe`), then make the engine it found.
The API key stays in the environment: the OpenAI engine is given the variable's name and reads the key
from it when it makes its client (never stored elsewhere, never logged).
"""

from __future__ import annotations

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
