"""The endpoint registry against the simulator: states, models, the engine and probe seams."""

from __future__ import annotations

from typing import Any

import pytest

from glmtui.core.endpoints import Endpoint, EndpointStatus
from glmtui.core.errors import GlmTuiError
from glmtui.services.endpoints import EndpointRegistry, make_engine_today
from glmtui.services.engines.base import Engine
from glmtui.services.engines.ollama import OllamaService
from glmtui.simulator import Simulator


def test_the_factory_today_speaks_ollama_and_says_openai_is_not_there_yet() -> None:
    engine = make_engine_today(
        "ollama", "http://x:1", api_key_env=None, stall_timeout=1, first_token_timeout=1
    )
    assert isinstance(engine, OllamaService)
    with pytest.raises(GlmTuiError, match="openai engine is not available yet") as caught:
        make_engine_today("openai", "http://x:1", api_key_env=None, stall_timeout=1, first_token_timeout=1)
    assert caught.value.kind == "no-engine"


async def test_an_endpoint_online_then_offline_with_its_models(sim: Simulator) -> None:
    published: list[tuple[EndpointStatus, ...]] = []
    registry = EndpointRegistry([Endpoint("desk", sim.url, "ollama")], publish=published.append)
    try:
        status = await registry.check("desk")
        assert status.state == "online" and status.version and status.engine == "ollama"
        assert any(m.name.startswith("glm-4.7-flash") for m in status.models)
        assert published[-1] == (status,)
        sim.stop()
        status = await registry.check("desk")
        assert status.state == "offline" and status.message
        assert status.models  # the last listing is kept while it is away
    finally:
        await registry.close()


async def test_an_endpoint_no_engine_speaks_is_said_and_others_still_work(sim: Simulator) -> None:
    registry = EndpointRegistry(
        [Endpoint("node1", "http://127.0.0.1:9", "openai"), Endpoint("desk", sim.url, "ollama")]
    )
    try:
        status = await registry.check("node1")
        assert status.state == "no engine" and "not available yet" in status.message
        assert (await registry.check("desk")).state == "online"
    finally:
        await registry.close()


async def test_the_probe_seam_decides_an_auto_endpoints_engine(sim: Simulator) -> None:
    built: list[str] = []

    def make(kind: str, url: str, **_: Any) -> Engine:
        built.append(kind)
        engine = OllamaService(url)
        engine.kind = kind  # stands for the OpenAI engine the factory will build
        return engine

    async def probe(endpoint: Endpoint) -> str | None:
        return "openai" if endpoint.name == "node1" else None

    async def refused(endpoint: Endpoint) -> str | None:
        raise GlmTuiError("401 from /v1/models", "set VLLM_API_KEY", kind="needs-key")

    endpoints = [Endpoint("node1", sim.url, "auto"), Endpoint("desk", sim.url, "auto")]
    registry = EndpointRegistry(endpoints, make=make, probe=probe)
    try:
        provisional = registry.engine("node1")
        assert provisional.kind == "ollama"  # until probed: today's behaviour
        swapped = await registry.resolve("node1")
        assert swapped is not None and swapped.kind == "openai" and registry.engine("node1") is swapped
        assert registry.status("node1").engine == "openai"
        assert await registry.resolve("desk") is None  # nothing identified: the provisional engine stays
        assert built == ["ollama", "openai"]
    finally:
        await registry.close()
    registry = EndpointRegistry([Endpoint("node1", sim.url, "auto")], probe=refused)
    await registry.resolve("node1")
    assert registry.status("node1").state == "needs key"
